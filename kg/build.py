"""The one build: seeds folder → checked ``Seeds`` → statements and N-Quads, NetworkX projection, and
(for library users only) the rdflib dataset and union graph.

``build(seeds_dir, validate=…)`` returns a ``Built``. Its statements, N-Quads, projection, dataset
and union graph are each computed once, on first use, and shared by every writer (``kg.serialize``),
page (``viz.pages``), the cache (``kg.cache``) and the checks on the built graph (``kg.validate``).
Neither ``validate`` nor ``build`` makes an rdflib graph of the data: the checks read the statements
written straight from the seeds (``kg.rdf``) and every RDF writer reads its N-Quads (``kg.serialize``).
``alskg validate`` is ``build(validate=True)``; ``alskg build`` is the same call followed by
rendering every output in memory and writing them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Dataset, Graph

from kg.locations import ONTOLOGY_DIR
from kg.model import Seeds, ValidationFailed
from kg.network import project
from kg.rdf import (
    Statement,
    bind_prefixes,
    build_dataset,
    data_graph,
    data_statements,
    schema_graph,
    statements_nquads,
    statements_of,
)
from kg.schema import Schema, load_schema
from kg.seeds import read_seeds
from kg.validate import graph_problems


@dataclass
class Built:
    """Everything one build makes from the seeds; derived forms are computed once, when first asked for.

    The statements and the N-Quads are written straight from the seeds (``kg.rdf``); they are what
    the checks, the cache, the query engines and every RDF writer read. The rdflib dataset and union
    graph are made only when a library user asks for them.
    """

    seeds: Seeds
    schema: Schema
    ontology_dir: Path = ONTOLOGY_DIR

    @cached_property
    def schema_graph(self) -> Graph:
        """The ontology and the metagraph's domain/range statements, as an rdflib graph (small)."""
        return schema_graph(self.schema, self.ontology_dir)

    @cached_property
    def schema_statements(self) -> list[Statement]:
        """The schema graph's statements (N-Triples terms)."""
        return statements_of(self.schema_graph)

    @cached_property
    def data_statements(self) -> list[Statement]:
        """The data graph's statements (N-Triples terms), written from the seeds."""
        return data_statements(self.seeds)

    @cached_property
    def nquads(self) -> bytes:
        """Both graphs as sorted N-Quads (the cache, the query engines, the violation queries)."""
        return statements_nquads(self.schema_statements, self.data_statements)

    @cached_property
    def data_graph(self) -> Graph:
        """The data as an rdflib graph (for ``union``; no writer needs it)."""
        g = data_graph(self.seeds)
        bind_prefixes(g)
        return g

    @cached_property
    def dataset(self) -> Dataset:
        """Schema and data in two named rdflib graphs (for library users; the writers do not need it)."""
        return build_dataset(self.seeds, self.schema, self.ontology_dir)

    @cached_property
    def union(self) -> Graph:
        """Schema and data in one rdflib graph, for library users (no writer needs it)."""
        g = Graph()
        bind_prefixes(g)
        for part in (self.schema_graph, self.data_graph):
            for t in part:
                g.add(t)
        return g

    @cached_property
    def network(self) -> nx.MultiDiGraph:
        """The NetworkX projection (``kg.network``): paths, analytics, pages, GraphML and KGX."""
        return project(self.seeds)

    def summary(self) -> str:
        """What ``alskg validate`` prints when everything passed."""
        by_doc = Counter(c.document for c in self.seeds.claims)
        docs = ", ".join(f"{d} {n}" for d, n in sorted(by_doc.items()))
        return (f"ok: {len(self.seeds.entities)} entities, {len(self.seeds.claims)} claims"
                f" ({docs}); every quote found in its document")

    def to_dict(self) -> dict[str, Any]:
        by_doc = Counter(c.document for c in self.seeds.claims)
        return {"ok": True, "entities": len(self.seeds.entities), "claims": len(self.seeds.claims),
                "claims_by_document": dict(sorted(by_doc.items())), "problems": []}


def build(seeds_dir: Path, validate: bool = False, ontology_dir: Path = ONTOLOGY_DIR) -> Built:
    """Read and check the seeds (raising ``ValidationFailed`` listing every problem), build the dataset.

    With ``validate`` the built graph is checked too (SHACL shapes, violation queries), so a graph
    that ``alskg validate`` would reject is never written.
    """
    schema = load_schema(ontology_dir)
    seeds, problems = read_seeds(seeds_dir, schema)
    if problems:
        raise ValidationFailed(problems)
    built = Built(seeds, schema, ontology_dir)
    if validate:
        problems = graph_problems(seeds, built.schema_statements, lambda: built.data_statements)
        if problems:
            raise ValidationFailed(problems)
    return built
