"""The RDF graph projected to a NetworkX MultiDiGraph for path search, analytics and views.

Nodes are entity ids. Each edge is one (subject, predicate, object) relation with every claim that
supports it under ``claims``. Negated claims form no edge (a path must never use a finding that
something did NOT happen); they are kept in ``G.graph["negated"]`` so views can show them apart.
Edges from the entity registry (gene → variant, gene → product) carry ``source="registry"``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef

from kg.namespaces import ALS, CLAIM, DCTERMS, DOC, ENT, PROV, RDF, SKOS


def _local(node: Any, ns: str) -> str:
    return str(node)[len(ns):]


def to_networkx(g: Graph) -> nx.MultiDiGraph:
    ent_ns, als_ns = str(ENT), str(ALS)
    G = nx.MultiDiGraph()
    types: dict[str, str] = {}
    for s, o in g.subject_objects(RDF.type):
        if str(s).startswith(ent_ns) and str(o).startswith(als_ns):
            types[_local(s, ent_ns)] = _local(o, als_ns)
    for eid in sorted(types):
        node = ENT[eid]
        labels = defaultdict(list)
        for lit in g.objects(node, SKOS.prefLabel):
            labels[lit.language or "en"].append(str(lit))
        alt = sorted(str(x) for x in g.objects(node, SKOS.altLabel))
        ja_all = sorted(str(x) for x in g.objects(node, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
                        if getattr(x, "language", None) == "ja")
        G.add_node(
            eid,
            type=types[eid],
            label_en=(labels["en"] or [eid])[0],
            label_ja=(labels["ja"] or [""])[0],
            labels_ja=ja_all,
            synonyms=alt,
            xrefs=sorted(str(x) for x in g.objects(node, ALS.xref)),
            note=str(g.value(node, ALS.registryNote) or ""),
        )
    claims_by_edge: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    negated: list[dict[str, Any]] = []
    for c in sorted(g.subjects(RDF.type, ALS.Claim)):
        rec = _claim_record(g, c)
        if rec["negated"]:
            negated.append(rec)
        else:
            claims_by_edge[(rec["subject"], rec["predicate"], rec["object"])].append(rec)
    for s, p, o in sorted(g):
        if not (str(s).startswith(ent_ns) and str(o).startswith(ent_ns) and str(p).startswith(als_ns)):
            continue
        key = (_local(s, ent_ns), _local(p, als_ns), _local(o, ent_ns))
        claims = sorted(claims_by_edge.get(key, []), key=lambda r: (r["document"], r["id"]))
        G.add_edge(key[0], key[2], key=key[1], predicate=key[1], claims=claims,
                   source="claims" if claims else "registry")
    G.graph["negated"] = sorted(negated, key=lambda r: (r["document"], r["id"]))
    G.graph["documents"] = {
        str(g.value(d, DCTERMS.identifier)): str(g.value(d, DCTERMS.title))
        for d in g.subjects(RDF.type, ALS.Document)
    }
    return G


def _claim_record(g: Graph, c: URIRef) -> dict[str, Any]:
    ent_ns, als_ns = str(ENT), str(ALS)

    def opt(prop: URIRef) -> str | None:
        v = g.value(c, prop)
        return _local(v, ent_ns) if v is not None else None

    quals = []
    for q in sorted(g.objects(c, ALS.qualifier)):
        rec: dict[str, Any] = {"measure": str(g.value(q, ALS.measure))}
        for name, prop in (("value", ALS.value), ("from", ALS.fromValue), ("to", ALS.toValue),
                           ("change", ALS.change), ("fold", ALS.fold)):
            v = g.value(q, prop)
            if v is not None:
                rec[name] = float(v.toPython())
        for name, prop in (("unit", ALS.unit), ("comparison", ALS.comparison)):
            v = g.value(q, prop)
            if v is not None:
                rec[name] = str(v)
        quals.append(rec)
    return {
        "id": _local(c, str(CLAIM)),
        "subject": _local(g.value(c, RDF.subject), ent_ns),
        "predicate": _local(g.value(c, RDF.predicate), als_ns),
        "object": _local(g.value(c, RDF.object), ent_ns),
        "document": _local(g.value(c, PROV.wasDerivedFrom), str(DOC)),
        "quote": str(g.value(c, ALS.quote)),
        "summary": str(g.value(c, ALS.summary)),
        "evidence": _local(g.value(c, ALS.evidenceKind), als_ns),
        "status": _local(g.value(c, ALS.findingStatus), als_ns),
        "negated": bool(g.value(c, ALS.negated).toPython()),
        "model": opt(ALS.modelSystem),
        "species": opt(ALS.species),
        "qualifiers": quals,
        "where": str(g.value(c, ALS.curationFile) or ""),
    }


def describe_qualifier(q: dict[str, Any]) -> str:
    """'disease duration: 39 → 87 day (×2.2) vs ...' from a qualifier record."""
    from kg.model import Qualifier

    return Qualifier(q["measure"], q.get("value"), q.get("from"), q.get("to"), q.get("change"), q.get("fold"),
                     q.get("unit", ""), q.get("comparison", "")).describe()
