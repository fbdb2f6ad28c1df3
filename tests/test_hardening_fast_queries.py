"""Shipped queries made fast on the on-disk Oxigraph store keep their rows, in their order.

Queries that join or sort every claim (``claims-by-*``, ``evidence-summary``, ``quantitative-findings``), and ``therapies``, have an Oxigraph plan beside them
(``NAME.oxigraph.rq``): it finds the few documents (or kinds, species) the first rows come from before
anything is sorted in full. rdflib, which joins sub-selects pairwise, runs the plain query, so every
plan is compared with its plain query on Oxigraph; ``shared-entities`` was rewritten in place (it
counts per entity before it fetches labels) and is compared with its old text
(``tests/reference_queries/``) on both engines. Every example binding is tried, and every LIMIT is
also cut down so that the first stage really has to choose: same columns, same rows, same order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import invoke
from kg.graph import KG
from kg.locations import QUERIES_DIR
from kg.query import PLAN_SUFFIX, QueryDef, QueryError, bind_params, load_query, run, shipped_queries

REFERENCE = Path(__file__).parent / "reference_queries"
PLANNED = sorted(q.name for q in shipped_queries() if q.oxigraph_plan)
EXAMPLES = {
    "claims-by-certainty": [{"certainty": "als:hypothesis"}, {"certainty": "als:interpretation", "document": "glia-sod1-2008"},
                            {"document": "glia-sod1-2008"}],
    "claims-by-document": [{"document": "glia-sod1-2008"}],
    "claims-by-evidence": [{"evidence": "als:mouse_model"}, {"evidence": "als:background_statement"}],
    "claims-by-species": [{"species": "マウス"}, {"species": "human", "evidence": "als:ipsc_model"},
                          {"evidence": "als:mouse_model"}],
    "quantitative-findings": [{"document": "glia-sod1-2008"}],
    "therapies": [{"therapy": "muse_iv_therapy"}],
}
LIMITS = (None, 1, 7, 40, 150)
_LIMIT = re.compile(r"\bLIMIT\s+\d+")
_SELECT = re.compile(r"^SELECT .*$", re.M)


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None else _LIMIT.sub(f"LIMIT {limit}", text)


def _answer(name: str, text: str, values: dict, kg, engine: str) -> tuple:
    res = run(QueryDef(name, text, shipped=True), bind_params(load_query(name), values, kg), kg.engines, engine)
    return res.columns, res.rows


def _same_in_order(name: str, want_text: str, got_text: str, kg, engine: str, limits=LIMITS) -> None:
    cut = False
    for values in [{}, *EXAMPLES.get(name, [])]:
        every = _answer(name, _cut(want_text, 100_000), values, kg, engine)[1]
        for limit in limits:
            want = _answer(name, _cut(want_text, limit), values, kg, engine)
            assert _answer(name, _cut(got_text, limit), values, kg, engine) == want, \
                f"{name} {values} LIMIT {limit} on {engine}"
            cut |= limit is not None and len(every) > limit > 1
    assert cut, f"{name}: no LIMIT cut the answer, so the first stage was never tested"


def test_the_plans_belong_to_shipped_queries_and_answer_the_same_columns_and_limit():
    assert PLANNED == ["claims-by-certainty", "claims-by-document", "claims-by-evidence", "claims-by-species",
                       "evidence-summary", "quantitative-findings", "therapies"]
    assert sorted(p.name[: -len(PLAN_SUFFIX)] for p in QUERIES_DIR.glob(f"*{PLAN_SUFFIX}")) == PLANNED
    assert not any("." in q.name for q in shipped_queries()), "a plan is not a query of its own"
    for name in PLANNED:
        q = load_query(name)
        assert _SELECT.search(q.oxigraph_plan).group(0) == _SELECT.search(q.text).group(0)
        assert _LIMIT.findall(q.oxigraph_plan)[-1] == _LIMIT.findall(q.text)[-1]


@pytest.mark.parametrize("name", PLANNED)
def test_an_oxigraph_plan_gives_the_rows_of_its_query_in_order(real_kg, name):
    q = load_query(name)
    _same_in_order(name, q.text, q.oxigraph_plan, real_kg, "oxigraph")


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_shared_entities_gives_the_rows_of_its_old_text_in_order(real_kg, engine):
    old = (REFERENCE / "shared-entities.rq").read_text(encoding="utf-8")
    # rdflib takes seconds per run of either text: fewer cuts there
    _same_in_order("shared-entities", old, load_query("shared-entities").text, real_kg, engine,
                   LIMITS if engine == "oxigraph" else (None, 7))


def test_a_plan_runs_on_oxigraph_only(real_kg):
    q = QueryDef("q", 'SELECT ?x WHERE { BIND("text" AS ?x) } LIMIT 1', shipped=True,
                 oxigraph_plan='SELECT ?x WHERE { BIND("plan" AS ?x) } LIMIT 1')
    assert run(q, {}, real_kg.engines, "oxigraph").rows[0][0].value == "plan"
    assert run(q, {}, real_kg.engines, "rdflib").rows[0][0].value == "text"
    assert run(q, {}, real_kg.engines, "oxigraph", isolate=True).rows[0][0].value == "plan"


def test_a_document_parameter_is_checked_without_decoding_the_projection(real_kg):
    """The document ids come from the graph's RDF: decoding the projection for them cost 3.4 s at ×100."""
    lazy = KG(lambda: pytest.fail("the projection was decoded"), real_kg.nq_path, real_kg.seeds_dir)
    q = load_query("claims-by-document")
    assert bind_params(q, {"document": "glia-sod1-2008"}, lazy)["document"].value.endswith("/document/glia-sod1-2008")
    with pytest.raises(QueryError, match=r"no document 'nope'; documents: bbb-tardbp-2024, fus-ipsc-2016, glia-sod1"):
        bind_params(q, {"document": "nope"}, lazy)


def test_query_endpoint_resolves_entity_and_document_parameters_against_the_endpoint(endpoint, real_kg, tmp_path):
    """With --endpoint the local graph is not read at all (here: there are no local seeds); the names
    are the endpoint's, looked up as ``path --endpoint`` looks them up."""
    none = tmp_path / "no-seeds"
    local = invoke("query", "entity-claims", "--param", "entity=ミクログリア", "--format", "tsv")
    remote = invoke("query", "entity-claims", "--param", "entity=ミクログリア", "--format", "tsv",
                    "--endpoint", endpoint, "--seeds", str(none))
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout and local.stdout.count("\n") > 3
    doc = invoke("query", "claims-by-document", "--param", "document=glia-sod1-2008", "--format", "tsv",
                 "--endpoint", endpoint, "--seeds", str(none))
    assert doc.returncode == 0 and doc.stdout == invoke("query", "claims-by-document", "--param", "document=glia-sod1-2008",
                                                       "--format", "tsv").stdout
    bad = invoke("query", "claims-by-document", "--param", "document=nope", "--endpoint", endpoint, "--seeds", str(none))
    assert bad.returncode == 1 and "no document 'nope'; documents: bbb-tardbp-2024" in bad.stderr
    unknown = invoke("query", "entity-claims", "--param", "entity=no such thing", "--endpoint", endpoint,
                     "--seeds", str(none))
    assert unknown.returncode == 1 and "error:" in unknown.stderr and "Traceback" not in unknown.stderr
