"""KGX export: the graph as Biolink-typed nodes and edges, for the Biolink/KGX tool chain.

Biomedical-KG engineers merge graphs with KGX on shared CURIEs and Biolink categories and predicates.
Each alskg class and predicate maps to Biolink through the skos mappings in ``ontology/alskg.ttl``
(exact before close before related; otherwise biolink:NamedThing / biolink:related_to); the alskg
term is kept as ``original_predicate`` / ``alskg_type``. A node's id is its first verified ontology id
(HGNC before NCBI Gene, etc.) when it has one, so it joins other graphs; otherwise ``ALSKG:<entity
id>``. Every CURIE prefix used is in the prefix map that ships with the export (``prefixes.json``).

Every claim is one edge, in Biolink's own slots: ``supporting_text`` (the verbatim quote),
``publications``, ``has_evidence`` (ECO, from the evidence kind), ``knowledge_level`` (from the
certainty), ``agent_type``, ``species_context_qualifier`` and ``anatomical_context_qualifier`` (where
the context entity has a verified id), and ``negated`` — a negated claim is an edge with
``negated: true``, which no Biolink reader may take as a positive fact. kgx keys edges by
subject–predicate–object unless a record carries a ``key``: every edge carries its claim id as
``key``, so ``kgx transform`` keeps every claim, its quote and its negation.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from kg.identifiers import prefix_map
from kg.jsontext import dumps_indented
from kg.model import AlskgError, Claim, Seeds
from kg.namespaces import ALS, DOC, PREFIXES
from kg.network import all_claims
from kg.schema import biolink_match

BIOLINK = PREFIXES["biolink"]
ID_PREFERENCE = ("HGNC", "UniProtKB", "CL", "EFO", "UBERON", "GO", "MONDO", "CHEBI", "NCBITaxon", "NCBIGene")
SOURCE = "infores:alskg"  # not (yet) registered in the Biolink information-resource registry
OWN_PREFIXES = {"ALSKG": PREFIXES["ent"], "ALSKG.CLAIM": PREFIXES["claim"], "als": PREFIXES["als"],
                "infores": "https://w3id.org/information-resource-registry/"}
LIST_DELIMITER = "|"  # KGX TSV's delimiter for multivalued columns


class _Schema:
    """The schema graph's mappings, looked up once per term (a build at ×100 asked for them 465,000 times)."""

    def __init__(self, g: Graph):
        self.g = g
        self._memo: dict[tuple[str, str, str], Any] = {}

    def biolink(self, term: URIRef, default: str) -> str:
        key = ("biolink", str(term), default)
        if key not in self._memo:
            self._memo[key] = biolink_match(self.g, term, BIOLINK, default)
        return self._memo[key]

    def eco(self, evidence: str) -> list[str]:
        key = ("eco", evidence, "")
        if key not in self._memo:
            self._memo[key] = _eco(self.g, evidence)
        return list(self._memo[key])

    def knowledge_level(self, claim: Claim | None) -> str:
        key = ("level", claim.certainty if claim else "", "")
        if key not in self._memo:
            self._memo[key] = _knowledge_level(self.g, claim)
        return self._memo[key]


def _eco(g: Graph, evidence: str) -> list[str]:
    """The ECO term an evidence kind maps to in alskg.ttl, as a CURIE."""
    eco = PREFIXES["ECO"]
    for rel in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch):
        hits = sorted(str(o) for o in g.objects(ALS[evidence], rel) if str(o).startswith(eco))
        if hits:
            return ["ECO:" + hits[0][len(eco):]]
    return []


def _node_id(eid: str, xrefs: list[str]) -> str:
    for prefix in ID_PREFERENCE:
        for x in xrefs:
            if x.split(":", 1)[0] == prefix:
                return x
    return f"ALSKG:{eid}"


def publications(seeds: Seeds) -> dict[str, list[str]]:
    """Each document's ids as KGX ``publications`` CURIEs (DOI, then PMID)."""
    return {d.id: [*([f"doi:{d.doi}"] if d.doi else []), *([f"PMID:{d.pmid}"] if d.pmid else [])]
            for d in seeds.documents}


def to_kgx(g: Graph, G: nx.MultiDiGraph, pubs: dict[str, list[str]]) -> dict[str, Any]:
    """Nodes and edges (one per claim, plus the registry's links) from the projection; ``g`` is the schema
    graph (Biolink and ECO mappings, knowledge levels), ``pubs`` each document's ``publications``."""
    schema = _Schema(g)
    ids = {n: _node_id(n, a["xrefs"]) for n, a in G.nodes(data=True)}
    verified = {n: ids[n] for n in ids if not ids[n].startswith("ALSKG:")}
    nodes = []
    for n, a in sorted(G.nodes(data=True)):
        synonyms = sorted({*a["labels_ja"], *a["synonyms"]} - {a["label_en"]})
        node = {
            "id": ids[n],
            "category": [schema.biolink(ALS[a["type"]], "biolink:NamedThing")],
            "name": a["label_en"],
            "synonym": synonyms,
            "xref": sorted({*a["xrefs"], f"ALSKG:{n}"} - {ids[n]}),
            "iri": str(URIRef(PREFIXES["ent"] + n)),
            "alskg_type": f"als:{a['type']}",
            "provided_by": [SOURCE],
        }
        if a.get("note"):
            node["description"] = a["note"]
        nodes.append({k: v for k, v in node.items() if v not in (None, "", [])})
    edges = []
    for c in all_claims(G):
        edges.append(_edge(schema, ids, c.id, c.subject, c.predicate, c.object, claim=c,
                           publications=pubs.get(c.document, []), verified=verified))
    for u, v, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: e[:3]):
        if d["source"] == "registry":
            edges.append(_edge(schema, ids, f"registry-{u}-{k}-{v}", u, k, v, claim=None, publications=[], verified=verified))
    return {"nodes": nodes, "edges": edges}


def _edge(schema: _Schema, ids: dict[str, str], edge_id: str, s: str, p: str, o: str, claim: Claim | None,
          publications: list[str], verified: dict[str, str]) -> dict[str, Any]:
    eid = f"ALSKG.CLAIM:{edge_id}" if claim else f"ALSKG.REGISTRY:{edge_id}"
    e: dict[str, Any] = {
        "id": eid,
        "subject": ids[s],
        "predicate": schema.biolink(ALS[p], "biolink:related_to"),
        "original_predicate": f"als:{p}",
        "object": ids[o],
        "knowledge_level": schema.knowledge_level(claim),
        "agent_type": "manual_agent",
        "primary_knowledge_source": SOURCE,
        "negated": bool(claim and claim.negated),
    }
    if claim:
        ctx = claim.context
        anatomy = [verified[x] for x in (ctx.cell_type, ctx.anatomy) if x and x in verified]
        e.update({
            "publications": publications,
            "supporting_text": [claim.quote],
            "has_evidence": schema.eco(claim.evidence),
            "description": claim.summary,
            "alskg_document": str(DOC[claim.document]),
            "alskg_evidence_kind": claim.evidence,
            "alskg_finding_status": claim.status,
            "alskg_certainty": claim.certainty,
            "alskg_context": ctx.describe(),
            "alskg_model_system": ids.get(claim.model) if claim.model else None,
            "alskg_qualifiers": list(claim.qualifier_lines),
        })
        if anatomy:
            e["anatomical_context_qualifier"] = anatomy
        if claim.species and claim.species in verified:
            e["species_context_qualifier"] = verified[claim.species]
    return {k: v for k, v in e.items() if v not in (None, "", [])}  # kgx drops empty values: never emit them


def _knowledge_level(g: Graph, claim: Claim | None) -> str:
    """Biolink's knowledge_level for a claim's certainty (from alskg.ttl); registry links are assertions."""
    if claim is None:
        return "knowledge_assertion"
    return str(g.value(ALS[claim.certainty], ALS.biolinkKnowledgeLevel) or "not_provided")


def prefixes_used(data: dict[str, Any]) -> dict[str, str]:
    """The prefix map an export ships: the expansion of every CURIE prefix its nodes and edges use."""
    used: set[str] = set()
    for rec in [*data["nodes"], *data["edges"]]:
        for key in ("id", "subject", "object", "predicate", "original_predicate", "category", "xref",
                    "publications", "has_evidence", "anatomical_context_qualifier", "species_context_qualifier",
                    "primary_knowledge_source", "provided_by", "alskg_type", "alskg_model_system"):
            values = rec.get(key, [])
            for v in values if isinstance(values, list) else [values]:
                if isinstance(v, str) and ":" in v and not v.startswith("http"):
                    used.add(v.split(":", 1)[0])
    known = {**prefix_map(used), **{p: iri for p, iri in OWN_PREFIXES.items() if p in used}}
    if "ALSKG.REGISTRY" in used:
        known["ALSKG.REGISTRY"] = PREFIXES["ent"] + "registry/"
    missing = sorted(used - set(known))
    if missing:
        raise AlskgError(f"KGX export uses prefixes with no expansion in ontology/prefixes.tsv: {missing}")
    return dict(sorted(known.items()))


def graph_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """KGX graph metadata: what the graph is and where it comes from."""
    return {"id": SOURCE, "name": "alskg", "description": "ALS mechanisms curated from five Japanese research "
            "documents; every edge is a claim with its verbatim quote.",
            "knowledge_source": SOURCE, "node_count": len(data["nodes"]), "edge_count": len(data["edges"]),
            "curie_prefix_map": prefixes_used(data)}


def kgx_json(data: dict[str, Any]) -> bytes:
    """KGX JSON (``{"nodes": [...], "edges": [...]}``) of ``to_kgx``'s records."""
    return (dumps_indented(data) + "\n").encode("utf-8")


def kgx_files(data: dict[str, Any], name: str = "alskg") -> dict[str, bytes]:
    """KGX's own file formats of ``to_kgx``'s records: nodes and edges as JSON Lines and as TSV, the prefix
    map, graph metadata."""

    def jsonl(records: list[dict[str, Any]]) -> bytes:
        return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records).encode("utf-8")

    return {
        f"{name}_nodes.jsonl": jsonl(data["nodes"]),
        f"{name}_edges.jsonl": jsonl(data["edges"]),
        f"{name}_nodes.tsv": _tsv(data["nodes"]),
        f"{name}_edges.tsv": _tsv(data["edges"]),
        "prefixes.json": (json.dumps(prefixes_used(data), indent=1) + "\n").encode("utf-8"),
        "graph-metadata.json": (json.dumps(graph_metadata(data), indent=1, ensure_ascii=False) + "\n").encode("utf-8"),
    }


def _tsv(records: list[dict[str, Any]]) -> bytes:
    """KGX TSV: one column per property (id first), lists joined with ``|``; tabs and newlines in text
    become spaces so a row stays one line."""
    columns = sorted({k for r in records for k in r}, key=lambda k: (k != "id", k))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(columns)
    for r in records:
        row = []
        for col in columns:
            v = r.get(col, "")
            if isinstance(v, list):
                v = LIST_DELIMITER.join(str(x) for x in v)
            elif isinstance(v, bool):
                v = "True" if v else "False"
            row.append(str(v).replace("\t", " ").replace("\n", " "))
        w.writerow(row)
    return buf.getvalue().encode("utf-8")
