"""Serialise the graph to the formats people's tools read, deterministically (``kg.files`` writes them)."""

from __future__ import annotations

import io
import json
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef

from kg.build import Built
from kg.kgx import kgx_files, kgx_json
from kg.model import AlskgError
from kg.namespaces import PREFIXES
from kg.rdf import BIND_PREFIXES
from kg.stats import compute_stats

FORMATS = {"ttl": "turtle", "trig": "trig", "nq": "nquads", "jsonld": "json-ld", "graphml": "graphml",
           "kgx": "KGX JSON"}
EXTENSIONS = {"ttl": "ttl", "trig": "trig", "nq": "nq", "jsonld": "jsonld", "graphml": "graphml", "kgx": "kgx.json"}


def serialize(built: Built, fmt: str) -> bytes:
    """The built graph in one format, as bytes; the same seeds always give the same bytes."""
    if fmt not in FORMATS:
        raise AlskgError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "nq":
        return built.nquads
    if fmt == "trig":
        return _trig(built.named_graphs)
    if fmt == "graphml":
        return _graphml(built.network)
    if fmt == "kgx":
        return kgx_json(built.union, built.network)
    if fmt == "jsonld":
        return _jsonld(built.union)
    return built.union.serialize(format="turtle", encoding="utf-8")


def all_outputs(built: Built) -> dict[str, bytes]:
    """Every format and ``stats.json``, rendered in memory (file name → bytes), for ``alskg build``."""
    files = {f"alskg.{EXTENSIONS[fmt]}": serialize(built, fmt) for fmt in EXTENSIONS}
    files["stats.json"] = (json.dumps(compute_stats(built.seeds), indent=2, ensure_ascii=False) + "\n").encode()
    files.update({f"kgx/{name}": data for name, data in kgx_files(built.union, built.network).items()})
    return files


def _jsonld(g: Graph) -> bytes:
    """Compact JSON-LD with alskg's prefixes as context, nodes and values in a fixed order."""
    context = {p: PREFIXES[p] for p in BIND_PREFIXES}
    doc = json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = doc.get("@graph", []) if isinstance(doc, dict) else doc

    def canon(value: Any) -> Any:
        if isinstance(value, list):
            return sorted((canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        return value

    nodes = sorted((canon(n) for n in nodes), key=lambda n: str(n.get("@id", "")))
    out = {"@context": context, "@graph": nodes}
    return (json.dumps(out, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _trig(graphs: list[tuple[URIRef, Graph]]) -> bytes:
    """TriG written graph by graph (each as Turtle, prefixes bound): rdflib's TriG writer orders graphs
    and subjects by hash."""
    blocks: list[str] = []
    prefix_lines: set[str] = set()
    for name, g in sorted(graphs, key=lambda x: str(x[0])):
        if len(g) == 0:
            continue
        text = g.serialize(format="turtle")
        body = []
        for line in text.split("\n"):
            if line.startswith("@prefix"):
                prefix_lines.add(line)
            elif line.strip():
                body.append("    " + line)
            else:
                body.append("")
        blocks.append(f"<{name}> {{\n" + "\n".join(body).strip("\n") + "\n}\n")
    return ("\n".join(sorted(prefix_lines)) + "\n\n" + "\n".join(blocks)).encode("utf-8")


def _graphml(G: nx.MultiDiGraph) -> bytes:
    """Entities and relations as GraphML for Gephi, Cytoscape and yEd: nodes with a ``label`` (what those
    tools show by default); one edge per supported relation with its claims flattened (GraphML has no
    lists); negated claims as their own edges marked ``negated`` (never dropped: a Cytoscape user must
    see that the documents said no)."""
    H = nx.MultiDiGraph()
    for n, a in sorted(G.nodes(data=True)):
        H.add_node(n, label=a["label_en"], type=a["type"], label_en=a["label_en"], label_ja=a["label_ja"],
                   xrefs=" ".join(a["xrefs"]))
    for u, v, k, a in sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        H.add_edge(u, v, key=k, label=k, predicate=k, negated=False, source=a["source"],
                   **_flattened(a["claims"]))
    negated: dict[tuple[str, str, str], list] = {}
    for c in G.graph.get("negated", ()):
        negated.setdefault((c.subject, c.object, c.predicate), []).append(c)
    for (u, v, k), claims in sorted(negated.items()):
        H.add_edge(u, v, key=f"NOT {k}", label=f"NOT {k}", predicate=k, negated=True, source="claims",
                   **_flattened(claims))
    buf = io.BytesIO()
    nx.write_graphml(H, buf, encoding="utf-8")
    return buf.getvalue()
def _flattened(claims: list) -> dict[str, object]:
    """A relation's claims as GraphML scalar attributes."""
    return {"n_claims": len(claims), "documents": " ".join(sorted({c.document for c in claims})),
            "claim_ids": " ".join(c.id for c in claims), "certainties": " ".join(c.certainty for c in claims),
            "quotes": " | ".join(c.quote for c in claims), "summaries": " | ".join(c.summary for c in claims),
            "contexts": " | ".join(c.context.describe() for c in claims)}
