"""A synthetic graph in ``kg.network``'s shape, for load tests of the views (no curation involved)."""

from __future__ import annotations

import random

import networkx as nx

from kg.model import Claim

TYPES = ("Gene", "GeneProduct", "CellType", "BiologicalProcess", "Pathology", "Compound", "Disease")
PREDICATES = ("activates", "inhibits", "regulates", "expressed_in", "contributes_to", "causes")


def synthetic_graph(n: int = 5000, m: int = 2, seed: int = 1) -> nx.MultiDiGraph:
    """A scale-free graph (Barabási–Albert, hubs like the real graph's) with typed nodes and one claim per edge."""
    rng = random.Random(seed)
    base = nx.barabasi_albert_graph(n, m, seed=seed)
    G = nx.MultiDiGraph()
    G.graph["documents"] = {"synthetic-doc": "A synthetic document"}
    G.graph["negated"] = []
    for v in base:
        G.add_node(f"n{v}", type=TYPES[v % len(TYPES)], label_en=f"entity {v}", label_ja=f"実体{v}",
                   labels_ja=[f"実体{v}"], synonyms=[], xrefs=[], note="")
    for i, (u, v) in enumerate(sorted(base.edges())):
        p = PREDICATES[rng.randrange(len(PREDICATES))]
        claim = Claim(f"n{u}", p, f"n{v}", "synthetic-doc", f"合成の引用{i}", f"Synthetic claim {i}.", "in_vitro", "finding")
        G.add_edge(f"n{u}", f"n{v}", key=p, predicate=p, claims=[claim], source="claims")
    return G
