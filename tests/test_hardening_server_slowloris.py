"""Issue 13, re-test: 256 half-sent requests locked every other client out of ``alskg serve`` (one
thread per connection, a per-read timeout that every trickled byte restarts). Now each part of a
request has a deadline, half-open connections are displaced by new ones instead of refusing them,
and the query slots are taken only by requests read whole. Raw sockets on loopback."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from helpers import ask_server, free_port
from kg.server import MAX_CONNECTIONS, Deadlines, running_server

pytestmark = pytest.mark.server

HALF = b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@pytest.fixture(scope="module")
def server(real_kg):
    deadlines = Deadlines(head_s=2.0, body_s=2.0, idle_s=2.0)
    with running_server(real_kg.nq_path, port=free_port(), wait_s=30, timeout_s=5, max_parallel=2,
                        deadlines=deadlines) as srv:
        yield srv


def _port(server) -> int:
    return server.front.server_address[1]




def _half_open(port: int, n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(HALF)
        socks.append(s)
    return socks


def _closed_by_server_within(s: socket.socket, seconds: float, drip: bytes = b"") -> float | None:
    """Seconds until the server closes ``s`` (while we drip a byte every 0.25 s), or None."""
    start = time.monotonic()
    s.settimeout(0.25)
    i = 0
    while time.monotonic() - start < seconds:
        try:
            if s.recv(4096) == b"":
                return time.monotonic() - start
            return time.monotonic() - start  # an answer such as 408: it is dropping us
        except TimeoutError:
            pass
        except OSError:
            return time.monotonic() - start
        if drip:
            try:
                s.sendall(drip[i % len(drip): i % len(drip) + 1])
            except OSError:
                return time.monotonic() - start
            i += 1
    return None


def test_slowloris_does_not_lock_out_a_real_client(server):
    port = _port(server)
    socks = _half_open(port, MAX_CONNECTIONS + 44)
    try:
        start = time.monotonic()
        status, body = ask_server(port)
        assert status == 200 and b"true" in body, (status, body[:200])
        assert time.monotonic() - start < 8
        # and again, while the half-open ones keep coming
        more = _half_open(port, 50)
        socks += more
        assert ask_server(port)[0] == 200
    finally:
        for s in socks:
            s.close()


def test_a_client_trickling_its_headers_is_dropped_at_the_deadline(server):
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=5) as s:
        s.sendall(HALF)
        took = _closed_by_server_within(s, 10, drip=b"abcdefgh")
    assert took is not None, "a client sending one byte every 0.25 s kept its connection past the head deadline"
    assert took < 6


def test_a_client_trickling_its_body_is_dropped_at_the_deadline(server):
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=5) as s:
        s.sendall(b"POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                  b"Content-Length: 1000\r\n\r\nASK")
        took = _closed_by_server_within(s, 10, drip=b" ")
    assert took is not None and took < 6


def test_an_idle_connection_is_closed(server):
    with socket.create_connection(("127.0.0.1", _port(server)), timeout=5) as s:
        took = _closed_by_server_within(s, 10)
    assert took is not None and took < 6


def test_half_open_connections_do_not_take_the_query_slots(server):
    """With every connection but a few half-open, parallel real queries all get answers."""
    port = _port(server)
    socks = _half_open(port, MAX_CONNECTIONS)
    results: list[int] = []
    try:
        threads = [threading.Thread(target=lambda: results.append(ask_server(port, timeout=20)[0])) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in socks:
            s.close()
    assert results == [200] * 8, results


def test_a_complete_request_still_works_after_the_storm(server):
    assert ask_server(_port(server))[0] == 200
    c = http.client.HTTPConnection("127.0.0.1", _port(server), timeout=10)
    c.request("POST", "/query", body=b"ASK { ?s ?p ?o }", headers={"Content-Type": "application/sparql-query"})
    resp = c.getresponse()
    assert resp.status == 200 and b"true" in resp.read()


def test_an_answer_that_streams_slowly_from_oxigraph_is_stopped_at_the_time_limit(tmp_path):
    """The guard's time limit is one deadline for the whole answer: a query whose rows trickle out
    of Oxigraph (a row now and then, each within a per-read timeout) is stopped, not waited for.
    Oxigraph's place is taken by a real loopback server that streams a row every 0.2 s."""
    from pathlib import Path

    from kg.server import Upstream, _Front

    upstream_sock = socket.socket()
    upstream_sock.bind(("127.0.0.1", 0))
    upstream_sock.listen(4)

    def trickle() -> None:
        conn, _ = upstream_sock.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            row = b'{"n":{"type":"literal","value":"1"}},'
            try:
                for _ in range(75):  # 15 s in all
                    conn.sendall(b"%x\r\n%s\r\n" % (len(row), row))
                    time.sleep(0.2)
            except OSError:
                pass

    threading.Thread(target=trickle, daemon=True).start()
    upstream = Upstream(Path(tmp_path), timeout_s=1, max_memory_mb=64, wait_s=1)
    upstream.port = upstream_sock.getsockname()[1]  # no process: restart() of a port it did not start is a no-op
    front = _Front(("127.0.0.1", 0), upstream, 1, 2, False)
    threading.Thread(target=front.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        start = time.monotonic()
        status, body = ask_server(front.server_address[1], timeout=30)
        took = time.monotonic() - start
    finally:
        front.shutdown()
        front.server_close()
        upstream_sock.close()
    assert status == 504 and b"time limit of 1 s" in body, (status, body[:200])
    assert took < 6
