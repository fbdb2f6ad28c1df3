"""Whole-graph analytics with NetworkX: centrality ranking, communities, and mechanism chains.

All of them read an undirected simple projection: one edge per related pair of entities, weighted
by its number of supporting claims (registry links weigh 1). Direction matters for reading a
claim, not for asking which entities hold the graph together. Negated claims are not edges.
Results are deterministic: ties break by id, and community detection has no random seed to vary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx

from kg.model import AlskgError
from kg.names import NameIndex
from kg.paths import PathFinder, format_evidence, format_link, type_family
from kg.results import Chain, Community, Hop, Link, Ranked, entity_ref

METRICS = ("degree", "betweenness", "pagerank")
# Exact betweenness is O(V·E): 10 s at 2,000 entities, tens of minutes at 20,000. Above this many
# entities it is estimated from BETWEENNESS_SAMPLES source entities drawn with a fixed seed (the same
# graph gives the same ranking), and the output says so.
BETWEENNESS_EXACT_MAX = 1000
BETWEENNESS_SAMPLES = 128
BETWEENNESS_SEED = 0


@dataclass(frozen=True)
class SampledRanked(Ranked):
    """A betweenness score estimated from ``samples`` source entities (seeded), not computed exactly."""

    samples: int = BETWEENNESS_SAMPLES
    seed: int = BETWEENNESS_SEED

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "estimate": {"method": "sampled betweenness", "samples": self.samples,
                                                   "seed": self.seed}}
GENE_TYPES = ("Gene", "Variant", "GeneProduct")
THERAPY_TYPES = ("Therapy", "Drug", "CellTherapy")


def simple_projection(G: nx.MultiDiGraph) -> nx.Graph:
    """Undirected, one edge per pair, ``weight`` = supporting claims (at least 1)."""
    H = nx.Graph()
    H.add_nodes_from(sorted(G.nodes))
    for u, v, data in sorted(G.edges(data=True), key=lambda e: (e[0], e[1], e[2]["predicate"])):
        if u == v:
            continue
        w = max(len(data.get("claims", ())), 1)
        if H.has_edge(u, v):
            H[u][v]["weight"] += w
        else:
            H.add_edge(u, v, weight=w)
    return H


def rank(G: nx.MultiDiGraph, metric: str = "degree", type_: str | None = None, top: int = 20) -> list[Ranked]:
    """The ``top`` entities by ``metric`` (degree = distinct neighbours), optionally of one type."""
    if metric not in METRICS:
        raise AlskgError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if top < 1:
        raise AlskgError(f"top must be at least 1 (got {top})")
    H = simple_projection(G)
    if metric == "degree":
        scores: dict[str, float] = {n: float(d) for n, d in H.degree()}
    elif metric == "betweenness":
        if H.number_of_nodes() > BETWEENNESS_EXACT_MAX:
            scores = nx.betweenness_centrality(H, k=BETWEENNESS_SAMPLES, normalized=True, seed=BETWEENNESS_SEED)
            nodes = _typed(G, list(H.nodes), type_)
            nodes.sort(key=lambda n: (-round(scores[n], 12), n))
            return [SampledRanked(entity_ref(G, n), round(scores[n], 6), H.degree(n)) for n in nodes[:top]]
        scores = nx.betweenness_centrality(H, normalized=True)
    else:
        scores = _pagerank(H)
    nodes = _typed(G, list(H.nodes), type_)
    nodes.sort(key=lambda n: (-round(scores[n], 12), n))
    return [Ranked(entity_ref(G, n), round(scores[n], 6), H.degree(n)) for n in nodes[:top]]


def _typed(G: nx.MultiDiGraph, nodes: list[str], type_: str | None) -> list[str]:
    """``nodes`` of type ``type_`` or one of its subtypes (all of them without a type)."""
    if not type_:
        return nodes
    family = type_family(type_)[1]
    return [n for n in nodes if G.nodes[n].get("type") in family]


def _pagerank(H: nx.Graph) -> dict[str, float]:
    return nx.pagerank(H, weight="weight")  # NetworkX's pagerank needs scipy, a declared dependency


def communities(G: nx.MultiDiGraph, min_size: int = 2) -> list[Community]:
    """Deterministic communities (Clauset-Newman-Moore greedy modularity), largest first."""
    H = simple_projection(G)
    H.remove_nodes_from([n for n, d in list(H.degree()) if d == 0])
    if H.number_of_edges() == 0:
        return []
    groups = nx.community.greedy_modularity_communities(H, weight="weight")
    ordered = sorted((sorted(c) for c in groups if len(c) >= min_size), key=lambda c: (-len(c), c[0]))
    out = []
    for i, members in enumerate(ordered, 1):
        hubs = sorted(members, key=lambda n: (-H.degree(n, weight="weight"), n))[:3]
        out.append(Community(i, tuple(entity_ref(G, n) for n in members), tuple(entity_ref(G, n) for n in hubs)))
    return out


def chains(G: nx.MultiDiGraph, gene: str | None = None, finder: PathFinder | None = None) -> list[Chain]:
    """Every gene → cell type → pathology → therapy chain (genes include variants and products);
    the same chains as ``ontology/queries/chains.rq``, which a test checks. ``gene`` narrows to
    chains from one gene and its registered variants and products."""
    finder = finder or PathFinder(G)
    types = {n: d.get("type") for n, d in G.nodes(data=True)}

    def step(u: str, v: str) -> tuple[Link, ...]:
        return finder.hop(u, v, directed=False).links

    def linked(u: str, want: tuple[str, ...]) -> list[str]:
        return sorted(v for v in finder.und.get(u, ()) if types.get(v) in want)

    # genes, and the variants and products the registry ties to a gene (tool proteins like Cre are neither)
    registered = {v for u, v, d in G.edges(data=True) if d.get("source") == "registry" and types.get(u) == "Gene"}
    starts = sorted(n for n, t in types.items() if t == "Gene" or (t in GENE_TYPES and n in registered))
    if gene is not None:
        root = NameIndex(G).resolve(gene)
        # a gene's chains include those of its variants and products (registry links)
        starts = [root, *sorted(v for _, v, d in G.out_edges(root, data=True) if d.get("source") == "registry")]
    out = []
    for g in starts:
        for c in linked(g, ("CellType",)):
            for p in linked(c, ("Pathology",)):
                for t in linked(p, THERAPY_TYPES):
                    out.append(Chain(*(entity_ref(G, x) for x in (g, c, p, t)), (step(g, c), step(c, p), step(p, t))))
    out.sort(key=lambda ch: (ch.gene.label_en, ch.cell.label_en, ch.pathology.label_en, ch.therapy.label_en,
                             ch.gene.id, ch.cell.id, ch.pathology.id, ch.therapy.id))
    return out


# ---------------------------------------------------------------- text


def format_rank(rows: list[Ranked], metric: str) -> str:
    w = max([len(r.entity.label_en) for r in rows] + [6])
    sampled = [r for r in rows if isinstance(r, SampledRanked)]
    lines = [f"(betweenness estimated from {sampled[0].samples} sampled source entities, seed {sampled[0].seed}:"
             f" the graph has more than {BETWEENNESS_EXACT_MAX} entities)"] if sampled else []
    lines += [f"{'#':>3}  {'entity':<{w}}  {'type':<18}  {metric:>11}  neighbours"]
    for i, r in enumerate(rows, 1):
        score = f"{int(r.score)}" if metric == "degree" else f"{r.score:.4f}"
        lines.append(f"{i:>3}  {r.entity.label_en:<{w}}  {r.entity.type:<18}  {score:>11}  {r.degree}   [{r.entity.id}]")
    return "\n".join(lines)


def format_communities(groups: list[Community]) -> str:
    if not groups:
        return "No communities (the graph has no relations)."
    out = []
    for c in groups:
        out.append(f"{c.index}. {len(c.members)} entities, around {', '.join(h.label_en for h in c.hubs)}")
        out.append("   " + "; ".join(m.label_en for m in c.members))
    return "\n".join(out)


def format_chains(G: nx.MultiDiGraph, rows: list[Chain]) -> str:
    if not rows:
        return "No gene → cell type → pathology → therapy chain in the graph."
    out = [f"{len(rows)} gene → cell type → pathology → therapy chain{'s' if len(rows) != 1 else ''}"]
    for i, ch in enumerate(rows, 1):
        nodes = (ch.gene, ch.cell, ch.pathology, ch.therapy)
        out += ["", f"{i}. " + " → ".join(f"{n.label_en}" for n in nodes) + f"   ({ch.evidence} claims)"]
        for (a, b), step in zip(zip(nodes, nodes[1:], strict=False), ch.links, strict=True):
            hop = Hop(a.id, b.id, step)
            for lk in step:
                out.append(f"   {format_link(G, hop, lk)}" + ("   (entity registry)" if lk.origin == "registry" else ""))
                for ev in lk.claims:
                    out += format_evidence(ev, G=G)
    return "\n".join(out)
