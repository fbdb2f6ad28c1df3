"""One IRI per identifier: CURIEs expanded and IRIs compressed with the `curies` library, from the
one prefix table (``ontology/prefixes.tsv``), whose external prefixes equal the Biolink model's prefix
map (a test checks it against the biolink-model package), so SOD1 is ``http://identifiers.org/hgnc/11179``
in Turtle, JSON-LD and KGX alike, and joins other Biolink graphs.
"""

from __future__ import annotations

from functools import cache

import curies

from kg.model import AlskgError
from kg.namespaces import PREFIXES


@cache
def converter() -> curies.Converter:
    """The converter for every prefix alskg knows."""
    return curies.Converter.from_prefix_map(dict(PREFIXES))


def expand(curie: str) -> str:
    """``HGNC:11179`` → ``http://identifiers.org/hgnc/11179``; an unknown prefix is an error."""
    iri = converter().expand(curie)
    if iri is None:
        raise AlskgError(f"{curie!r} is not a CURIE with a prefix of ontology/prefixes.tsv")
    return iri


def compress(iri: str) -> str | None:
    """The CURIE for an IRI under a known namespace, else None."""
    return converter().compress(iri)


def prefix_map(prefixes: set[str]) -> dict[str, str]:
    """The expansions of the given prefixes (what an export ships so its CURIEs can be expanded)."""
    return {p: PREFIXES[p] for p in sorted(prefixes) if p in PREFIXES}
