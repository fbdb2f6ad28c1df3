"""Serialise the graph to the formats people's tools read, deterministically (``kg.files`` writes them).

Every RDF format is written from the one set of statements the build makes (its sorted N-Quads), never
from an rdflib graph of the data: Turtle and TriG by Oxigraph's writers (a second or two at ×100, where
rdflib's took ≈ 30 s each and needed the data graph in memory twice), JSON-LD compacted here with the
same rules and bytes as rdflib's ``auto_compact`` (``kg.jsonld``). The same seeds give the same bytes.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from itertools import chain
from typing import Any

import networkx as nx
import pyoxigraph as ox

from kg.build import Built
from kg.jsonld import compact_jsonld, compact_jsonld_runs
from kg.kgx import kgx_files, kgx_json, publications, to_kgx
from kg.model import AlskgError
from kg.namespaces import GRAPH_DATA, GRAPH_SCHEMA, PREFIXES
from kg.rdf import BIND_PREFIXES
from kg.stats import compute_stats

FORMATS = {"ttl": "turtle", "trig": "trig", "nq": "nquads", "jsonld": "json-ld", "graphml": "graphml",
           "kgx": "KGX JSON"}
EXTENSIONS = {"ttl": "ttl", "trig": "trig", "nq": "nq", "jsonld": "jsonld", "graphml": "graphml", "kgx": "kgx.json"}
WRITER_PREFIXES = ("rdf", *BIND_PREFIXES)  # the prefixes Turtle and TriG declare, in this order


def serialize(built: Built, fmt: str) -> bytes:
    """The built graph in one format, as bytes; the same seeds always give the same bytes."""
    if fmt not in FORMATS:
        raise AlskgError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "nq":
        return built.nquads
    if fmt == "graphml":
        return _graphml(built.network)
    if fmt == "kgx":
        return kgx_json(_kgx_records(built))
    if fmt == "trig":
        return _trig(built.nquads)
    if fmt == "jsonld":
        return _jsonld(built.nquads)
    return _turtle(built.nquads)


def all_outputs(built: Built) -> dict[str, bytes]:
    """Every format and ``stats.json``, rendered in memory (file name → bytes)."""
    return dict(render_outputs(built))


def render_outputs(built: Built) -> Iterator[tuple[str, bytes]]:
    """Every format and ``stats.json`` as (file name, bytes), one at a time, for ``alskg build`` (which
    writes each as it comes, so at scale only one output is in memory). The RDF formats are streamed
    from the N-Quads text; KGX's records are made once for its two outputs."""
    yield "alskg.nq", built.nquads
    yield "alskg.trig", _trig(built.nquads)
    yield "alskg.ttl", _turtle(built.nquads)
    yield "alskg.jsonld", _jsonld(built.nquads)
    yield "alskg.graphml", _graphml(built.network)
    records = _kgx_records(built)
    yield "alskg.kgx.json", kgx_json(records)
    for name, data in kgx_files(records).items():
        yield f"kgx/{name}", data
    del records
    yield "stats.json", (json.dumps(compute_stats(built.seeds), indent=2, ensure_ascii=False) + "\n").encode()


def _kgx_records(built: Built) -> dict[str, Any]:
    return to_kgx(built.schema_graph, built.network, publications(built.seeds))


def _subject_runs(nquads: bytes) -> Iterator[list[ox.Triple]]:
    """The N-Quads' statements as runs of one subject (a statement in both graphs once), streamed from the
    text: sorted N-Quads give each subject one run; any other order only gives more, shorter runs."""
    run: list[ox.Triple] = []
    subject = None
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        if q.subject != subject:
            if run:
                yield run
            subject, run = q.subject, []
        t = q.triple
        if t not in run:
            run.append(t)
    if run:
        yield run


def _prefixed(text: bytes) -> bytes:
    """Oxigraph's Turtle/TriG with its ``@prefix`` lines in alskg's order (Oxigraph writes them in hash order)."""
    head = [f"@prefix {p}: <{PREFIXES[p]}> .".encode() for p in WRITER_PREFIXES]
    end = 0
    while text.startswith(b"@prefix ", end):
        end = text.index(b"\n", end) + 1
    if sorted(text[:end].splitlines()) != sorted(head):
        raise AssertionError("Oxigraph wrote prefixes other than the ones it was given")
    return b"\n".join(head) + b"\n\n" + text[end:].lstrip(b"\n")


def _jsonld(nquads: bytes) -> bytes:
    context = {p: PREFIXES[p] for p in BIND_PREFIXES}
    text = compact_jsonld_runs(_subject_runs(nquads), context)
    if text is None:  # a subject in two runs: N-Quads not sorted by subject
        text = compact_jsonld((q.triple for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)), context)
    return text


def _turtle(nquads: bytes) -> bytes:
    """Turtle of both graphs' statements, streamed from the N-Quads (a subject's statements together)."""
    triples = (t for run in _subject_runs(nquads) for t in run)
    return _prefixed(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_writer_prefixes()))


def _trig(nquads: bytes) -> bytes:
    """TriG: the schema graph, then the data graph, each streamed from the N-Quads in their order."""
    def graph(name: str) -> Iterator[ox.Quad]:
        node = ox.NamedNode(name)
        return (q for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS) if q.graph_name == node)

    quads = chain(graph(str(GRAPH_SCHEMA)), graph(str(GRAPH_DATA)))
    return _prefixed(ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=_writer_prefixes()))


def _writer_prefixes() -> dict[str, str]:
    return {p: PREFIXES[p] for p in WRITER_PREFIXES}


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
