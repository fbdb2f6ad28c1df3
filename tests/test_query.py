"""SPARQL: shipped queries parse, run and agree on rdflib and Oxigraph; bindings are safe; errors are clear."""

from __future__ import annotations

import io
import json

import pytest

from helpers import invoke
from kg.analyze import chains
from kg.query import (
    Engines,
    QueryDef,
    QueryError,
    QuerySyntaxError,
    bind_params,
    format_result,
    load_query,
    parse_header,
    read_query,
    run,
    shipped_queries,
)

# Example bindings for every parameter a shipped query declares (a test checks none is missing).
EXAMPLES = {
    "chains": [{"gene": "SOD1 G37R"}],
    "claims-by-certainty": [{"certainty": "als:hypothesis"}, {"certainty": "als:interpretation", "document": "glia-sod1-2008"}],
    "claims-by-document": [{"document": "glia-sod1-2008"}],
    "claims-by-evidence": [{"evidence": "als:mouse_model"}],
    "claims-by-species": [{"species": "マウス"}, {"species": "human", "evidence": "als:ipsc_model"}],
    "entity-claims": [{"entity": "ミクログリア"}],
    "negative-findings": [{"document": "glia-sod1-2008"}],
    "quantitative-findings": [{"document": "glia-sod1-2008"}],
    "therapies": [{"therapy": "muse_iv_therapy"}],
}
QUERIES = shipped_queries()


def _sorted(res):
    return sorted(res.rows, key=repr)


def test_queries_are_shipped_with_summaries_and_valid_headers():
    assert len(QUERIES) >= 10
    for q in QUERIES:
        assert q.summary, f"{q.source}: add a '# summary:' line to the header"
        assert "LIMIT" in q.text, f"{q.name}: shipped queries carry a LIMIT (Oxigraph queries cannot be interrupted)"
        assert not any(op in q.text for op in (")+", ">+", ")*", ">*")), f"{q.name}: no property paths"
    for q in QUERIES:
        declared = {p.name for p in q.params}
        examples = set().union(*[set(e) for e in EXAMPLES.get(q.name, [{}])])
        assert declared == examples, f"{q.name}: add example bindings for {declared - examples} to EXAMPLES"


def test_header_parsing():
    summary, params = parse_header("# summary: One.\n# summary: Two.\n# param: x entity  required; a thing\nSELECT")
    assert summary == "One. Two."
    assert params[0].name == "x" and params[0].kind == "entity" and params[0].description.startswith("required")
    with pytest.raises(QueryError, match="bad param header"):
        parse_header("# param: x nonsense\nSELECT")


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: q.name)
def test_every_shipped_query_agrees_on_rdflib_and_oxigraph(real_kg, q):
    engines = real_kg.engines
    for values in [{}, *EXAMPLES.get(q.name, [])]:
        if not values and any(p.description.startswith("required") for p in q.params):
            continue
        b = bind_params(q, values, real_kg)
        ox, rd = run(q, b, engines, "oxigraph"), run(q, b, engines, "rdflib")
        assert ox.columns == rd.columns
        assert _sorted(ox) == _sorted(rd), f"{q.name} {values}: engines disagree"


@pytest.mark.parametrize("q", [q for q in QUERIES if q.name.startswith("violation-")], ids=lambda q: q.name)
def test_violation_queries_find_nothing(real_kg, q):
    assert run(q, {}, real_kg.engines).rows == ()


def test_bound_parameters_narrow_the_answer(real_kg):
    all_rows = real_kg.query("claims-by-document").rows
    glia = real_kg.query("claims-by-document", document="glia-sod1-2008").rows
    assert 0 < len(glia) < len(all_rows)
    assert {r[0].value for r in glia} == {"https://w3id.org/alskg/document/glia-sod1-2008"}


def test_chains_query_matches_the_networkx_chains(real_kg):
    sparql = {tuple(r[i].value.rsplit("/", 1)[1] for i in (0, 3, 6, 9)) for r in real_kg.query("chains").rows}
    nx_chains = {(c.gene.id, c.cell.id, c.pathology.id, c.therapy.id) for c in chains(real_kg.network)}
    assert sparql == nx_chains
    assert sparql, "expected at least one gene → cell type → pathology → therapy chain"


def test_values_are_bound_as_terms_never_pasted(real_kg):
    evil = 'x" } UNION { ?s ?p ?o } #'
    q = read_query("t", "SELECT ?s ?id WHERE { ?s <http://purl.org/dc/terms/identifier> ?id } LIMIT 5", "t")
    for engine in ("oxigraph", "rdflib"):
        assert run(q, bind_params(q, {"id": evil}), real_kg.engines, engine).rows == ()
        hit = run(q, bind_params(q, {"id": "sod1"}), real_kg.engines, engine).rows
        assert [r[0].value for r in hit] == ["https://w3id.org/alskg/entity/sod1"]


def test_parameter_errors_are_clear(real_kg):
    q = load_query("claims-by-document")
    with pytest.raises(QueryError, match="has no parameter"):
        bind_params(q, {"nope": "1"}, real_kg)
    with pytest.raises(QueryError, match="no document"):
        bind_params(q, {"document": "nope"}, real_kg)
    with pytest.raises(QueryError, match="no shipped query"):
        load_query("chainz")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_syntax_errors_give_line_and_column(real_kg, engine):
    q = QueryDef("bad.rq", "# summary: broken\nSELECT ?x WHERE {\n  ?x a \n}\n")
    with pytest.raises(QuerySyntaxError, match=r"bad\.rq at line \d+, column \d+"):
        run(q, {}, real_kg.engines, engine)


def test_formats(real_kg):
    res = real_kg.query("documents")
    table = format_result(res, "table")
    assert table.splitlines()[0].startswith("document") and "doc:glia-sod1-2008" in table
    assert format_result(res, "csv").splitlines()[0].startswith("document,id,")
    assert "\t" in format_result(res, "tsv").splitlines()[0]
    data = json.loads(format_result(res, "json"))
    assert {r["id"] for r in data["rows"]} >= {"glia-sod1-2008", "fus-ipsc-2016"}
    assert all(isinstance(r["claims"], int) for r in data["rows"])


def test_stdin_queries_and_row_cap(real_kg):
    q = load_query("-", stdin=io.StringIO("SELECT ?s WHERE { ?s a als:Claim }"))
    res = run(q, {}, real_kg.engines, max_rows=3)
    assert len(res.rows) == 3 and res.truncated


def _cli(*args, cache, stdin=None):
    return invoke(*args, env={"ALSKG_CACHE": str(cache)}, input=stdin)


def test_cli_query_list_named_file_stdin_and_errors(real_seeds, tmp_path):
    cache = tmp_path / "cache"
    r = _cli("query", "--list", cache=cache)
    lines = r.stdout.splitlines()
    assert r.returncode == 0 and len(lines) == len(QUERIES)
    assert lines[0].split("\t")[0] == QUERIES[0].name and lines[0].split("\t")[1] == QUERIES[0].summary
    r = _cli("query", "chains", "--param", "gene=SOD1 G37R", "--format", "csv", "--seeds", str(real_seeds), cache=cache)
    assert r.returncode == 0, r.stderr
    assert "astrocyte" in r.stdout
    rq = tmp_path / "mine.rq"
    rq.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?c a als:Claim }", encoding="utf-8")
    r = _cli("query", str(rq), "--json", "--seeds", str(real_seeds), cache=cache)
    assert r.returncode == 0 and json.loads(r.stdout)["rows"][0]["n"] > 100
    r = _cli("query", "-", "--seeds", str(real_seeds), cache=cache, stdin="SELECT ?x WHERE {\n ?x a\n}")
    assert r.returncode == 1 and "line 3, column" in r.stderr and "Traceback" not in r.stderr
    r = _cli("query", "entity-claims", "--seeds", str(real_seeds), cache=cache)
    assert r.returncode == 1 and "needs the parameter entity" in r.stderr
    r = _cli("query", "documents", "--endpoint", "http://127.0.0.1:9/query", cache=cache)
    assert r.returncode == 1 and "cannot reach SPARQL endpoint" in r.stderr and "Traceback" not in r.stderr


def test_a_parameter_oxigraph_cannot_bind_is_explained(real_kg):
    q = read_query("t", "SELECT ?s WHERE { ?s <http://purl.org/dc/terms/identifier> ?id } LIMIT 5", "t")
    with pytest.raises(QueryError, match=r"does not SELECT \?id"):
        run(q, bind_params(q, {"id": "sod1"}), real_kg.engines, "oxigraph")


def test_engines_share_one_load(real_kg):
    e = Engines(real_kg.nq_path)
    assert e.oxigraph() is e.oxigraph()


def test_endpoint_values_print_as_embedded_ones():
    """Virtuoso answers booleans as 1/0 and counts as xsd:int: they print as the embedded engine's."""
    from kg.query import XSD, ResultTable, _from_json, format_result

    virtuoso = [_from_json({"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"}),
                _from_json({"type": "typed-literal", "datatype": XSD + "int", "value": "0042"}),
                _from_json({"type": "literal", "datatype": XSD + "double", "value": "1.5E0"})]
    table = format_result(ResultTable(("b", "n", "d"), (tuple(virtuoso),)), "csv")
    assert table.splitlines()[1] == "true,42,1.5"


def test_sparql_json_results_keep_datatypes_and_languages(real_kg):
    from kg.query import format_result, sparql_json

    q = QueryDef("t", 'SELECT ?n ?t ?l WHERE { BIND(3 AS ?n) BIND(true AS ?t) BIND("ミクログリア"@ja AS ?l) }')
    res = run(q, {}, real_kg.engines)
    doc = sparql_json(res)
    assert doc["head"]["vars"] == ["n", "t", "l"]
    (row,) = doc["results"]["bindings"]
    assert row["n"] == {"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert row["t"]["datatype"].endswith("#boolean") and row["t"]["value"] == "true"
    assert row["l"] == {"type": "literal", "value": "ミクログリア", "xml:lang": "ja"}
    assert json.loads(format_result(run(QueryDef("a", "ASK {}"), {}, real_kg.engines), "sparql-json")) == {
        "head": {}, "boolean": True}
