"""Load test, run by hand (never in CI): N parallel clients against `alskg serve` on loopback for T seconds.

    python benchmarks/bench_server_load.py [--clients 50] [--seconds 600] [--timeout-s 10] [--seeds DIR]
                                           [--slow-clients 300]

Starts the real `alskg serve` in a child process on a free 127.0.0.1 port (loopback only), then
each client sends a few quick queries (and the shipped ones that answer within 50 ms) in turn over one
kept-alive connection and checks every answer against the first answer to the same query (a
wrong or cut-off answer counts as an error). Prints requests per second, p50/p99 latency, errors
by kind, how often the Oxigraph server was restarted, and whether `alskg serve` survived (still
running and answering at the end). With ``--slow-clients N``, N more connections play slowloris the
whole time (half-sent requests, one more header byte a second, reopened when the server drops
them): the real clients must see no errors.

Before issue 13, Oxigraph's server on its own aborted after about 16,300 queries from 50 clients.
Measured on the development container (2 cores, 23 GB), the guard in front (8 queries at once):

    50 clients x 60 s (7 quick queries in turn): 4,615 requests (76/s), p50 596 ms, p99 1,976 ms,
    0 errors, 0 restarts of Oxigraph, survived.
    50 clients x 600 s, Oxigraph still run with its own --timeout-s: 292,696 requests (488/s), but
    206,262 HTTP 500 "Resource temporarily unavailable" — its per-query timer threads piled up.
    50 clients x 600 s after the fix (the guard enforces the limit; no --timeout-s for Oxigraph), on a
    machine also running two other jobs: 70,589 requests (118/s), p50 396 ms, p99 1,180 ms, 0 errors,
    0 restarts, survived.
    Slowloris (issue 13 re-test), 30 s each on the same machine under a load average of 11 (other
    jobs): 50 clients alone 1,234 requests, p50 1,182 ms, 0 errors; 50 clients with 300 slow
    clients 799 requests, p50 1,732 ms, 0 errors, the slow ones dropped 749 times, survived.
    Before the fix, 256 half-sent requests made every other client get 503.
    After the issue-13 re-test fixes (one spawner thread, per-part deadlines), 50 clients x 600 s with
    100 slow clients held half-open the whole time, niced, beside a clean-clone CI run and two other
    jobs (load average 6-20): 27,766 requests (46/s), p50 1,028 ms, p99 2,912 ms, 0 errors, 0 restarts,
    the slow ones dropped 4,610 times, survived.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

CHEAP = [
    "ASK { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?c a <https://w3id.org/alskg/schema/Claim> }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label LIMIT 50",
    "SELECT DISTINCT ?t WHERE { ?s a ?t } ORDER BY ?t",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(conn: http.client.HTTPConnection, query: str) -> tuple[int, bytes]:
    conn.request("GET", "/query?" + urllib.parse.urlencode({"query": query}),
                 headers={"Accept": "application/sparql-results+json"})
    resp = conn.getresponse()
    return resp.status, resp.read()


def _wait_answering(port: int, proc: subprocess.Popen, wait_s: float = 120) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"alskg serve exited with {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if _get(conn, "ASK {}")[0] == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("alskg serve did not answer in time")


def _slowloris(port: int, n: int, stop_at: float, dropped: collections.Counter) -> None:
    """Hold ``n`` half-sent requests open until ``stop_at``: one more header byte per second each,
    and a new one for every connection the server drops."""
    socks: list[socket.socket] = []
    while time.monotonic() < stop_at:
        while len(socks) < n:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                socks.append(s)
            except OSError:
                dropped["dropped"] += 1
                break
        kept = []
        for s in socks:
            try:
                s.sendall(b"a")
                kept.append(s)
            except OSError:
                dropped["dropped"] += 1
                s.close()
        socks = kept
        time.sleep(1)
    for s in socks:
        s.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--timeout-s", type=int, default=10)
    ap.add_argument("--seeds", type=Path, default=None)
    ap.add_argument("--slow-clients", type=int, default=0, help="half-open slowloris connections held meanwhile")
    args = ap.parse_args()
    if not (1 <= args.clients <= 500 and 0 < args.seconds <= 3600 and 0 <= args.slow_clients <= 1000):
        sys.exit("choose 1-500 clients, at most 3600 seconds and at most 1000 slow clients")

    from kg.query import shipped_queries

    shipped = [q.text for q in shipped_queries() if not any(p.required for p in q.params)]
    port = _free_port()
    cmd = [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--timeout-s", str(args.timeout_s), *(["--seeds", str(args.seeds)] if args.seeds else [])]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ}, start_new_session=True)
    try:
        _wait_answering(port, server)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        expected = {}
        for q in [*CHEAP, *shipped]:
            t = time.perf_counter()
            status, body = _get(conn, q)
            assert status == 200, (status, body[:200])
            if q in CHEAP or time.perf_counter() - t < 0.05:  # sustained load: the quick ones
                expected[q] = body
        conn.close()
        queries = list(expected)

        latencies: list[float] = []
        errors: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client(i: int) -> None:
            mine, bad = [], collections.Counter()
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout_s + 30)
            n = i
            while time.monotonic() < stop_at:
                q = queries[n % len(queries)]
                n += 1
                t = time.perf_counter()
                try:
                    status, body = _get(c, q)
                except (OSError, http.client.HTTPException) as exc:
                    bad[type(exc).__name__] += 1
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=args.timeout_s + 30)
                    continue
                mine.append(time.perf_counter() - t)
                if status != 200:
                    bad[f"HTTP {status}"] += 1
                elif body != expected[q]:
                    bad["wrong answer"] += 1
            c.close()
            with lock:
                latencies.extend(mine)
                errors.update(bad)

        dropped = collections.Counter()
        slow = threading.Thread(target=_slowloris, args=(port, args.slow_clients, stop_at, dropped), daemon=True)
        slow.start()
        start = time.monotonic()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        alive = server.poll() is None
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            answering = _get(c, queries[0]) == (200, expected[queries[0]])
        except OSError:
            answering = False
    finally:
        server.terminate()
        try:
            _, err = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()

    lat = sorted(latencies)
    total = len(lat) + sum(v for k, v in errors.items() if not k.startswith("HTTP") and k != "wrong answer")
    print(f"{args.clients} clients x {args.seconds:g} s ({len(queries)} queries in turn)")
    print(f"requests: {total}  ({total / elapsed:.0f}/s)")
    if lat:
        print(f"latency:  p50 {statistics.median(lat) * 1000:.1f} ms  "
              f"p99 {lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000:.1f} ms  max {lat[-1] * 1000:.0f} ms")
    print(f"errors:   {sum(errors.values())} {dict(errors) if errors else ''}")
    print(f"restarts of the Oxigraph server: {err.count('restarted it')}")
    if args.slow_clients:
        print(f"slow clients: {args.slow_clients} held half-open; the server dropped them {dropped['dropped']} times")
    print(f"survived: {'yes' if alive and answering else 'NO'} (alskg serve running: {alive}, answering: {answering})")


if __name__ == "__main__":
    main()
