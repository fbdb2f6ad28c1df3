"""The build: direct triples plus reified claims with provenance, deterministic in every format."""

from __future__ import annotations

import os
import subprocess

import pyoxigraph
from rdflib import Graph, Literal
from rdflib.compare import isomorphic

from helpers import ALSKG
from kg.build import build
from kg.model import Claim
from kg.namespaces import ALS, CLAIM, DOC, ENT, PROV, RDF
from kg.serialize import FORMATS, all_outputs, serialize


def test_a_build_in_another_process_gives_identical_bytes(real_seeds, real_built, tmp_path):
    """Another process, with another hash seed, writes byte for byte what this one renders."""
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONHASHSEED="1")
    r = subprocess.run([*ALSKG, "build", "--seeds", str(real_seeds), "--out", str(out), "--no-html"],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    here = all_outputs(real_built)
    written = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {".alskg-build"}
    assert {"alskg.ttl", "alskg.trig", "alskg.nq", "alskg.jsonld", "alskg.graphml", "alskg.kgx.json",
            "stats.json", "kgx/alskg_edges.jsonl"} <= set(here) == written
    for name, data in here.items():
        assert (out / name).read_bytes() == data, name


def test_every_rdf_format_holds_the_same_graph(real_built):
    """Turtle, TriG, N-Quads and JSON-LD, read back by Oxigraph, hold exactly the built graph's
    statements (compared as sets: the graph has no blank nodes); Turtle also by rdflib's parser."""
    expected = {str(q.triple) for q in _oxigraph_quads(real_built.nquads, pyoxigraph.RdfFormat.N_QUADS)}
    assert len(expected) > 5000
    for fmt, ox in (("ttl", pyoxigraph.RdfFormat.TURTLE), ("trig", pyoxigraph.RdfFormat.TRIG),
                    ("jsonld", pyoxigraph.RdfFormat.JSON_LD)):
        got = {str(q.triple) for q in _oxigraph_quads(serialize(real_built, fmt), ox)}
        assert got == expected, f"{fmt}: {len(got ^ expected)} statements differ"
    assert isomorphic(Graph().parse(data=serialize(real_built, "ttl"), format="turtle"), real_built.union)
    quads = {str(q) for q in _oxigraph_quads(real_built.nquads, pyoxigraph.RdfFormat.N_QUADS)}
    assert {str(q) for q in _oxigraph_quads(serialize(real_built, "trig"), pyoxigraph.RdfFormat.TRIG)} == quads


def _oxigraph_quads(data: bytes, fmt: pyoxigraph.RdfFormat) -> list:
    return list(pyoxigraph.parse(data, format=fmt))


def test_claims_carry_provenance_and_negation_blocks_the_direct_triple(mini_seeds):
    built = build(mini_seeds)
    g = built.union
    claims = {c.subject + " " + c.predicate: c for c in built.seeds.claims}
    pos = claims["sod1_g37r_mini expressed_in"]
    node = CLAIM[pos.id]
    assert (ENT.sod1_g37r_mini, ALS.expressed_in, ENT.astrocyte) in g
    assert (node, PROV.wasDerivedFrom, DOC["glia-sod1-2008"]) in g
    assert (node, ALS.quote, Literal(pos.quote, lang="ja")) in g
    assert (node, RDF.subject, ENT.sod1_g37r_mini) in g
    assert (ENT.sod1, ALS.has_variant, ENT.sod1_g37r_mini) in g  # from the registry
    neg = claims["astrocyte activates"]
    assert (ENT.astrocyte, ALS.activates, ENT.sod1) not in g
    assert (CLAIM[neg.id], ALS.negated, Literal(True)) in g
    q = g.value(CLAIM[neg.id], ALS.qualifier)
    assert float(g.value(q, ALS.value).toPython()) == 1.5


def test_claim_ids_change_with_meaning_and_quote_not_with_wording_elsewhere(real_built):
    import dataclasses

    c: Claim = real_built.seeds.claims[0]
    assert len({x.id for x in real_built.seeds.claims}) == len(real_built.seeds.claims)
    assert dataclasses.replace(c, quote=c.quote + "。").id != c.id
    assert dataclasses.replace(c, negated=not c.negated).id != c.id
    assert dataclasses.replace(c, object=c.subject).id != c.id
    assert dataclasses.replace(c, summary="reworded", where=c.where.__class__("elsewhere.yaml", 9)).id == c.id


def test_every_format_serialises(mini_seeds):
    built = build(mini_seeds)
    for fmt in FORMATS:
        assert serialize(built, fmt)


def test_kgx_export_is_biolink_typed_and_complete(real_built):
    import json

    built = real_built
    kgx = json.loads(serialize(built, "kgx"))
    ids = [n["id"] for n in kgx["nodes"]]
    assert len(ids) == len(set(ids)) == len(built.seeds.entities)
    assert {"HGNC:11179", "CL:0000127", "CL:0000129", "MONDO:0004976"} <= set(ids)  # verified ids join other graphs
    assert all(n["category"][0].startswith("biolink:") for n in kgx["nodes"])
    claim_edges = [e for e in kgx["edges"] if e["id"].startswith("ALSKG.CLAIM:")]
    assert len(claim_edges) == len(built.seeds.claims)
    assert sum(e["negated"] for e in claim_edges) == sum(c.negated for c in built.seeds.claims)
    for e in kgx["edges"]:
        assert e["subject"] in ids and e["object"] in ids
        assert e["predicate"].startswith("biolink:") and e["original_predicate"].startswith("als:")
    glia = next(e for e in claim_edges if e["alskg_document"].endswith("glia-sod1-2008"))
    assert glia["publications"] == ["doi:10.1038/nn2047", "PMID:18246065"] and glia["supporting_text"]


def test_rdf_writers_give_one_graph_whatever_the_order_of_the_nquads(real_built):
    """Turtle, TriG and JSON-LD are streamed from the N-Quads, a subject's statements as one run when they
    are sorted: in any other order the JSON-LD is the same bytes (one node per subject) and Turtle and TriG
    hold the same statements."""
    from kg.serialize import _jsonld, _subject_runs, _trig, _turtle

    nq = real_built.nquads
    runs = list(_subject_runs(nq))
    subjects = [run[0].subject for run in runs]
    assert len(subjects) == len(set(subjects)), "sorted N-Quads give each subject one run"
    assert sum(map(len, runs)) == len({q.triple for q in _oxigraph_quads(nq, pyoxigraph.RdfFormat.N_QUADS)})
    lines = nq.splitlines(keepends=True)
    shuffled = b"".join(lines[1::2] + lines[::2])
    assert _jsonld(shuffled) == _jsonld(nq)
    triples = {str(q.triple) for q in _oxigraph_quads(nq, pyoxigraph.RdfFormat.N_QUADS)}
    assert {str(q.triple) for q in _oxigraph_quads(_turtle(shuffled), pyoxigraph.RdfFormat.TURTLE)} == triples
    assert ({str(q) for q in _oxigraph_quads(_trig(shuffled), pyoxigraph.RdfFormat.TRIG)}
            == {str(q) for q in _oxigraph_quads(nq, pyoxigraph.RdfFormat.N_QUADS)})
