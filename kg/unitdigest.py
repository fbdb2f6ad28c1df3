"""Digests of the seeds' items that parts of the graph are written from (``kg.violations``,
``kg.shacl_units``): a part whose items' digest is unchanged has unchanged statements, as long as the
code that writes them is unchanged too (each user puts ``kg/rdf.py`` and ``kg/model.py`` in its version).
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from kg.model import Claim, Entity

_LAST: list[tuple[Sequence[Claim], dict[str, str]]] = []  # the claims last digested, and their digests


def item_text(item: Any) -> str:
    """Every field of a claim, entity or document (its place too: a claim's statements name its file),
    as text; a field added to the class is in it without a change here. Read from the instance's
    ``__dict__`` at once (a claim's cached id too, once it is computed: ``kg.seeds`` computes every
    claim's id before the graph is checked, so it is there both times a digest is compared)."""
    return f"{type(item).__name__}{tuple(item.__dict__.values())!r}"


def items_digest(items: Iterable[Any]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(item_text(item).encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


def claim_text(c: Claim) -> str:
    """Every field of a claim as text: its id (the hash of its relation, document, quote, polarity,
    model, species and context) and the fields the id leaves out. A third of the time of ``item_text``
    (the quote and the context are not written out again); a test changes each field of ``Claim`` in
    turn and requires a different text, so a field added to the class and not here fails it."""
    return (f"{c.id}\x1f{c.summary}\x1f{c.evidence}\x1f{c.status}\x1f{c.certainty}\x1f{c.certainty_note}"
            f"\x1f{c.where.file}:{c.where.line}\x1f{c.qualifiers!r}")


def claims_digests(claims: Sequence[Claim]) -> dict[str, str]:
    """Document id → the digest of its claims (in the order given). Both checks of one validation ask
    for it (SHACL and the violation queries), so the last answer is kept for the same claims."""
    if _LAST and _LAST[0][0] is claims:
        return _LAST[0][1]
    by_document: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_document[c.document].append(c)
    digests = {}
    for doc, cs in by_document.items():
        h = hashlib.sha256()
        for c in cs:
            h.update(claim_text(c).encode("utf-8", "surrogatepass") + b"\0")
        digests[doc] = h.hexdigest()
    _LAST[:] = [(claims, digests)]
    return digests


def entities_digest(entities: Iterable[Any]) -> str:
    """The digest of entities' content without their places (no statement names an entity's place;
    a place's ``repr`` was most of the time of digesting every entity)."""
    h = hashlib.sha256()
    for e in entities:
        h.update(repr(_ENTITY_CONTENT(e)).encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()


_ENTITY_CONTENT = operator.attrgetter(*(f.name for f in dataclasses.fields(Entity) if f.name != "where"))
