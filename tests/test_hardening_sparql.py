"""Bounded SPARQL (issue 13): SERVICE refused unless asked, runaway queries stopped, nesting and
size refused before parsing, clear errors for undecodable files and hostile endpoints, CURIE
parameters that cannot break out of the VALUES row sent to an endpoint."""

from __future__ import annotations

import http.server
import re
import socket
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import invoke
from kg.query import QueryDef, QueryError, bind_params, load_query, read_query, run, run_remote, with_values
from kg.sparql_guard import MAX_NESTING, QueryRefused, check_query, scan


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_query() -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{closed_port()}/sparql> {{ ?s ?p ?o }} }}"


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }",
    "select * { service silent <http://x/> { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o # }\n SERVICE <http://x/> { ?a ?b ?c } }",
])
def test_service_is_found_however_it_is_written(text):
    assert scan(text).service
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(text)


@pytest.mark.parametrize("text", [
    "# SERVICE <http://x/>\nSELECT * { ?s ?p ?o }",
    'SELECT * { ?s ?p "SERVICE <http://x/> { }" }',
    "SELECT * { ?s ?p '''\nSERVICE <http://x/> {}''' }",
    "PREFIX service: <http://x/>\nSELECT * { ?s service:SERVICE ?service }",
    "SELECT * { ?s <http://x/SERVICE> ?o }",
])
def test_service_in_comments_strings_names_and_iris_is_not_service(text):
    assert not scan(text).service


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["SERVICE", "service", "?service", "ex:SERVICE", '"SERVICE"', "#SERVICE\n",
                                 "<http://a/SERVICE>", "{", "}", "?s", "'x'", '"""a"b"""', " "]), max_size=12))
def test_the_scan_agrees_with_rdflib_on_service(parts):
    """Whenever rdflib parses the text, the scan finds SERVICE exactly when the parse tree has one."""
    from rdflib.plugins.sparql.parser import parseQuery

    text = "PREFIX ex: <http://x/>\nSELECT * WHERE { " + " ".join(parts) + " }"
    try:
        tree = parseQuery(text)
    except Exception:  # noqa: BLE001 - not SPARQL: nothing to compare
        return
    assert scan(text).service == ("ServiceGraphPattern" in repr(tree))


def test_service_is_refused_by_the_api_and_the_cli(real_kg, real_seeds):
    q = QueryDef("s", service_query())
    for engine in ("oxigraph", "rdflib"):
        with pytest.raises(QueryError, match="SERVICE"):
            run(q, {}, real_kg.engines, engine)
    with pytest.raises(QueryError, match="SERVICE"):
        real_kg.query(service_query())
    with pytest.raises(QueryError, match="SERVICE"):
        run_remote(q, {}, f"http://127.0.0.1:{closed_port()}/query")
    r = invoke("query", "-", "--seeds", str(real_seeds), input=service_query())
    assert r.returncode == 1 and "SERVICE" in r.stderr and "--allow-service" in r.stderr


def test_service_runs_only_when_asked_by_name(real_kg, real_seeds):
    """Asked for, it really is sent (to a closed loopback port here, so it fails to connect)."""
    with pytest.raises(QueryError) as err:
        run(QueryDef("s", service_query()), {}, real_kg.engines, "rdflib", allow_service=True)
    assert "SERVICE" not in str(err.value) or "refused" in str(err.value).lower()
    r = invoke("query", "-", "--allow-service", "--engine", "rdflib", "--seeds", str(real_seeds), input=service_query())
    assert r.returncode == 1 and "Connection refused" in r.stderr and "Traceback" not in r.stderr


def test_a_runaway_query_is_stopped_at_its_deadline(real_kg):
    q = QueryDef("runaway", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g")
    start = time.monotonic()
    with pytest.raises(QueryError, match="time limit of 1 s"):
        run(q, {}, real_kg.engines, timeout_s=1)
    assert time.monotonic() - start < 15
    # the child is replaced: the next question is answered
    assert run(QueryDef("ok", "ASK { ?s ?p ?o }"), {}, real_kg.engines).boolean is True


def test_a_query_past_the_memory_limit_is_stopped(real_kg):
    from kg.query import Engines

    engines = Engines(real_kg.nq_path, max_memory_mb=512)
    q = QueryDef("big", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g")
    try:
        with pytest.raises(QueryError, match="memory limit of 512 MB|time limit"):
            run(q, {}, engines, timeout_s=60)
    finally:
        engines.worker().close()


@pytest.mark.parametrize("opener,closer", [("{", "}"), ("(", ")"), ("[", "]")])
def test_deep_nesting_is_refused_before_parsing(real_kg, opener, closer):
    n = 40_000
    text = "SELECT * WHERE { FILTER(" + opener * n + "1" + closer * n + ") }"
    for engine in ("oxigraph", "rdflib"):
        with pytest.raises(QueryRefused, match=f"more than {MAX_NESTING} deep"):
            run(QueryDef("deep", text), {}, real_kg.engines, engine, isolate=False)
    shallow = "SELECT * WHERE { " + "{" * 10 + "?s ?p ?o" + "}" * 10 + " } LIMIT 1"
    assert len(run(QueryDef("ok", shallow), {}, real_kg.engines).rows) == 1


def test_oversized_queries_are_refused(real_kg):
    with pytest.raises(QueryError, match="refusing more than"):
        run(QueryDef("big", "ASK {}" + " " * 200_000), {}, real_kg.engines)


def test_a_query_file_that_is_not_utf8_is_a_clear_error(tmp_path, real_seeds):
    bad = tmp_path / "latin1.rq"
    bad.write_bytes("SELECT * { ?s ?p \"caf\xe9\" }".encode("latin-1"))
    with pytest.raises(QueryError, match=r"not UTF-8 text \(byte 0xe9"):
        load_query(str(bad))
    r = invoke("query", str(bad), "--seeds", str(real_seeds))
    assert r.returncode == 1 and "not UTF-8" in r.stderr and "Traceback" not in r.stderr


class _Hostile(http.server.BaseHTTPRequestHandler):
    bodies: dict[str, bytes] = {}

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        body = self.bodies[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


HOSTILE = {
    "/garbage": (b"<html>oops</html>", "did not return SPARQL JSON results: it answered an HTML page"),
    "/cut": (b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled',
             "cut off"),
    "/latin1": ('{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"é"}}]}}'.encode("latin-1"),
                "not UTF-8"),
    "/list": (b"[1, 2, 3]", "unexpected structure"),
    "/head": (b'{"head": 5, "results": {"bindings": []}}', "unexpected structure"),
    "/rows": (b'{"head": {"vars": ["n"]}, "results": {"bindings": [5]}}', "not a SPARQL JSON term"),
    "/term": (b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": 1}}]}}', "not a SPARQL JSON term"),
    "/bool": (b'{"head": {}, "boolean": {"x": 1}}', "unexpected structure"),
    "/deep": (b"[" * 100_000 + b"]" * 100_000, "did not return"),
}


@pytest.fixture(scope="module")
def hostile_endpoint():
    _Hostile.bodies = {k: v[0] for k, v in HOSTILE.items()}
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("path", sorted(HOSTILE))
def test_a_hostile_endpoint_gives_clear_errors(hostile_endpoint, path):
    with pytest.raises(QueryError, match=HOSTILE[path][1]):
        run_remote(QueryDef("q", "SELECT ?n WHERE { ?s ?p ?n }"), {}, hostile_endpoint + path)


def test_a_huge_endpoint_answer_is_refused(hostile_endpoint):
    with pytest.raises(QueryError, match="sent more than 1,000 bytes"):
        run_remote(QueryDef("q", "SELECT ?n WHERE { ?s ?p ?n }"), {}, hostile_endpoint + "/deep", max_bytes=1000)


def test_cli_reports_hostile_endpoints_without_traceback(hostile_endpoint):
    r = invoke("query", "documents", "--endpoint", hostile_endpoint + "/cut")
    assert r.returncode == 1 and "cut off" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("value", [
    "als:x> } UNION { ?s ?p ?o } #",
    'als:x"y',
    "als:a b",
    "als:x>",
    "als:{x}",
    "als:a\\b",
    "<http://x/a> } <http://y/>",
])
def test_curie_parameters_cannot_break_out(value):
    q = read_query("t", "SELECT ?x WHERE { ?x ?p ?o } LIMIT 1", "t")
    with pytest.raises(QueryError):
        with_values(q, bind_params(q, {"x": value}))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_every_bound_value_stays_one_term_in_the_values_row(local):
    """Whatever follows a known prefix, either it is refused or the VALUES row holds exactly one term."""
    q = read_query("t", "SELECT ?x WHERE { ?x ?p ?o } LIMIT 1", "t")
    for raw in (f"als:{local}", local):
        try:
            text = with_values(q, bind_params(q, {"x": raw}))
        except QueryError:
            continue
        row = text.rsplit("VALUES (?x) { (", 1)[1]
        assert row.endswith(") }\n")
        term = row[: -len(") }\n")].strip()
        assert scan(term).depth == 0
        assert re.fullmatch(r'<[^<>"{}|^`\\\x00-\x20]*>|"(?:[^"\\]|\\.)*"(?:\^\^<[^<>]*>)?|[+-]?[\d.]+\^\^<[^<>]*>|"[^"]*"\^\^<[^<>]*>',
                            term), term


def test_valid_curies_still_bind(real_kg):
    q = load_query("claims-by-evidence")
    b = bind_params(q, {"evidence": "als:mouse_model"}, real_kg)
    assert b["evidence"].value.endswith("mouse_model")
    assert run(q, b, real_kg.engines).rows


def test_rdflib_refuses_from_instead_of_silently_ignoring_it(real_kg):
    """rdflib's engine ignores FROM and would answer from the whole graph: a wrong success, refused."""
    from kg.query import QueryDef, QueryError, run

    q = QueryDef("from", "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/alskg/graph/schema> WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError, match="FROM"):
        run(q, {}, real_kg.engines, "rdflib")
    comment = QueryDef("c", "# taken FROM nowhere\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert run(comment, {}, real_kg.engines, "rdflib").rows


def test_oxigraph_honours_from(real_kg):
    from kg.query import QueryDef, run

    whole = run(QueryDef("a", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"), {}, real_kg.engines).records()[0]["n"]
    q = QueryDef("b", "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/alskg/graph/schema> WHERE { ?s ?p ?o }")
    schema_only = run(q, {}, real_kg.engines).records()[0]["n"]
    assert 0 < schema_only < whole
