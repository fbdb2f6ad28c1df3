"""Issue 13, re-test: the SPARQL child says why it died (memory limit, time limit, a signal such as
SIGSEGV, an exit code) instead of blaming the memory limit for every death, and a GRAPH query on
the rdflib engine is a clear refusal rather than rdflib's remark about a 'ConjunctiveGraph'."""

from __future__ import annotations

import os
import resource
import signal
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import invoke
from kg.query import Engines, QueryDef, QueryError, run
from kg.sparql_worker import death_cause

RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"


@pytest.fixture()
def engines(real_kg):
    """A private child for each test (the tests kill it)."""
    e = Engines(real_kg.nq_path)
    yield e
    e.worker().close()


def _kill_while_running(engines: Engines, sig: int) -> str:
    """Run the runaway query in the child, send it ``sig`` once it is evaluating, return the error."""
    assert run(QueryDef("warm", "ASK { ?s ?p ?o }"), {}, engines).boolean is True  # graph loaded
    proc = engines.worker()._proc
    assert proc is not None and proc.poll() is None
    caught: list[BaseException] = []

    def ask() -> None:
        try:
            run(QueryDef("runaway", RUNAWAY), {}, engines, timeout_s=60)
        except QueryError as exc:
            caught.append(exc)

    t = threading.Thread(target=ask)
    t.start()
    time.sleep(1.0)
    os.kill(proc.pid, sig)
    t.join(timeout=30)
    assert not t.is_alive(), "the parent did not notice its child die"
    assert len(caught) == 1
    return str(caught[0])


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGTERM, signal.SIGKILL])
def test_a_child_killed_by_a_signal_is_not_blamed_on_memory(engines, sig):
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))  # a SIGSEGV must not leave a core file behind
    try:
        message = _kill_while_running(engines, sig)
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
    assert f"signal {int(sig)} ({signal.Signals(sig).name}" in message, message
    assert "memory limit" not in message and "time limit" not in message, message
    # and the next question gets a fresh child
    assert run(QueryDef("ok", "ASK { ?s ?p ?o }"), {}, engines).boolean is True


def test_the_memory_limit_is_still_named_as_such(real_kg):
    engines = Engines(real_kg.nq_path, max_memory_mb=512)
    try:
        with pytest.raises(QueryError, match="memory limit of 512 MB") as err:
            run(QueryDef("big", RUNAWAY), {}, engines, timeout_s=60)
    finally:
        engines.worker().close()
    assert "signal" not in str(err.value)


def test_the_time_limit_is_still_named_as_such(engines):
    with pytest.raises(QueryError, match="time limit of 1 s"):
        run(QueryDef("slow", RUNAWAY), {}, engines, timeout_s=1)


@settings(max_examples=200, deadline=None)
@given(code=st.integers(-64, 255), words=st.binary(max_size=200))
def test_every_death_has_one_named_cause(code, words):
    message = death_cause(code, words, 5, 100)
    oom = any(m in words for m in (b"memory allocation of", b"MemoryError", b"Cannot allocate memory",
                                   b"out of memory"))
    assert ("memory limit of 100 MB" in message) == oom
    if not oom and code == -signal.SIGALRM:
        assert "time limit of 5 s" in message
    elif not oom and code < 0:
        assert f"signal {-code} " in message and "memory limit" not in message
    elif not oom:
        assert f"exit code {code}" in message


def test_rust_allocation_failure_is_the_memory_limit():
    """What pyoxigraph prints when RLIMIT_AS stops an allocation (then it aborts: SIGABRT)."""
    words = b"memory allocation of 360 bytes failed\nstack backtrace:\n"
    assert "memory limit of 512 MB" in death_cause(-signal.SIGABRT, words, 30, 512)
    assert "SIGABRT" in death_cause(-signal.SIGABRT, b"", 30, 512)


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 2",
    "SELECT ?g WHERE { GRAPH ?g { } }",
    "SELECT * WHERE { GRAPH <https://w3id.org/alskg/graph/schema> { ?s ?p ?o } } LIMIT 2",
])
@pytest.mark.parametrize("isolate", [False, True])
def test_graph_on_rdflib_is_a_clear_refusal(real_kg, text, isolate):
    with pytest.raises(QueryError, match="uses GRAPH, which the rdflib engine cannot answer.*--engine oxigraph") as err:
        run(QueryDef("g", text), {}, real_kg.engines, "rdflib", isolate=isolate)
    assert "ConjunctiveGraph" not in str(err.value)
    assert run(QueryDef("g", text), {}, real_kg.engines, "oxigraph", isolate=False).rows, "Oxigraph answers it"


def test_graph_on_rdflib_from_the_cli(real_seeds):
    r = invoke("query", "-", "--engine", "rdflib", "--seeds", str(real_seeds),
               input="SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1")
    assert r.returncode == 1 and "uses GRAPH" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_ill_typed_and_infinite_numbers_print_as_valid_json(real_kg, engine):
    """``"abc"^^xsd:integer`` crashed ``--format json`` (a traceback), and INF/NaN doubles were
    written as ``Infinity``/``NaN``, which is not JSON; both are now their text."""
    import json

    from kg.query import format_result

    q = QueryDef("n", 'PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n'
                      'SELECT (xsd:double("INF") AS ?x) (xsd:double("NaN") AS ?y) ("abc"^^xsd:integer AS ?z) '
                      '("42"^^xsd:integer AS ?n) {}')
    res = run(q, {}, real_kg.engines, engine, isolate=False)
    (row,) = json.loads(format_result(res, "json"), parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))["rows"]
    assert row["z"] == "abc" and row["n"] == 42
    assert isinstance(row["x"], str) and isinstance(row["y"], str)
