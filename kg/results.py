"""What asking the graph returns: entity references, links, hops, paths, views, rankings, chains.

Every result is a frozen value with ``to_dict()`` for JSON. The evidence under a link is the curated
``kg.model.Claim`` itself — the same object the curation reader made, the RDF builder wrote and the
pages draw — so there is one shape of a claim from the seeds to every answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kg.model import Claim

if TYPE_CHECKING:  # a type only: answers from the cache's read form never import NetworkX
    import networkx as nx


@dataclass(frozen=True, order=True)
class EntityRef:
    """An entity as a result shows it: id, type and both labels."""

    id: str
    type: str
    label_en: str
    label_ja: str = ""

    def __str__(self) -> str:
        return f"{self.label_en} [{self.id}]"

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type, "label_en": self.label_en, "label_ja": self.label_ja}


def entity_ref(G: nx.MultiDiGraph, eid: str) -> EntityRef:
    """The reference to a node of the projection (see ``kg.network``)."""
    d = G.nodes[eid]
    return EntityRef(eid, d.get("type", ""), d.get("label_en", eid), d.get("label_ja", ""))


@dataclass(frozen=True, order=True)
class Link:
    """One stored relation (subject, predicate, object) and the claims that assert it.

    ``origin`` is "claims" for curated findings and "registry" for gene → variant / product links
    that the entity registry states (these have no quote of their own).
    """

    subject: str
    predicate: str
    object: str
    origin: str = "claims"
    claims: tuple[Claim, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "predicate": self.predicate, "object": self.object, "origin": self.origin,
                "claims": [c.to_dict() for c in self.claims]}


CERTAINTY_ORDER = ("observed", "interpretation", "hypothesis", "background")  # strongest first


@dataclass(frozen=True)
class Hop:
    """One step of a path, from ``source`` to ``target`` in reading order, over one or more links.

    ``negated`` holds the claims that say the relation between the two did NOT hold (they never
    form a link, but a reader must see them beside the hop)."""

    source: str
    target: str
    links: tuple[Link, ...]
    negated: tuple[Claim, ...] = ()

    @property
    def certainty(self) -> str:
        """The strongest certainty among the hop's claims ('registry' for registry-only links)."""
        found = {c.certainty for c in self.claims}
        for level in CERTAINTY_ORDER:
            if level in found:
                return level
        return "external" if any(lk.origin.startswith("kgx:") for lk in self.links) else "registry"

    @property
    def species(self) -> tuple[str, ...]:
        return tuple(sorted({c.species for c in self.claims if c.species}))

    @property
    def contexts(self) -> tuple[str, ...]:
        return tuple(sorted({c.context.describe() for c in self.claims if c.context}))

    @property
    def predicate(self) -> str:
        return "/".join(dict.fromkeys(lk.predicate for lk in self.links))

    @property
    def direction(self) -> str:
        """'forward' when every link points along the path, 'reverse' when against it, else 'both'."""
        dirs = {"forward" if lk.subject == self.source else "reverse" for lk in self.links}
        return dirs.pop() if len(dirs) == 1 else "both"

    @property
    def claims(self) -> tuple[Claim, ...]:
        return tuple(c for lk in self.links for c in lk.claims)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target, "predicate": self.predicate,
                "direction": self.direction, "certainty": self.certainty, "species": list(self.species),
                "links": [lk.to_dict() for lk in self.links], "negated": [c.to_dict() for c in self.negated]}


@dataclass(frozen=True)
class PathResult:
    """A path: its entities in order, one hop between each pair, its specificity score and evidence count."""

    nodes: tuple[EntityRef, ...]
    hops: tuple[Hop, ...]
    score: float
    evidence: int
    documents: tuple[str, ...] = ()
    net_effect: int | None = None  # +1 up, -1 down, None when a hop has no direction of effect
    hubs: tuple[str, ...] = ()  # general hubs the path passes through

    @property
    def length(self) -> int:
        return len(self.hops)

    @property
    def species(self) -> tuple[str, ...]:
        return tuple(sorted({s for h in self.hops for s in h.species}))

    @property
    def crosses_species(self) -> bool:
        """True when the hops rest on findings in more than one species (e.g. mouse and human)."""
        return len(self.species) > 1

    @property
    def certainties(self) -> tuple[str, ...]:
        return tuple(h.certainty for h in self.hops)

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [n.to_dict() for n in self.nodes], "hops": [h.to_dict() for h in self.hops],
                "length": self.length, "score": self.score, "evidence": self.evidence,
                "documents": list(self.documents), "certainties": list(self.certainties),
                "species": list(self.species), "crosses_species": self.crosses_species,
                "net_effect": {1: "up", -1: "down"}.get(self.net_effect) if self.net_effect else None,
                "hubs": list(self.hubs)}


@dataclass(frozen=True)
class NegativeFinding:
    """A claim that the documents tested a relation between the two entities asked about (or entities
    the graph ties to them) and found it did NOT hold. ``ties`` explains an indirect match."""

    claim: Claim
    ties: tuple[str, ...] = ()  # e.g. ("VE-cadherin junctional disruption —associated_with→ VE-cadherin",)

    def to_dict(self) -> dict[str, Any]:
        return {**self.claim.to_dict(), "ties": list(self.ties)}


@dataclass(frozen=True)
class PathAnswer:
    """The answer to "what links A to B": the ranked paths, and how the search was bounded.

    Iterating it gives the paths, so ``for p in g.paths("SOD1", "microglia")`` reads naturally.
    ``found`` counts every path within ``max_hops`` (``truncated`` if the search stopped early).
    """

    source: EntityRef
    target: EntityRef
    max_hops: int
    directed: bool
    paths: tuple[PathResult, ...]
    found: int
    truncated: bool = False
    filters: dict[str, Any] = field(default_factory=dict)
    negative: tuple[NegativeFinding, ...] = ()  # the documents say "no" about these two: shown first
    hub_only: tuple[EntityRef, ...] = ()  # every path found runs through these general hubs

    def __iter__(self) -> Iterator[PathResult]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> PathResult:
        return self.paths[i]

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source.to_dict(), "target": self.target.to_dict(), "max_hops": self.max_hops,
                "directed": self.directed, "found": self.found, "truncated": self.truncated,
                "filters": self.filters, "negative_findings": [n.to_dict() for n in self.negative],
                "hub_only": [h.to_dict() for h in self.hub_only], "paths": [p.to_dict() for p in self.paths]}


@dataclass(frozen=True)
class EntityView:
    """Everything the graph says about one entity (``alskg show``); negated claims included."""

    entity: EntityRef
    iri: str
    labels_ja: tuple[str, ...]
    synonyms: tuple[str, ...]
    xrefs: tuple[str, ...]
    note: str
    claims: tuple[Claim, ...]
    registry: tuple[Link, ...]
    as_context: tuple[str, ...]  # claim ids that use it as model system or species
    foreign: tuple[Link, ...] = ()  # relations from joined KGX graphs (origin "kgx:<name>"), no claims

    def to_dict(self) -> dict[str, Any]:
        d = {**self.entity.to_dict(), "iri": self.iri, "labels_ja": list(self.labels_ja),
             "synonyms": list(self.synonyms), "xrefs": list(self.xrefs), "note": self.note,
             "claims": [c.to_dict() for c in self.claims],
             "registry": [lk.to_dict() for lk in self.registry], "context_of_claims": list(self.as_context)}
        if self.foreign:  # only with --kgx: the curated graph's answer stays as it was
            d["foreign"] = [lk.to_dict() for lk in self.foreign]
        return d


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


@dataclass(frozen=True)
class Ranked:
    """An entity's centrality score and its number of distinct neighbours."""

    entity: EntityRef
    score: float
    degree: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.entity.to_dict(), "score": self.score, "degree": self.degree}


@dataclass(frozen=True)
class Community:
    """A group of entities more linked to each other than to the rest (greedy modularity)."""

    index: int
    members: tuple[EntityRef, ...]
    hubs: tuple[EntityRef, ...]  # the best-connected members, to name the community by

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "size": len(self.members), "hubs": [h.to_dict() for h in self.hubs],
                "members": [m.to_dict() for m in self.members]}


@dataclass(frozen=True)
class Chain:
    """Gene → cell type → pathology → therapy, each step a curated relation with its evidence."""

    gene: EntityRef
    cell: EntityRef
    pathology: EntityRef
    therapy: EntityRef
    links: tuple[tuple[Link, ...], tuple[Link, ...], tuple[Link, ...]]

    @property
    def evidence(self) -> int:
        return len({c.id for step in self.links for lk in step for c in lk.claims})

    def to_dict(self) -> dict[str, Any]:
        return {"gene": self.gene.to_dict(), "cell": self.cell.to_dict(), "pathology": self.pathology.to_dict(),
                "therapy": self.therapy.to_dict(), "evidence": self.evidence,
                "links": [[lk.to_dict() for lk in step] for step in self.links]}
