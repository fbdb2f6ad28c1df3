"""Which part of the graph a page shows: the whole graph, a neighbourhood, ranked paths, one document.

Each selector returns a ``View``: a *copy* of the chosen nodes and edges (rendering may add drawing
attributes, and the loaded graph is shared and cached), the negated claims among those nodes (they
form no edge in ``kg.network``, so a view has to carry them itself), and what to highlight.
Selection is kept apart from drawing so it can be tested without HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.entity import within_hops
from kg.model import AlskgError, Claim
from kg.names import NameIndex
from kg.paths import PathFinder, find_paths
from kg.schema import load_schema

EdgeKey = tuple[str, str, str]  # (subject, object, predicate) — the MultiDiGraph's (u, v, key)

MAX_FOCUS_HOPS = 6


@dataclass
class View:
    """A subgraph to draw, with what the page should say about it."""

    graph: nx.MultiDiGraph
    title: str
    negated: list[Claim] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)
    highlight: set[EdgeKey] = field(default_factory=set)
    centre: list[str] = field(default_factory=list)
    paths: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # every entity's English label, for claim contexts


def _negated_within(G: nx.MultiDiGraph, nodes: set[str], document: str | None = None) -> list[Claim]:
    return [c for c in G.graph.get("negated", [])
            if c.subject in nodes and c.object in nodes and (document is None or c.document == document)]


def _view(G: nx.MultiDiGraph, sub: nx.MultiDiGraph, title: str, **kw: Any) -> View:
    nodes = set(sub.nodes)
    return View(sub, title, negated=kw.pop("negated", None) or _negated_within(G, nodes),
                documents=dict(G.graph.get("documents", {})),
                labels={n: d.get("label_en", n) for n, d in G.nodes(data=True)}, **kw)


def whole(G: nx.MultiDiGraph) -> View:
    """Every entity and relation."""
    return _view(G, G.copy(), "ALS knowledge graph: all entities")


def resolve(G: nx.MultiDiGraph, name: str) -> str:
    """An entity id from any name ``kg.names`` accepts (label, Japanese label, synonym, id)."""
    return NameIndex(G).resolve(name)


def focus(G: nx.MultiDiGraph, name: str, hops: int = 1) -> View:
    """The entities within ``hops`` steps of ``name``, whichever way the relations point."""
    if not 0 <= hops <= MAX_FOCUS_HOPS:
        raise AlskgError(f"hops must be between 0 and {MAX_FOCUS_HOPS} (got {hops})")
    centre = resolve(G, name)
    reach = within_hops(PathFinder(G).und, centre, hops)
    sub = G.subgraph(reach).copy()
    label = G.nodes[centre].get("label_en", centre)
    return _view(G, sub, f"{label}: neighbourhood within {hops} hop{'s' if hops != 1 else ''}", centre=[centre])


def paths(G: nx.MultiDiGraph, a: str, b: str, max_hops: int = 4, limit: int = 5) -> View:
    """The ranked paths from ``a`` to ``b`` (``kg.paths``): their nodes and hop relations only."""
    answer = find_paths(G, a, b, max_hops=max_hops, limit=limit)
    sub = nx.MultiDiGraph()
    highlight: set[EdgeKey] = set()
    described: list[dict[str, Any]] = []
    for rank, p in enumerate(answer.paths, start=1):
        ids = [n.id for n in p.nodes]
        for n in ids:
            sub.add_node(n, **G.nodes[n])
        edges = []
        for hop in p.hops:
            for link in hop.links:
                key = (link.subject, link.object, link.predicate)
                sub.add_edge(*key[:2], key=key[2], **G.edges[key])
                highlight.add(key)
                edges.append(key)
        described.append({"rank": rank, "score": p.score, "evidence": p.evidence, "nodes": ids,
                          "edges": [list(e) for e in edges], "documents": list(p.documents),
                          "certainties": list(p.certainties), "species": list(p.species),
                          "crosses_species": p.crosses_species})
    src, dst = answer.source.id, answer.target.id
    notes = []
    for n in answer.negative:  # what the documents say did NOT hold comes first, as in `alskg path`
        c = n.claim
        for x in (c.subject, c.object):
            sub.add_node(x, **G.nodes[x])
        notes.append(f"NEGATIVE FINDING [{c.document}]: {G.nodes[c.subject].get('label_en', c.subject)} NOT "
                     f"{c.predicate} {G.nodes[c.object].get('label_en', c.object)} — 「{c.quote}」"
                     + (f" (tied by: {'; '.join(n.ties)})" if n.ties else ""))
    if answer.hub_only:
        hubs = ", ".join(h.label_en for h in answer.hub_only)
        notes.append(f"WEAK LINK: every path found runs through the general hub {hubs}; the documents draw no "
                     "specific connection between the two.")
    notes.append(f"{len(answer.paths)} of {answer.found} path(s) within {max_hops} hops, ranked: fewer hops, "
                 "then specific nodes before hubs and observed hops before interpretations, then more evidence.")
    if answer.truncated:
        notes.append("The search stopped early; more paths exist.")
    if not answer.paths:
        sub.add_node(src, **G.nodes[src])
        sub.add_node(dst, **G.nodes[dst])
        notes.append(f"No path within {max_hops} hops.")
    title = f"Paths: {G.nodes[src].get('label_en', src)} → {G.nodes[dst].get('label_en', dst)}"
    negated = sorted({n.claim for n in answer.negative} | set(_negated_within(G, set(sub.nodes))), key=lambda c: c.id)
    return _view(G, sub, title, highlight=highlight, centre=[src, dst], paths=described, notes=notes,
                 negated=negated)


def document(G: nx.MultiDiGraph, doc_id: str) -> View:
    """One document's claims: the relations it supports (only its own claims shown) and its negations."""
    docs = G.graph.get("documents", {})
    if doc_id not in docs:
        raise AlskgError(f"unknown document {doc_id!r}; documents: {', '.join(sorted(docs))}")
    sub = nx.MultiDiGraph()
    for u, v, k, d in G.edges(keys=True, data=True):
        own = [c for c in d.get("claims", []) if c.document == doc_id]
        if own:
            for n in (u, v):
                sub.add_node(n, **G.nodes[n])
            sub.add_edge(u, v, key=k, **{**d, "claims": own})
    negated = [c for c in G.graph.get("negated", []) if c.document == doc_id]
    for c in negated:
        for n in (c.subject, c.object):
            if n in G:
                sub.add_node(n, **G.nodes[n])
    return _view(G, sub, f"{doc_id}: {docs[doc_id]}", negated=negated)


def filter_types(view: View, types: tuple[str, ...] | list[str]) -> View:
    """Keep only entities of the given types and their subtypes (``Therapy`` keeps drugs and cell
    therapies), by the same rule as ``alskg path --via`` and ``alskg rank --type``; an unknown type is an error."""
    if not types:
        return view
    schema = load_schema()
    named, chosen = [], set()
    for t in types:
        name, family = schema.type_family(t)
        named.append(name)
        chosen |= family
    keep = {n for n, d in view.graph.nodes(data=True) if d.get("type") in chosen}
    view.graph = view.graph.subgraph(keep).copy()
    view.negated = [c for c in view.negated if c.subject in keep and c.object in keep]
    view.highlight = {e for e in view.highlight if e[0] in keep and e[1] in keep}
    view.title += f" (types: {', '.join(sorted(set(named)))})"
    return view
