"""Issue 13, re-test: a hostile SPARQL endpoint cannot hold ``query --endpoint`` past its time limit
(by dripping bytes, which urllib's per-read timeout never stops) or past its size cap, and an answer
of the wrong shape is refused saying what it was: a boolean to a SELECT, rows to an ASK, HTML or XML
instead of SPARQL JSON, a malformed head, binding or term. Real loopback servers in threads."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import invoke
from kg.query import QueryDef, QueryError, _read_results, run_remote

SELECT = QueryDef("q", "SELECT ?n WHERE { ?s ?p ?n }")
ASK = QueryDef("a", "# an ASK in a comment: SELECT\nASK { ?s ?p ?o }")


def _serve(handler) -> Iterator[str]:
    """A raw TCP server on loopback: ``handler(conn)`` answers each connection in its own thread."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=_answer, args=(handler, conn), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.getsockname()[1]}/query"
    finally:
        stop.set()
        srv.close()


def _answer(handler, conn: socket.socket) -> None:
    with conn:
        conn.settimeout(30)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(next((h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")),
                              b"0"))
            while len(body) < length:
                body += conn.recv(65536)
            handler(conn)
        except OSError:
            pass


def _drip(conn: socket.socket, data: bytes, every: float, for_at_most: float = 12.0) -> None:
    end = time.monotonic() + for_at_most
    for i in range(len(data)):
        if time.monotonic() > end:
            return
        conn.sendall(data[i:i + 1])
        time.sleep(every)


OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
VALID = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'


def _drip_body(conn):
    body = VALID * 50
    conn.sendall(OK_HEAD + b"Content-Length: %d\r\n\r\n" % len(body))
    _drip(conn, body, 0.05)


def _drip_headers(conn):
    _drip(conn, b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 2000 + b"\r\n\r\n", 0.05)


def _silent(conn):
    time.sleep(12)


def _endless_chunks(conn):
    conn.sendall(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"[" * 4096
    for _ in range(10_000):
        conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))


def _announces_too_much(conn):
    conn.sendall(OK_HEAD + b"Content-Length: 999999999\r\n\r\n" + VALID)


def _closes_early(conn):
    conn.sendall(OK_HEAD + b"Content-Length: %d\r\n\r\n" % (2 * len(VALID)) + VALID)


def _chunked_cut(conn):
    conn.sendall(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n" % (len(VALID), VALID))


def _valid(conn):
    conn.sendall(OK_HEAD + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(VALID) + VALID)


@pytest.fixture(scope="module")
def endpoints() -> Iterator[dict[str, str]]:
    handlers = {"drip_body": _drip_body, "drip_headers": _drip_headers, "silent": _silent,
                "endless": _endless_chunks, "announces": _announces_too_much, "closes_early": _closes_early,
                "chunked_cut": _chunked_cut, "valid": _valid}
    gens = {name: _serve(h) for name, h in handlers.items()}
    urls = {name: next(g) for name, g in gens.items()}
    yield urls
    for g in gens.values():
        g.close()


@pytest.mark.parametrize("name", ["drip_body", "drip_headers", "silent"])
def test_a_slow_endpoint_is_stopped_at_the_total_deadline(endpoints, name):
    start = time.monotonic()
    with pytest.raises(QueryError, match=r"did not answer within the time limit of 1 s") as err:
        run_remote(SELECT, {}, endpoints[name], timeout=1)
    assert time.monotonic() - start < 5, "urllib's per-read timeout let the endpoint drip past the deadline"
    if name == "drip_body":
        assert "it had sent" in str(err.value)


def test_a_slow_endpoint_through_the_cli(endpoints):
    start = time.monotonic()
    r = invoke("query", "documents", "--endpoint", endpoints["drip_body"], "--timeout-s", "1")
    assert r.returncode == 1 and "time limit of 1 s" in r.stderr and "Traceback" not in r.stderr
    assert time.monotonic() - start < 8


@pytest.mark.parametrize("name", ["endless", "announces"])
def test_an_oversized_answer_is_refused_without_reading_it_all(endpoints, name):
    start = time.monotonic()
    with pytest.raises(QueryError, match="sent more than 100,000 bytes"):
        run_remote(SELECT, {}, endpoints[name], timeout=20, max_bytes=100_000)
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("name", ["closes_early", "chunked_cut"])
def test_an_answer_cut_off_by_a_closed_connection_is_an_error(endpoints, name):
    with pytest.raises(QueryError, match="cut its answer off"):
        run_remote(SELECT, {}, endpoints[name], timeout=10)


def test_a_good_endpoint_still_answers(endpoints):
    res = run_remote(SELECT, {}, endpoints["valid"], timeout=10)
    assert res.columns == ("n",) and res.records() == [{"n": "1"}]


def test_no_watchdog_outlives_the_call(endpoints):
    before = threading.active_count()
    for _ in range(5):
        run_remote(SELECT, {}, endpoints["valid"], timeout=10)
    time.sleep(0.2)
    assert threading.active_count() <= before


# ---------------------------------------------------------------- shapes

def _j(obj) -> bytes:
    return json.dumps(obj).encode()


def _sel(bindings, vars_=("n",)) -> bytes:
    return _j({"head": {"vars": list(vars_)}, "results": {"bindings": bindings}})


LIT = {"type": "literal", "value": "x"}
WRONG = [
    # (query, content type, body, what the message must say)
    (SELECT, "application/sparql-results+json", _j({"head": {}, "boolean": True}),
     "the endpoint answered ASK-style boolean to a SELECT"),
    (ASK, "application/sparql-results+json", _sel([]), "answered rows .* to an ASK"),
    (ASK, "application/sparql-results+json", _j({"head": {}, "boolean": "maybe"}), "boolean is a string"),
    (SELECT, "text/html; charset=utf-8", b"<!DOCTYPE html><html><body>Welcome</body></html>",
     r"HTML page.*text/html, 48 bytes starting '<!DOCTYPE html>.*application/sparql-results\+json\) were expected"),
    (SELECT, "application/sparql-results+xml", b'<?xml version="1.0"?><sparql xmlns="http://www.w3.org/2005/sparql-results#">',
     r"XML.*application/sparql-results\+xml.*were expected"),
    (SELECT, "text/plain", b"Internal error: \x1b[31mboom", r"not JSON.*\\x1b"),
    (SELECT, "application/json", b"", "empty"),
    (SELECT, "application/json", b'{"head": {"vars": ["n"]}, "results": {"bindings": [}}', "not valid JSON"),
    (SELECT, "application/json", _j([1, 2]), "the answer is a list"),
    (SELECT, "application/json", b'{"head": {"vars": []}, "x": ' + b"1" * 5000 + b"}", "cannot be read as JSON"),
    (SELECT, "application/json", _j({"results": {"bindings": []}}), "it has no head"),
    (SELECT, "application/json", _j({"head": [], "results": {"bindings": []}}), "head is a list"),
    (SELECT, "application/json", _j({"head": {}, "results": {"bindings": []}}), "head has no vars list"),
    (SELECT, "application/json", _j({"head": {"vars": "n"}, "results": {"bindings": []}}), "head.vars is a string"),
    (SELECT, "application/json", _j({"head": {"vars": [1]}, "results": {"bindings": []}}), "not a variable name"),
    (SELECT, "application/json", _j({"head": {"vars": ["?n"]}, "results": {"bindings": []}}), "not a variable name"),
    (SELECT, "application/json", _j({"head": {"vars": ["n", "n"]}, "results": {"bindings": []}}), "twice"),
    (SELECT, "application/json", _j({"head": {"vars": ["n"]}}), "it has no results"),
    (SELECT, "application/json", _j({"head": {"vars": ["n"]}, "results": []}), "results is a list"),
    (SELECT, "application/json", _j({"head": {"vars": ["n"]}, "results": {}}), "results has no bindings list"),
    (SELECT, "application/json", _j({"head": {"vars": ["n"]}, "results": {"bindings": {}}}), "bindings is an object"),
    (SELECT, "application/json", _sel([5]), "binding 1 as a number"),
    (SELECT, "application/json", _sel([{"m": LIT}]), r"binding 1 binds \?m, which head.vars does not list"),
    (SELECT, "application/json", _sel([{"n": "x"}]), "a string, not an object"),
    (SELECT, "application/json", _sel([{"n": {"type": "sparkle", "value": "x"}}]), "unknown term type 'sparkle'"),
    (SELECT, "application/json", _sel([{"n": {"type": "triple", "value": {}}}]), "value is missing or not a string"),
    (SELECT, "application/json", _sel([{"n": {"type": "triple", "value": "x"}}]), "RDF-star"),
    (SELECT, "application/json", _sel([{"n": {"type": "literal"}}]), "value is missing"),
    (SELECT, "application/json", _sel([{"n": {"value": "x"}}]), "type is missing"),
    (SELECT, "application/json", _sel([{"n": {"type": "literal", "value": "x", "xml:lang": 5}}]), "must be strings"),
    (SELECT, "application/json", _sel([{"n": {"type": "literal", "value": "x", "xml:lang": "en",
                                              "datatype": "http://www.w3.org/2001/XMLSchema#string"}}]),
     "both a language tag and a datatype"),
    (SELECT, "application/json", _sel([{"n": {"type": "literal", "value": "x", "xml:lang": "en us"}}]),
     "not a language tag"),
    (SELECT, "application/json", _sel([{"n": {"type": "typed-literal", "value": "x"}}]), "without a datatype"),
    (SELECT, "application/json", _sel([{"n": {"type": "literal", "value": "x", "datatype": "int"}}]), "not an IRI"),
    (SELECT, "application/json", _sel([{"n": {"type": "uri", "value": "http://x/", "datatype": "http://y/"}}]),
     "a uri with a language tag or datatype"),
]


@pytest.mark.parametrize("query,ctype,body,expected", WRONG, ids=[w[3][:40] for w in WRONG])
def test_an_answer_of_the_wrong_shape_is_refused_saying_what_it_was(query, ctype, body, expected):
    form = "ASK" if query is ASK else "SELECT"
    with pytest.raises(QueryError, match=expected):
        _read_results(body, "http://e/q", 100, content_type=ctype, form=form)


def test_html_is_not_called_cut_off():
    with pytest.raises(QueryError) as err:
        _read_results(b"<html><body>oops</body></html>", "http://e/q", 100, content_type="text/html", form="SELECT")
    assert "cut off" not in str(err.value)


def test_a_cut_off_answer_is_still_called_cut_off():
    for body in (VALID[:-3], VALID[:40], b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"ab'):
        with pytest.raises(QueryError, match="cut off"):
            _read_results(body, "http://e/q", 100, content_type="application/sparql-results+json", form="SELECT")


def test_a_compressed_answer_nobody_asked_for_is_named():
    with pytest.raises(QueryError, match=r"compressed \(gzip\)"):
        _read_results(b"\x1f\x8b\x08\x00", "http://e/q", 100, content_type="application/json",
                      content_encoding="gzip", form="SELECT")


def test_a_bad_row_past_max_rows_is_still_refused():
    body = _sel([{"n": LIT}, {"n": {"type": "sparkle", "value": "x"}}])
    with pytest.raises(QueryError, match="unknown term type"):
        _read_results(body, "http://e/q", 1, form="SELECT")


@pytest.mark.parametrize("body,form", [
    (_sel([{"n": LIT}, {}]), "SELECT"),  # an unbound variable is simply absent
    (_sel([{"n": {"type": "typed-literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#int"}}]),
     "SELECT"),  # Virtuoso's old term type
    (_sel([{"n": {"type": "literal", "value": "x", "xml:lang": "EN-gb"}}]), "SELECT"),
    (_sel([{"n": {"type": "literal", "value": "x", "xml:lang": "en",
                  "datatype": "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}}]), "SELECT"),
    (_sel([{"n": {"type": "bnode", "value": "b0"}}]), "SELECT"),
    (b"\xef\xbb\xbf" + _sel([]), "SELECT"),  # a byte-order mark
    (_j({"head": {"vars": ["n"], "link": ["http://x/"]}, "results": {"bindings": []}}), None),
    (_j({"head": {}, "boolean": False}), "ASK"),
    (_j({"boolean": "1"}), None),
    (_sel([{"subject": {"type": "uri", "value": "http://x/"}}], ["subject", "predicate", "object"]), "CONSTRUCT"),
])
def test_valid_answers_are_still_read(body, form):
    res = _read_results(body, "http://e/q", 100, content_type="application/json", form=form)
    assert res.boolean is not None or all(len(r) == len(res.columns) for r in res.rows)


def test_max_rows_truncates_and_says_so():
    res = _read_results(_sel([{"n": LIT}] * 5), "http://e/q", 2, form="SELECT")
    assert len(res.rows) == 2 and res.truncated


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["head", "vars", "results", "bindings", "boolean", "type", "value",
                                         "xml:lang", "datatype", "n", "m", "link"]), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(JSON, st.sampled_from(["SELECT", "ASK", None]))
def test_any_json_is_read_or_refused_with_a_query_error(payload, form):
    try:
        res = _read_results(_j(payload), "http://e/q", 100, content_type="application/json", form=form)
    except QueryError:
        return
    if res.boolean is not None:
        assert form != "SELECT"
    else:
        assert form != "ASK" and all(len(r) == len(res.columns) for r in res.rows)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["", "text/html", "application/json", "application/xml"]))
def test_any_bytes_are_read_or_refused_with_a_query_error(body, ctype):
    try:
        _read_results(body, "http://e/q", 100, content_type=ctype, form="SELECT")
    except QueryError as exc:
        assert "\x1b" not in str(exc) and "\x00" not in str(exc)


@pytest.mark.parametrize("url,timeout,expected", [
    ("http://127.0.0.1:9/q", float("inf"), "time limit must be more than 0 and at most"),
    ("http://127.0.0.1:9/q", float("nan"), "time limit must be"),
    ("http://127.0.0.1:9/q", 1e300, "time limit must be"),
    ("http://127.0.0.1:9/q", 0, "time limit must be"),
    ("http://\x00/q", 5, "control characters"),
    ("http://a b/q", 5, "spaces"),
    ("http://[::1/q", 5, "cannot send the query"),
    ("http://127.0.0.1:abc/q", 5, "cannot reach"),
    ("http://例え.invalid/q", 5, "cannot reach"),  # IDNA, not an encoding error
])
def test_odd_urls_and_time_limits_are_clear_errors(url, timeout, expected):
    with pytest.raises(QueryError, match=expected) as err:
        run_remote(SELECT, {}, url, timeout=timeout)
    assert "codec" not in str(err.value)


@pytest.mark.parametrize("value", ["inf", "nan", "1e300"])
def test_the_cli_refuses_a_time_limit_no_clock_can_hold(real_seeds, value):
    r = invoke("query", "-", "--timeout-s", value, "--seeds", str(real_seeds), input="ASK { ?s ?p ?o }")
    assert r.returncode != 0 and "Traceback" not in r.stderr and "time" in r.stderr.lower(), r.stderr
