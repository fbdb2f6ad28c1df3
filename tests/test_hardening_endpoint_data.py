"""A hostile or broken endpoint's data: numbers it sends where counts belong, literals that would
expand without bound, and entities it refers to without describing (hostile re-test, session 16)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import free_port, invoke
from kg.query import XSD, QueryError, _canon
from kg.remote import _count
from kg.server import running_server


@pytest.mark.parametrize("value", ["1e999999999", "NaN", "INF", "-INF", "9" * 5000, "1_000", " 0x1A"])
def test_odd_integer_forms_are_printed_as_sent_and_quickly(value):
    start = time.monotonic()
    assert _canon(value, XSD + "integer") == value
    assert time.monotonic() - start < 1


def test_integer_forms_xsd_allows_are_canonical():
    assert _canon("+007", XSD + "integer") == "7"
    assert _canon("1.50", XSD + "decimal") == "1.5"
    assert _canon("1e5", XSD + "decimal") == "1e5"  # not an xsd:decimal form: as sent


@pytest.mark.parametrize("value", ["NaN", "INF", "-715", "1e3", "abc", "", "1" * 40])
def test_a_count_that_is_not_a_count_is_a_clear_error(value):
    with pytest.raises(QueryError, match="where a count belongs"):
        _count(value, "http://127.0.0.1:1/")


def test_counts_are_read(real_kg):
    assert _count(" 42 ") == 42


def test_an_endpoint_that_refers_to_an_entity_it_does_not_describe_is_a_clear_error(real_kg, tmp_path):
    gone = "<https://w3id.org/alskg/entity/nitric_oxide> "
    lines = [x for x in real_kg.nq_path.read_text(encoding="utf-8").splitlines() if not x.startswith(gone)]
    nq = tmp_path / "partial.nq"
    nq.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with running_server(nq, port=free_port(), wait_s=30) as server:
        for args in (("neighbors", "microglia"), ("show", "microglia")):
            r = invoke(*args, "--endpoint", server.url)
            assert r.returncode == 1, (args, r.stderr)
            assert "does not describe" in r.stderr and "Traceback" not in r.stderr


def test_a_warm_cache_does_not_let_a_link_out_of_the_seeds_through(seeds_copy, tmp_path):
    """The same bytes behind a link that leads out of the seeds must not find an earlier build's entry
    (the reader refuses such links; a warm cache skipped the reader)."""
    assert invoke("show", "SOD1", "--seeds", str(seeds_copy)).returncode == 0  # warms the cache
    claims = sorted((seeds_copy / "claims").glob("*.yaml"))[0]
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(claims.read_bytes())
    claims.unlink()
    claims.symlink_to(outside)
    r = invoke("show", "SOD1", "--seeds", str(seeds_copy))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "outside" in r.stderr or "leads out" in r.stderr, r.stderr


class _Redirect(BaseHTTPRequestHandler):
    target = ""
    code = 302

    def _answer(self) -> None:
        self.send_response(self.code)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ["http://127.0.0.1:9/sparql", "file:///etc/passwd"])
def test_a_redirect_is_named_with_its_target(code, target):
    handler = type("R", (_Redirect,), {"target": target, "code": code})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        r = invoke("stats", "--endpoint", f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"redirected (HTTP {code}) to '{target}'" in r.stderr, r.stderr
