"""One entity and its surroundings: ``alskg show`` and ``alskg neighbors``.

``show`` lists every claim about an entity, negated ones included and marked, because "this was
tested and did not happen" is as much a finding as the rest; path search never uses them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import networkx as nx

from kg.model import AlskgError
from kg.names import EntityRef, NameIndex, entity_ref
from kg.paths import Evidence, Link, PathFinder, format_evidence

MAX_NEIGHBOR_HOPS = 4


@dataclass(frozen=True, order=True)
class Statement:
    """A claim about the entity, seen from it: the relation, the other end, the evidence."""

    subject: str
    predicate: str
    object: str
    negated: bool
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "predicate": self.predicate, "object": self.object,
                "negated": self.negated, **self.evidence.to_dict()}


@dataclass(frozen=True)
class EntityView:
    """Everything the graph says about one entity."""

    entity: EntityRef
    iri: str
    labels_ja: tuple[str, ...]
    synonyms: tuple[str, ...]
    xrefs: tuple[str, ...]
    note: str
    statements: tuple[Statement, ...]
    registry: tuple[Link, ...]
    as_context: tuple[str, ...]  # claim ids that use it as model system or species

    def to_dict(self) -> dict[str, Any]:
        return {**self.entity.to_dict(), "iri": self.iri, "labels_ja": list(self.labels_ja),
                "synonyms": list(self.synonyms), "xrefs": list(self.xrefs), "note": self.note,
                "claims": [s.to_dict() for s in self.statements],
                "registry": [lk.to_dict() for lk in self.registry], "context_of_claims": list(self.as_context)}


@dataclass(frozen=True)
class Neighborhood:
    """The entities within ``hops`` of a centre (undirected), and every relation among them."""

    center: EntityRef
    hops: int
    nodes: tuple[tuple[EntityRef, int], ...]  # (entity, distance), nearest first
    links: tuple[Link, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"center": self.center.to_dict(), "hops": self.hops,
                "nodes": [{**n.to_dict(), "distance": d} for n, d in self.nodes],
                "links": [lk.to_dict() for lk in self.links]}


def show_entity(G: nx.MultiDiGraph, name: str, names: NameIndex | None = None) -> EntityView:
    from kg.namespaces import ENT

    eid = (names or NameIndex(G)).resolve(name)
    d = G.nodes[eid]
    stmts: list[Statement] = []
    registry: list[Link] = []
    for u, v, data in [*G.out_edges(eid, data=True), *G.in_edges(eid, data=True)]:
        if data.get("source") == "registry":
            registry.append(Link(u, data["predicate"], v, "registry"))
        for rec in data.get("claims", ()):
            stmts.append(Statement(u, data["predicate"], v, False, Evidence.from_record(rec)))
    context: list[str] = []
    for rec in [*G.graph.get("negated", ()), *(r for _, _, e in G.edges(data=True) for r in e.get("claims", ()))]:
        if rec["negated"] and eid in (rec["subject"], rec["object"]):
            stmts.append(Statement(rec["subject"], rec["predicate"], rec["object"], True, Evidence.from_record(rec)))
        if eid in (rec.get("model"), rec.get("species")):
            context.append(rec["id"])
    stmts = sorted(set(stmts), key=lambda s: (s.evidence.document, s.subject != eid, s.predicate, s.object, s.evidence.claim))
    return EntityView(entity_ref(G, eid), str(ENT[eid]), tuple(d.get("labels_ja", ())), tuple(d.get("synonyms", ())),
                      tuple(d.get("xrefs", ())), d.get("note", ""), tuple(stmts), tuple(sorted(set(registry))),
                      tuple(sorted(set(context))))


def neighborhood(G: nx.MultiDiGraph, name: str, hops: int = 1, names: NameIndex | None = None,
                 finder: PathFinder | None = None) -> Neighborhood:
    if not 1 <= hops <= MAX_NEIGHBOR_HOPS:
        raise AlskgError(f"--hops must be between 1 and {MAX_NEIGHBOR_HOPS} (got {hops})")
    eid = (names or NameIndex(G)).resolve(name)
    finder = finder or PathFinder(G)
    dist = {eid: 0}
    queue = deque([eid])
    while queue:
        n = queue.popleft()
        if dist[n] == hops:
            continue
        for m in sorted(finder.und.get(n, ())):
            if m not in dist:
                dist[m] = dist[n] + 1
                queue.append(m)
    links = sorted(lk for (u, v), lks in finder.links.items() if u in dist and v in dist for lk in lks)
    nodes = sorted(((entity_ref(G, n), d) for n, d in dist.items() if n != eid), key=lambda x: (x[1], x[0].label_en.casefold(), x[0].id))
    return Neighborhood(entity_ref(G, eid), hops, tuple(nodes), tuple(links))


def _label(G: nx.MultiDiGraph, eid: str) -> str:
    return G.nodes[eid].get("label_en", eid) if eid in G else eid


def format_entity(G: nx.MultiDiGraph, v: EntityView) -> str:
    e = v.entity
    out = [f"{e.label_en} [{e.id}]  {e.type}", f"  IRI:      {v.iri}"]
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
    if v.as_context:
        out.append(f"  model system or species of {len(v.as_context)} claim(s)")
    n_neg = sum(s.negated for s in v.statements)
    out.append(f"\n{len(v.statements)} claim(s){f', {n_neg} negated' if n_neg else ''}:")
    for s in v.statements:
        neg = "NOT " if s.negated else ""
        out.append(f"  {_label(G, s.subject)} —{neg}{s.predicate}→ {_label(G, s.object)}")
        out += format_evidence(s.evidence, indent="    ")
    return "\n".join(out)


def format_neighborhood(G: nx.MultiDiGraph, nb: Neighborhood) -> str:
    c = nb.center
    out = [f"{c.label_en} [{c.id}]: {len(nb.nodes)} entit{'y' if len(nb.nodes) == 1 else 'ies'} within {nb.hops} "
           f"hop{'s' if nb.hops != 1 else ''}"]
    direct = {}
    for lk in nb.links:
        if c.id in (lk.subject, lk.object):
            other = lk.object if lk.subject == c.id else lk.subject
            arrow = f"—{lk.predicate}→" if lk.subject == c.id else f"←{lk.predicate}—"
            direct.setdefault(other, []).append(f"{arrow} ({len(lk.claims) or 'registry'})")
    for ref, d in nb.nodes:
        rel = f"   {'; '.join(direct[ref.id])}" if ref.id in direct else ""
        out.append(f"  {d}  {ref.label_en} [{ref.id}] {ref.type}{rel}")
    return "\n".join(out)
