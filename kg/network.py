"""The curated graph projected to a NetworkX MultiDiGraph for path search, analytics and views.

Nodes are entity ids with ``type``, ``label_en``, ``label_ja`` (the first Japanese label),
``labels_ja``, ``synonyms`` (further Japanese labels and synonyms), ``xrefs`` and ``note``. Each edge
is one (subject, predicate, object) relation, keyed by its predicate, with every ``kg.model.Claim``
that supports it under ``claims`` (sorted by document, then claim id) and ``source`` = "claims", or
"registry" for the gene → variant / product links the entity registry states. Negated claims form no
edge (a path must never use a finding that something did NOT happen); they are kept in
``G.graph["negated"]`` so views can show them apart. ``G.graph["documents"]`` maps document id →
title. The projection is made from the same ``Seeds`` the RDF is built from, exactly once per build.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from kg.model import Claim, Seeds

Edge = tuple[str, str, str]  # (subject, predicate, object)


def project(seeds: Seeds) -> nx.MultiDiGraph:
    """The NetworkX view of the seeds: entities, supported relations, negated claims beside."""
    G = nx.MultiDiGraph()
    for e in sorted(seeds.entities, key=lambda e: e.id):
        G.add_node(
            e.id,
            type=e.type,
            label_en=e.en,
            label_ja=e.ja[0] if e.ja else "",
            labels_ja=sorted(set(e.ja)),
            synonyms=sorted({*e.ja[1:], *e.synonyms}),
            xrefs=sorted(set(e.xrefs)),
            note=e.note,
        )
    supported: dict[Edge, list[Claim]] = defaultdict(list)
    negated: list[Claim] = []
    for c in seeds.claims:
        if c.negated:
            negated.append(c)
        else:
            supported[(c.subject, c.predicate, c.object)].append(c)
    edges: set[Edge] = set(supported)
    for e in seeds.entities:
        if e.variant_of:
            edges.add((e.variant_of, "has_variant", e.id))
        if e.product_of:
            edges.add((e.product_of, "has_gene_product", e.id))
    for s, p, o in sorted(edges):
        claims = sorted(supported.get((s, p, o), []), key=_claim_order)
        G.add_edge(s, o, key=p, predicate=p, claims=claims, source="claims" if claims else "registry")
    G.graph["negated"] = sorted(negated, key=_claim_order)
    G.graph["documents"] = {d.id: d.title for d in sorted(seeds.documents, key=lambda d: d.id)}
    return G


def _claim_order(c: Claim) -> tuple[str, str]:
    return (c.document, c.id)


def all_claims(G: nx.MultiDiGraph) -> list[Claim]:
    """Every claim of the projection, supported and negated, sorted by id."""
    found = [c for _, _, d in G.edges(data=True) for c in d.get("claims", ())]
    return sorted([*found, *G.graph.get("negated", ())], key=lambda c: c.id)
