"""Issue 14 (scale): the statements written straight from the seeds, SHACL part by part with rudof,
the lazy name index and sampled betweenness give the same answers as the slow ways they replace."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH
from rdflib.plugins.serializers.nt import _quoteLiteral

import kg.analyze
import kg.shapes
from kg.analyze import SampledRanked, format_rank, rank
from kg.build import build
from kg.model import AlskgError
from kg.names import NameIndex
from kg.paths import type_family
from kg.rdf import _text, nquads
from kg.shapes import Shapes, document_shape_problems, shacl_problems

ALS, ENT, CLAIM = "https://w3id.org/alskg/schema/", "https://w3id.org/alskg/entity/", "https://w3id.org/alskg/claim/"
RDFS_LABEL, DCT = "<http://www.w3.org/2000/01/rdf-schema#label>", "http://purl.org/dc/terms/"


def test_nquads_written_from_the_seeds_are_the_bytes_rdflib_writes(real_built):
    assert real_built.nquads == nquads(real_built.dataset)


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(text, st.sampled_from([None, "en", "ja"]))
def test_a_literal_is_escaped_as_rdflib_escapes_it(value, lang):
    assert _text(value, lang) == _quoteLiteral(Literal(value, lang=lang))


def _statements(built) -> list[tuple[str, str, str]]:
    return [*built.schema_statements, *built.data_statements]


def _broken(built) -> list[tuple[str, str, str]]:
    """The mini graph with one fault of each kind the shapes check: an entity without an English
    label, a claim quote in English, a qualifier without a number, a document with a bad checksum,
    a claim whose subject is no entity, a claim derived from two documents."""
    neg = next(c for c in built.seeds.claims if c.qualifiers)
    pos = next(c for c in built.seeds.claims if not c.qualifiers)
    claim, qual, other = f"<{CLAIM}{neg.id}>", f"<{CLAIM}{neg.id}-q1>", f"<{CLAIM}{pos.id}>"
    out = []
    for s, p, o in _statements(built):
        if s == f"<{ENT}microglia>" and p == RDFS_LABEL and o.endswith("@en"):
            continue
        if s == claim and p == f"<{ALS}quote>":
            o = '"an English quote"@en'
        if s == qual and p == f"<{ALS}value>":
            continue
        if s.endswith("/document/glia-sod1-2008>") and p == f"<{ALS}sha256>":
            o = '"not-a-checksum"'
        if s == other and p == "<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject>":
            o = "<https://example.org/nothing>"
        out.append((s, p, o))
    out.append((other, "<http://www.w3.org/ns/prov#wasDerivedFrom>", "<https://w3id.org/alskg/document/muse-cells-2020>"))
    return out


def _pyshacl(statements) -> set[tuple[str, str]]:
    """(focus, path) of every violation pyshacl (the reference engine) reports on the whole graph."""
    from pyshacl import validate

    from kg.locations import ONTOLOGY_DIR

    data = Graph().parse(data="\n".join(f"{s} {p} {o} ." for s, p, o in statements), format="nt")
    _, report, _ = validate(data, shacl_graph=Graph().parse(ONTOLOGY_DIR / "shapes.ttl"), advanced=True)
    return {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
            for r in report.subjects(RDF.type, SH.ValidationResult)}


def test_rudof_part_by_part_reports_what_pyshacl_reports_on_the_whole_graph(mini_seeds, monkeypatch):
    built = build(mini_seeds)
    assert shacl_problems(built.seeds, _statements(built)) == []
    broken = _broken(built)
    problems = shacl_problems(built.seeds, broken)
    found = {(m.group(1), m.group(2)) for p in problems if (m := re.search(r"\(node (\S+), path (\S+)\)$", p.message))}
    assert found == _pyshacl(broken)
    assert len(found) >= 6
    monkeypatch.setattr(kg.shapes, "CHUNK_STATEMENTS", 150)  # the graph in several parts, not one
    assert len(_statements(built)) > 5 * 150
    assert shacl_problems(built.seeds, broken) == problems


def test_shacl_problems_are_located_and_use_the_shape_messages(mini_seeds):
    built = build(mini_seeds)
    by_message = {p.message.split(" (node")[0]: p for p in shacl_problems(built.seeds, _broken(built))}
    neg = next(c for c in built.seeds.claims if c.qualifiers)
    label = by_message["SHACL: an entity needs exactly one English label"]
    assert (label.file.split("/")[-2:], label.line) == (["entities", "core.yaml"], 13)
    quote = by_message["SHACL: a claim needs one verbatim Japanese quote (@ja)"]
    at = (str(mini_seeds.parent / neg.where.file), neg.where.line)  # from the seeds folder as given
    assert (quote.file, quote.line) == at
    number = by_message["SHACL: a qualifier carries at least one number"]
    assert (number.file, number.line) == at
    assert by_message["SHACL: a claim's subject must be one known entity"].file.endswith("glia-sod1-2008.yaml")
    assert by_message["SHACL: a claim is derived from exactly one document"]
    assert any(p.file == str(mini_seeds / "documents.tsv") and "sha256" in p.message for p in by_message.values())


def test_one_document_is_checked_on_its_own(mini_seeds):
    """The per-document check (what a per-document cache stores) finds that document's faults."""
    import dataclasses

    from kg.shapes import GraphParts

    built = build(mini_seeds)
    parts = GraphParts(_statements(built))
    assert document_shape_problems(built.seeds, "glia-sod1-2008", parts) == []
    assert document_shape_problems(built.seeds, "muse-cells-2020", parts) == []
    seeds = built.seeds
    short = dataclasses.replace(seeds.claims[0], summary="abc")
    seeds = dataclasses.replace(seeds, claims=[short, *seeds.claims[1:]])
    found = document_shape_problems(seeds, "glia-sod1-2008", parts)
    assert [(x.file, x.line) for x in found] == [(str(mini_seeds.parent / short.where.file), short.where.line)]
    assert "one English summary" in found[0].message


def test_shapes_with_a_path_rudof_parts_cannot_see_are_refused(tmp_path):
    bad = tmp_path / "shapes.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <https://example.org/> .\n"
                   "ex:S a sh:NodeShape ; sh:targetClass ex:C ;\n"
                   "  sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .\n", encoding="utf-8")
    with pytest.raises(AlskgError, match="only predicate paths"):
        Shapes(bad)


@pytest.mark.parametrize("extra", ["ex:S sh:closed true .", "ex:S sh:sparql [ sh:select \"SELECT $this WHERE {}\" ] ."])
def test_shapes_that_read_beyond_a_node_are_refused(tmp_path, extra):
    bad = tmp_path / "shapes.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <https://example.org/> .\n"
                   f"ex:S a sh:NodeShape ; sh:targetClass ex:C .\n{extra}\n", encoding="utf-8")
    with pytest.raises(AlskgError, match="not supported"):
        Shapes(bad)


def test_the_shipped_shapes_load():
    shapes = Shapes()
    assert (str(next(iter(shapes.targets[ALS + "Entity"]))), "None") not in shapes.messages
    assert len(shapes.messages) >= 15


# ---------------------------------------------------------------- names and betweenness


def test_name_index_builds_its_loose_tiers_only_on_an_exact_miss(real_built):
    idx = NameIndex(real_built.network)
    assert idx.resolve("SOD1") == "sod1" and idx.resolve("ミクログリア") == "microglia"
    assert "_tiers" not in idx.__dict__
    assert idx.resolve("microglias") == "microglia"
    assert "_tiers" in idx.__dict__ and idx.notes


def test_betweenness_is_sampled_on_large_graphs_and_says_so(real_built, monkeypatch):
    exact = rank(real_built.network, "betweenness", top=3)
    assert not any(isinstance(r, SampledRanked) for r in exact)
    monkeypatch.setattr(kg.analyze, "BETWEENNESS_EXACT_MAX", 100)
    sampled = rank(real_built.network, "betweenness", top=3)
    assert all(isinstance(r, SampledRanked) for r in sampled)
    assert sampled == rank(real_built.network, "betweenness", top=3)  # seeded: the same ranking every time
    assert sampled[0].entity.id == exact[0].entity.id  # the hub stands out either way
    assert json.loads(json.dumps(sampled[0].to_dict()))["estimate"]["samples"] == kg.analyze.BETWEENNESS_SAMPLES
    assert "sampled" in format_rank(sampled, "betweenness").splitlines()[0]
    assert "sampled" not in format_rank(exact, "betweenness")


@settings(max_examples=5, deadline=None)
@given(st.integers(min_value=0, max_value=2))
def test_sampled_betweenness_respects_type(real_built, idx):
    types = ["CellType", "Gene", "Pathology"]
    kg.analyze.BETWEENNESS_EXACT_MAX, old = 100, kg.analyze.BETWEENNESS_EXACT_MAX
    try:
        rows = rank(real_built.network, "betweenness", type_=types[idx], top=5)
    finally:
        kg.analyze.BETWEENNESS_EXACT_MAX = old
    assert rows and all(r.entity.type in type_family(types[idx])[1] for r in rows)


def test_the_contradiction_query_compares_whole_contexts(mini_seeds):
    """violation-contradiction.rq joins the two sides on their context: a relation negated in another
    context is no contradiction, in the same context it is."""
    import dataclasses

    from kg.locations import ONTOLOGY_DIR
    from kg.rdf import seeds_nquads
    from kg.schema import load_schema
    from kg.seeds import read_seeds
    from kg.validate import violation_problems

    seeds, _ = read_seeds(mini_seeds)
    positive = next(c for c in seeds.claims if c.predicate == "regulates")

    def rows(**change) -> set[str]:
        negated = dataclasses.replace(positive, negated=True, quote="異常な炎症反応", **change)
        bad = dataclasses.replace(seeds, claims=(*seeds.claims, negated))
        return {p.file for p in violation_problems(seeds_nquads(bad, load_schema(), ONTOLOGY_DIR))}

    assert "ontology/queries/violation-contradiction.rq" in rows()
    other = dataclasses.replace(positive.context, comparison="another\texperiment")
    assert "ontology/queries/violation-contradiction.rq" not in rows(context=other)
    assert positive.species is None and "ontology/queries/violation-contradiction.rq" not in rows(species="mouse")


def _rdflib_compact_jsonld(g) -> bytes:
    """JSON-LD as alskg wrote it with rdflib until session 17 (auto_compact with the prefixes as context,
    then nodes, lists and keys sorted): the reference ``kg.jsonld`` must match byte for byte."""
    import json

    from kg.namespaces import PREFIXES
    from kg.rdf import BIND_PREFIXES

    context = {p: PREFIXES[p] for p in BIND_PREFIXES}
    doc = json.loads(g.serialize(format="json-ld", context=context, auto_compact=True))
    nodes = doc.get("@graph", []) if isinstance(doc, dict) else doc

    def canon(value):
        if isinstance(value, list):
            return sorted((canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        if isinstance(value, dict):
            return {k: canon(v) for k, v in value.items()}
        return value

    nodes = sorted((canon(n) for n in nodes), key=lambda n: str(n.get("@id", "")))
    return (json.dumps({"@context": context, "@graph": nodes}, sort_keys=True, indent=1, ensure_ascii=False)
            + "\n").encode("utf-8")


def test_jsonld_is_byte_for_byte_what_rdflib_wrote(real_built):
    """JSON-LD is written from the statements without rdflib (``kg.jsonld``): the curated graph gives the
    bytes rdflib's compacting writer gave."""
    from kg.rdf import union_graph
    from kg.serialize import serialize

    assert serialize(real_built, "jsonld") == _rdflib_compact_jsonld(union_graph(real_built.dataset))


def test_jsonld_compaction_follows_rdflib_on_every_kind_of_term():
    """Terms the curated graph does not have today (numbers, odd booleans, blank nodes, an IRI that is a
    namespace, IRIs under no prefix or with '#' and ':' in odd places, several types) compact as rdflib does."""
    import pyoxigraph as ox
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.namespace import OWL, RDF, RDFS, XSD

    from kg.jsonld import compact_jsonld
    from kg.namespaces import ALS, ENT, PREFIXES
    from kg.rdf import BIND_PREFIXES

    g = Graph()
    s, b = ENT.thing, BNode("b1")
    for p, o in [(RDF.type, ALS.Claim), (RDF.type, OWL.Class), (RDF.type, URIRef("http://example.org/T")),
                 (RDFS.label, Literal("plain")), (RDFS.label, Literal("英語", lang="ja")),
                 (ALS.value, Literal("7", datatype=XSD.integer)), (ALS.value, Literal("1.5E0", datatype=XSD.double)),
                 (ALS.value, Literal("1", datatype=XSD.boolean)), (ALS.value, Literal("true", datatype=XSD.boolean)),
                 (ALS.value, Literal("2.50", datatype=XSD.decimal)), (ALS.value, Literal("x", datatype=URIRef("http://example.org/dt"))),
                 (RDFS.seeAlso, URIRef(PREFIXES["als"])), (RDFS.seeAlso, URIRef("http://purl.obolibrary.org/obo/CL_0000540")),
                 (RDFS.seeAlso, URIRef("urn:isbn:123")), (RDFS.seeAlso, URIRef("http://example.org/a#b/c")),
                 (RDFS.seeAlso, b), (URIRef(PREFIXES["als"]), ENT.other)]:
        g.add((s, p, o))
    g.add((b, RDFS.label, Literal("blank")))
    g.add((URIRef(PREFIXES["ent"]), RDF.type, OWL.Ontology))
    triples = [q.triple for q in ox.parse(g.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    assert compact_jsonld(triples, {p: PREFIXES[p] for p in BIND_PREFIXES}) == _rdflib_compact_jsonld(g)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=30)


@given(json_values)
@settings(max_examples=300, deadline=None)
def test_the_fast_indented_json_is_the_standard_librarys(value):
    """``kg.jsontext.dumps_indented`` writes what ``json.dumps(indent=1, sort_keys=True, ensure_ascii=False)``
    writes, for any JSON value (escapes, control characters, empty containers, nesting)."""
    import json

    from kg.jsontext import dumps_indented

    assert dumps_indented(value) == json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False)
