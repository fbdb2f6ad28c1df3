"""One entity and its surroundings: ``alskg show`` and ``alskg neighbors``.

``show`` lists every claim about an entity, negated ones included and marked, because "this was
tested and did not happen" is as much a finding as the rest; path search never uses them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from kg.model import AlskgError, Claim
from kg.names import NameIndex
from kg.paths import PathFinder, format_evidence
from kg.results import EntityView, Link, Neighborhood, entity_ref
from kg.textgate import terminal_safe

if TYPE_CHECKING:  # G is the projection, or the cache's read form of it (kg.readform.StoredGraph)
    import networkx as nx

MAX_NEIGHBOR_HOPS = 4


def show_entity(G: nx.MultiDiGraph, name: str, names: NameIndex | None = None) -> EntityView:
    """Everything about one entity: its claims (negated ones too), registry links, claims it is context of."""
    eid = (names or NameIndex(G)).resolve(name)
    d = G.nodes[eid]
    if hasattr(G, "entity_facts"):  # the read form (kg.readform): only this entity's edges and claims are read
        edges, mine, context = G.entity_facts(eid)
        iri = G.entity_iri(eid)
    else:
        edges, mine, context = _facts(G, eid)
        iri = _entity_iri(eid)
    registry = {Link(u, p, v, "registry") for u, p, v, source in edges if source == "registry"}
    # relations from a joined KGX graph (``kg.kgx_import``): shown, marked by their graph, never as claims
    foreign = {Link(u, p, v, source) for u, p, v, source in edges if str(source).startswith("kgx:")}
    mine.sort(key=lambda c: (c.document, c.subject != eid, c.predicate, c.object, c.id))
    foreign_node = str(d.get("source", "")).startswith("kgx:")  # a node of a joined graph has no alskg IRI
    return EntityView(entity_ref(G, eid), "" if foreign_node else iri, tuple(d.get("labels_ja", ())), tuple(d.get("synonyms", ())),
                      tuple(d.get("xrefs", ())), d.get("note", ""), tuple(mine), tuple(sorted(registry)),
                      tuple(sorted(set(context))), tuple(sorted(foreign)))


def _facts(G: nx.MultiDiGraph, eid: str) -> tuple[list[tuple[str, str, str, Any]], list[Claim], list[str]]:
    """(the edges at ``eid`` as (subject, predicate, object, source), every claim with ``eid`` as
    subject or object, the ids of claims naming it as model or species) from the whole projection."""
    from kg.network import all_claims

    edges = [(u, data["predicate"], v, data.get("source")) for u, v, data in
             [*G.out_edges(eid, data=True), *G.in_edges(eid, data=True)]]
    everything = all_claims(G)
    mine = [c for c in everything if eid in (c.subject, c.object)]
    return edges, mine, [c.id for c in everything if eid in (c.model, c.species)]


def _entity_iri(eid: str) -> str:
    from kg.namespaces import ENT

    return str(ENT[eid])


def neighborhood(G: nx.MultiDiGraph, name: str, hops: int = 1, names: NameIndex | None = None,
                 finder: PathFinder | None = None) -> Neighborhood:
    """The entities within ``hops`` of one entity, whichever way relations point, nearest first."""
    if not 1 <= hops <= MAX_NEIGHBOR_HOPS:
        raise AlskgError(f"hops must be between 1 and {MAX_NEIGHBOR_HOPS} (got {hops})")
    eid = (names or NameIndex(G)).resolve(name)
    finder = finder or PathFinder(G)
    dist = within_hops(finder.und, eid, hops)
    # the pairs among the neighbourhood, found from its nodes (not by walking every link of the graph)
    pairs = {(u, v) for n in dist for u, v in finder.pairs_of.get(n, ()) if u in dist and v in dist}
    links = sorted(lk for pair in pairs for lk in finder.links[pair])
    nodes = sorted(((entity_ref(G, n), d) for n, d in dist.items() if n != eid), key=lambda x: (x[1], x[0].label_en.casefold(), x[0].id))
    return Neighborhood(entity_ref(G, eid), hops, tuple(nodes), tuple(links))


def within_hops(adjacency: dict[str, set[str]], centre: str, hops: int) -> dict[str, int]:
    """Breadth-first distances from ``centre`` up to ``hops`` over an undirected adjacency (one rule
    for ``alskg neighbors`` and the neighbourhood pages)."""
    dist = {centre: 0}
    queue = deque([centre])
    while queue:
        n = queue.popleft()
        if dist[n] == hops:
            continue
        for m in sorted(adjacency.get(n, ())):
            if m not in dist:
                dist[m] = dist[n] + 1
                queue.append(m)
    return dist


def _label(G: nx.MultiDiGraph, eid: str) -> str:
    return G.nodes[eid].get("label_en", eid) if eid in G else eid


def format_entity(G: nx.MultiDiGraph, v: EntityView) -> str:
    e = v.entity
    out = [f"{e.label_en} [{e.id}]  {e.type}", *([f"  IRI:      {v.iri}"] if v.iri else [])]
    if v.labels_ja:
        out.append(f"  Japanese: {', '.join(v.labels_ja)}")
    if v.synonyms:
        out.append(f"  synonyms: {', '.join(v.synonyms)}")
    if v.xrefs:
        out.append(f"  xrefs:    {', '.join(v.xrefs)}")
    if v.note:
        out.append(f"  note:     {v.note}")
    for lk in v.registry:
        out.append(f"  registry: {_label(G, lk.subject)} —{lk.predicate}→ {_label(G, lk.object)}")
    for lk in v.foreign:
        out.append(f"  {lk.origin}: {_label(G, lk.subject)} —{lk.predicate}→ {_label(G, lk.object)}"
                   f"   (from the KGX graph {lk.origin[4:]}; no quote here)")
    if v.as_context:
        out.append(f"  model system or species of {len(v.as_context)} claim(s)")
    n_neg = sum(c.negated for c in v.claims)
    out.append(f"\n{len(v.claims)} claim(s){f', {n_neg} negated' if n_neg else ''}:")
    for c in v.claims:
        neg = "NOT " if c.negated else ""
        out.append(f"  {_label(G, c.subject)} —{neg}{c.predicate}→ {_label(G, c.object)}")
        out += format_evidence(c, indent="    ", G=G)
    return terminal_safe("\n".join(out))  # curated text never drives the terminal


def format_neighborhood(G: nx.MultiDiGraph, nb: Neighborhood) -> str:
    c = nb.center
    out = [f"{c.label_en} [{c.id}]: {len(nb.nodes)} entit{'y' if len(nb.nodes) == 1 else 'ies'} within {nb.hops} "
           f"hop{'s' if nb.hops != 1 else ''}"]
    direct = {}
    for lk in nb.links:
        if c.id in (lk.subject, lk.object):
            other = lk.object if lk.subject == c.id else lk.subject
            arrow = f"—{lk.predicate}→" if lk.subject == c.id else f"←{lk.predicate}—"
            # how many claims, or where a link without claims comes from: the registry or a KGX graph
            direct.setdefault(other, []).append(f"{arrow} ({len(lk.claims) if lk.claims else lk.origin})")
    for ref, d in nb.nodes:
        rel = f"   {'; '.join(direct[ref.id])}" if ref.id in direct else ""
        out.append(f"  {d}  {ref.label_en} [{ref.id}] {ref.type}{rel}")
    return terminal_safe("\n".join(out))  # curated text never drives the terminal
