"""KGX JSON export: the graph as Biolink-typed nodes and edges, for the Biolink/KGX tool chain.

Biomedical-KG engineers merge graphs with KGX (kgx transform/merge) on shared CURIEs and Biolink
categories and predicates. Each alskg class and predicate maps to Biolink through the skos mappings
in ``ontology/alskg.ttl`` (exact before close before related; otherwise biolink:NamedThing /
biolink:related_to), and the alskg term is kept as ``original_predicate`` / ``alskg_type`` so
nothing is lost. A node's id is its first verified ontology id (HGNC before NCBI Gene, etc.) when
it has one, so it joins other graphs; otherwise ``ALSKG:<entity id>``. Every claim is one edge with
its quote, summary, document, evidence and numbers; negated claims are edges with ``negated: true``
(Biolink's own slot), which consumers must honour.
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.model import Claim
from kg.namespaces import ALS, BIBO, DCTERMS, DOC, PREFIXES, RDF
from kg.network import all_claims

BIOLINK = PREFIXES["biolink"]
ID_PREFERENCE = ("HGNC", "UniProtKB", "CL", "EFO", "UBERON", "GO", "MONDO", "CHEBI", "NCBITaxon", "NCBIGene")
SOURCE = "infores:alskg"  # not (yet) registered in the Biolink information-resource registry


def _biolink(g: Graph, term: URIRef, default: str) -> str:
    for rel in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch):
        hits = sorted(str(o) for o in g.objects(term, rel) if str(o).startswith(BIOLINK))
        if hits:
            return "biolink:" + hits[0][len(BIOLINK):]
    return default


def _node_id(eid: str, xrefs: list[str]) -> str:
    for prefix in ID_PREFERENCE:
        for x in xrefs:
            if x.split(":", 1)[0] == prefix:
                return x
    return f"ALSKG:{eid}"


def to_kgx(g: Graph, G: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes and edges (one per claim, plus the registry's links) from the union graph and the projection."""
    ids = {n: _node_id(n, a["xrefs"]) for n, a in G.nodes(data=True)}
    pubs: dict[str, list[str]] = {}
    for d in g.subjects(RDF.type, ALS.Document):
        doi, pmid = g.value(d, BIBO.doi), g.value(d, BIBO.pmid)
        pubs[str(g.value(d, DCTERMS.identifier))] = [*([f"doi:{doi}"] if doi else []),
                                                      *([f"PMID:{pmid}"] if pmid else [])]
    nodes = []
    for n, a in sorted(G.nodes(data=True)):
        synonyms = sorted({*a["labels_ja"], *a["synonyms"]} - {a["label_en"]})
        nodes.append({
            "id": ids[n],
            "category": [_biolink(g, ALS[a["type"]], "biolink:NamedThing")],
            "name": a["label_en"],
            "synonym": synonyms,
            "xref": sorted({*a["xrefs"], f"ALSKG:{n}"} - {ids[n]}),
            "iri": str(URIRef(PREFIXES["ent"] + n)),
            "alskg_type": f"als:{a['type']}",
            "provided_by": [SOURCE],
        })
    edges = []
    for c in all_claims(G):
        edges.append(_edge(g, ids, c.id, c.subject, c.predicate, c.object, claim=c,
                           publications=pubs.get(c.document, [])))
    for u, v, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: e[:3]):
        if d["source"] == "registry":
            edges.append(_edge(g, ids, f"registry-{u}-{k}-{v}", u, k, v, claim=None, publications=[]))
    return {"nodes": nodes, "edges": edges}


def _edge(g: Graph, ids: dict[str, str], edge_id: str, s: str, p: str, o: str, claim: Claim | None,
          publications: list[str]) -> dict[str, Any]:
    e: dict[str, Any] = {
        "id": f"ALSKG.CLAIM:{edge_id}" if claim else f"ALSKG.REGISTRY:{edge_id}",
        "subject": ids[s],
        "predicate": _biolink(g, ALS[p], "biolink:related_to"),
        "original_predicate": f"als:{p}",
        "object": ids[o],
        "knowledge_level": _knowledge_level(g, claim),
        "agent_type": "manual_agent",
        "primary_knowledge_source": SOURCE,
        "negated": bool(claim and claim.negated),
    }
    if claim:
        e.update({
            "publications": publications,
            "alskg_document": str(DOC[claim.document]),
            "quote_ja": claim.quote,
            "summary": claim.summary,
            "evidence_kind": claim.evidence,
            "finding_status": claim.status,
            "certainty": claim.certainty,
            "context": {k: (ids.get(v, v) if k != "comparison" else v) for k, v in claim.context.to_dict().items()},
            "model_system": claim.model and ids.get(claim.model),
            "species": claim.species and ids.get(claim.species),
            "qualifiers": list(claim.qualifier_lines),
        })
    return e


def _knowledge_level(g: Graph, claim: Claim | None) -> str:
    """Biolink's knowledge_level for a claim's certainty (from alskg.ttl); registry links are assertions."""
    if claim is None:
        return "knowledge_assertion"
    return str(g.value(ALS[claim.certainty], ALS.biolinkKnowledgeLevel) or "not_provided")


def kgx_json(g: Graph, G: nx.MultiDiGraph) -> bytes:
    return (json.dumps(to_kgx(g, G), ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
