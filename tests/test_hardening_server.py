"""A server that survives load (issue 13): the guard in front of Oxigraph refuses SERVICE and
hostile text, answers a burst of parallel clients correctly, never sends a cut-off answer as a
success, and the supervisor brings Oxigraph back after it dies."""

from __future__ import annotations

import http.client
import threading
import urllib.parse

import pytest

from helpers import free_port
from kg.query import QueryDef, QueryError, load_query, run, run_remote
from kg.server import running_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(real_kg):
    with running_server(real_kg.nq_path, port=free_port(), wait_s=30, timeout_s=2, max_parallel=4) as srv:
        yield srv


def _get(port: int, query: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/query?" + urllib.parse.urlencode({"query": query}),
              headers={"Accept": "application/sparql-results+json"})
    resp = c.getresponse()
    return resp.status, resp.read()


def test_the_server_refuses_service_and_hostile_text(server):
    port = server.front.server_address[1]
    status, body = _get(port, f"SELECT * {{ SERVICE <http://127.0.0.1:{free_port()}/q> {{ ?s ?p ?o }} }}")
    assert status == 400 and b"SERVICE" in body
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/query", body=("SELECT * { FILTER(" + "(" * 40_000 + "1" + ")" * 40_000 + ") }").encode(),
              headers={"Content-Type": "application/sparql-query"})
    resp = c.getresponse()
    assert resp.status == 400 and b"deep" in resp.read()
    with pytest.raises(QueryError, match="SERVICE"):
        run_remote(QueryDef("s", "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"), {}, server.url,
                   allow_service=True)
    assert _get(port, "ASK { ?s ?p ?o }")[0] == 200, "the server still answers"


def test_only_reads_on_query_are_passed_on(server):
    port = server.front.server_address[1]
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/update", body=b"update=DROP ALL", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert c.getresponse().status == 404
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/query", body=b"update=DROP+ALL", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert c.getresponse().status in (400, 403)


def test_a_timeout_is_never_a_success(server):
    """Oxigraph answers a COUNT that hits its time limit with HTTP 200 and cut-off JSON."""
    q = QueryDef("count", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    with pytest.raises(QueryError, match="time limit|cut off"):
        run_remote(q, {}, server.url, timeout=60)


def test_a_burst_of_parallel_clients_gets_right_answers(server, real_kg):
    port = server.front.server_address[1]
    queries = ["ASK { ?s ?p ?o }", load_query("documents").text,
               "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/alskg/schema/Claim> }"]
    expected = {q: _get(port, q) for q in queries}
    assert all(status == 200 for status, _ in expected.values())
    failures: list[str] = []

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for n in range(30):
            q = queries[(i + n) % len(queries)]
            got = _get(port, q, conn)
            if got != expected[q]:
                failures.append(f"{got[0]} {got[1][:100]!r}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:5]
    local = run(load_query("documents"), {}, real_kg.engines)
    remote = run_remote(load_query("documents"), {}, server.url)
    assert sorted(local.rows, key=repr) == sorted(remote.rows, key=repr)


def test_the_supervisor_restarts_a_dead_oxigraph(server):
    port = server.front.server_address[1]
    first = server.proc
    first.kill()
    first.wait()
    status, body = _get(port, "ASK { ?s ?p ?o }")  # retried once after the restart
    assert status == 200 and b"true" in body
    assert server.proc is not first and server.proc.poll() is None
