"""Which part of the graph a page shows: the whole graph, a neighbourhood, ranked paths, one document.

Each selector returns a ``View``: a *copy* of the chosen nodes and edges (rendering may add drawing
attributes, and the loaded graph is shared and cached), the negated claims among those nodes (they
form no edge in ``kg.network``, so a view has to carry them itself), and what to highlight.
Selection is kept apart from drawing so it can be tested without HTML.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
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


def _view(G: nx.MultiDiGraph, sub: nx.MultiDiGraph, title: str, negated: list[Claim] | None = None,
          labels: dict[str, str] | None = None, **kw: Any) -> View:
    """A view of ``sub``: its negated claims are those given, or else every one among its entities."""
    return View(sub, title, negated=_negated_within(G, set(sub.nodes)) if negated is None else negated,
                documents=dict(G.graph.get("documents", {})),
                labels=_labels(G) if labels is None else labels, **kw)


def _labels(G: nx.MultiDiGraph) -> dict[str, str]:
    return {n: d.get("label_en", n) for n, d in G.nodes(data=True)}


def whole(G: nx.MultiDiGraph) -> View:
    """Every entity and relation."""
    return _view(G, G.copy(), "ALS knowledge graph: all entities")


def overview(G: nx.MultiDiGraph, max_nodes: int, max_edges: int) -> View:
    """Every entity and relation when a page can draw them; otherwise the most connected entities (by
    degree, then id) and the relations among them, as many as fit both limits, with a note saying what
    is left out and where to find it. ``alskg build`` writes this as its index page, so a graph of a few
    hundred papers still builds (the whole view would be refused: ``viz.render.MAX_NODES``)."""
    def size(nodes: list[str]) -> tuple[int, int]:
        kept = set(nodes)
        return len(kept), G.subgraph(kept).number_of_edges() + len(_negated_within(G, kept))

    n, m = size(list(G.nodes))
    if n <= max_nodes and m <= max_edges:
        return whole(G)
    ranked = [v for v, _ in sorted(G.degree(), key=lambda x: (-x[1], x[0]))]
    k = min(max_nodes, len(ranked))
    while k > 1 and size(ranked[:k])[1] > max_edges:
        k = int(k * 0.9)
    keep = set(ranked[:k])
    shown_edges = size(ranked[:k])[1]
    note = (f"The whole graph has {n:,} entities and {m:,} relations, more than one page can draw; this page "
            f"shows the {k:,} most connected entities and the {shown_edges:,} relations among them. Each "
            "document's page shows all of that document's claims, and `alskg viz --focus NAME` any neighbourhood.")
    return _view(G, G.subgraph(keep).copy(), f"ALS knowledge graph: the {k:,} most connected entities of {n:,}",
                 notes=[note])


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
    own = []
    for u, v, k, d in G.edges(keys=True, data=True):
        claims = [c for c in d.get("claims", []) if c.document == doc_id]
        if claims:
            own.append((u, v, k, d, claims))
    negated = [c for c in G.graph.get("negated", []) if c.document == doc_id]
    return _document_view(G, doc_id, own, negated, _labels(G))


def documents(G: nx.MultiDiGraph) -> Iterator[View]:
    """Every document's view, as ``document`` gives it, in id order, from one pass over the relations
    (a pass per document was quadratic: 500 documents × 35,000 relations at ×100)."""
    own: dict[str, list[tuple[str, str, str, dict[str, Any], list[Claim]]]] = defaultdict(list)
    for u, v, k, d in G.edges(keys=True, data=True):
        by_doc: dict[str, list[Claim]] = defaultdict(list)
        for c in d.get("claims", []):
            by_doc[c.document].append(c)
        for doc_id, claims in by_doc.items():
            own[doc_id].append((u, v, k, d, claims))
    negated: dict[str, list[Claim]] = defaultdict(list)
    for c in G.graph.get("negated", []):
        negated[c.document].append(c)
    labels = _labels(G)
    for doc_id in sorted(G.graph.get("documents", {})):
        yield _document_view(G, doc_id, own.get(doc_id, []), negated.get(doc_id, []), labels)


def _document_view(G: nx.MultiDiGraph, doc_id: str, own: list[tuple[str, str, str, dict[str, Any], list[Claim]]],
                   negated: list[Claim], labels: dict[str, str]) -> View:
    sub = nx.MultiDiGraph()
    for u, v, k, d, claims in own:
        for n in (u, v):
            sub.add_node(n, **G.nodes[n])
        sub.add_edge(u, v, key=k, **{**d, "claims": claims})
    for c in negated:
        for n in (c.subject, c.object):
            if n in G:
                sub.add_node(n, **G.nodes[n])
    return _view(G, sub, f"{doc_id}: {G.graph['documents'][doc_id]}", negated=negated, labels=labels)


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
