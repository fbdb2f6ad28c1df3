"""The Python API: ``kg.load()`` gives a ``KG`` that the CLI commands and notebooks share.

    >>> import kg
    >>> g = kg.load()                      # builds once, then loads from the cache
    >>> g.network.nodes["sod1"]["label_en"]
    'SOD1'

``KG.network`` is the NetworkX projection (see ``kg.network``): nodes are entity ids with
``type``, ``label_en``, ``label_ja``, ``labels_ja``, ``synonyms``, ``xrefs``, ``note``; each edge
(key = predicate) carries ``claims`` — dicts with id, subject, predicate, object, document, quote,
summary, evidence, status, negated, model, species, qualifiers, where — and ``source``
("claims" or "registry"). Negated claims form no edge; they are in ``network.graph["negated"]``.
``KG.rdf`` is the rdflib graph (parsed lazily from the cached N-Quads).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import networkx as nx
from rdflib import Graph

from kg.locations import default_seeds_dir


class KG:
    """A loaded graph: the NetworkX projection now, the RDF graph on first use."""

    def __init__(self, network: nx.MultiDiGraph, nq_path: Path, seeds_dir: Path):
        self.network = network
        self.nq_path = Path(nq_path)
        self.seeds_dir = Path(seeds_dir)

    @cached_property
    def rdf(self) -> Graph:
        from kg.store import read_rdf

        return read_rdf(self.nq_path)

    def __repr__(self) -> str:
        return f"<KG {self.network.number_of_nodes()} entities, {self.network.number_of_edges()} relations>"


def load(seeds_dir: Path | str | None = None, cache_dir: Path | str | None = None) -> KG:
    """Load the graph built from ``seeds_dir`` (default: the repository's seeds), via the cache."""
    from kg.store import load_cached

    seeds = Path(seeds_dir) if seeds_dir else default_seeds_dir()
    nq_path, network = load_cached(seeds, Path(cache_dir) if cache_dir else None)
    return KG(network, nq_path, seeds)
