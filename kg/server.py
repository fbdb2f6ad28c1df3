"""A real SPARQL endpoint for the graph: Oxigraph's own server, read-only, behind a small guard.

The ``oxigraph`` package on PyPI ships Oxigraph's server binary; it speaks the SPARQL protocol
(``/query``), has a per-query timeout, and serves the union of the named graphs as the default
graph, as ``alskg query`` does. On its own it does not survive hostile load: it keeps one timer
thread per query for ``--timeout-s`` seconds (sustained parallel load exhausts memory maps and it
aborts), its timeout does not stop every query (a sort grows until memory runs out), a query that
times out mid-answer still ends with HTTP 200 and cut-off JSON, and it follows ``SERVICE`` to any
address. So the binary listens on a private loopback port and this module puts a guard in front
on the public address:

* every query is checked before Oxigraph sees it (``kg.sparql_guard``: size, nesting, ``SERVICE``
  refused unless ``allow_service``); only ``/query`` is passed on, so nothing can write;
* at most ``max_parallel`` queries reach Oxigraph at once (more wait their turn, then get 503),
  and at most ``MAX_CONNECTIONS`` connections are served at once;
* slow clients cannot lock others out: each part of a request (idle wait, head, body) and each
  answer sent has a total deadline, not a per-read timeout that every trickled byte restarts; a
  new connection displaces the one that has waited longest on its client rather than being
  refused; and the query slots are taken only by requests read whole (``_Front``);
* an answer is read whole (size-capped, within one deadline) before it is sent on, and an answer
  Oxigraph cut off at its time limit becomes a 503 error, never a shorter 200;
* Oxigraph runs under an address-space limit, and a supervisor restarts it whenever it dies (out
  of memory, too many threads, a crash); a query that met a dead Oxigraph is retried once;
* Oxigraph dies with alskg, even on ``kill -9``: every start goes through ``kg.children`` (one
  long-lived thread, a parent-death signal), and a restart racing with a stop starts nothing.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import io
import json
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kg import children
from kg.model import AlskgError
from kg.sparql_guard import MAX_QUERY_CHARS, QueryError, check_query

STORE_DIR = "oxigraph-store"
READY_MARK = ".loaded"
DEFAULT_TIMEOUT_S = 10
DEFAULT_MAX_PARALLEL = 8
DEFAULT_MAX_MEMORY_MB = 4096  # Oxigraph's address space; past it, it dies and is restarted
MAX_CONNECTIONS = 256
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
MAX_RESTARTS_PER_MINUTE = 30
# A client gets this long for each part of a request, however it trickles its bytes in (a
# per-read timeout restarts with every byte, so a client sending one byte every few seconds would
# hold its connection for ever): the request line and headers, from their first byte ...
HEAD_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 20.0  # ... the body (at most 400 kB), from the end of the headers ...
IDLE_TIMEOUT_S = 30.0  # ... and a kept-alive connection waiting for its next request.
SEND_TIMEOUT_S = 30.0  # an answer, plus a second per SEND_MIN_RATE bytes: a client that reads too slowly is dropped
SEND_MIN_RATE = 64 * 1024
EVICT_WAIT_S = 2.0  # how long a new connection waits for the slot of the slow one it displaced
_CANCELLED = b"The SPARQL operation has been cancelled"


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable installed beside this Python, or on PATH."""
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not found:
        raise AlskgError("the Oxigraph server is not installed; install it with: pip install oxigraph")
    return found


def prepare_store(nq_path: Path) -> Path:
    """An Oxigraph store holding the graph, built next to the cached N-Quads on first use."""
    nq_path = Path(nq_path)
    store = nq_path.parent / STORE_DIR
    if (store / READY_MARK).is_file():
        return store
    tmp = Path(tempfile.mkdtemp(prefix=".store-", dir=nq_path.parent))
    try:
        proc = subprocess.run([oxigraph_binary(), "load", "--location", str(tmp), "--file", str(nq_path)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise AlskgError(f"oxigraph could not load {nq_path}: {proc.stderr.strip()[-500:]}")
        (tmp / READY_MARK).write_text("ok\n", encoding="utf-8")
        shutil.rmtree(store, ignore_errors=True)
        tmp.replace(store)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return store


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Upstream:
    """The Oxigraph server process on a private loopback port, restarted whenever it dies."""

    def __init__(self, store: Path, timeout_s: int, max_memory_mb: int, wait_s: float) -> None:
        self.store, self.timeout_s, self.max_memory_mb, self.wait_s = store, timeout_s, max_memory_mb, wait_s
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.restarts: list[float] = []
        self._lock = threading.Lock()
        self._children: list[subprocess.Popen] = []  # every Oxigraph started, until stop() ends them
        self._children_lock = threading.Lock()
        self._stopping = False
        self.last_death = ""  # how the last Oxigraph that died ended, for the supervisor's message

    def _started(self, proc: subprocess.Popen) -> None:
        """In the spawner thread, right after the start: register the child (or end it if stop()
        already ran), so no signal in another thread can leave an Oxigraph nobody stops."""
        if hasattr(resource, "prlimit"):  # Linux: set before the store is opened and queries arrive
            limit = self.max_memory_mb * 1024 * 1024
            with contextlib.suppress(OSError):
                resource.prlimit(proc.pid, resource.RLIMIT_AS, (limit, limit))
        with self._children_lock:
            self._children = [p for p in self._children if p.poll() is None] + [proc]
            stopping = self._stopping
        if stopping:
            proc.kill()
        threading.Thread(target=_drain, args=(proc,), daemon=True).start()

    def start(self) -> None:
        """Start Oxigraph on a new private port and wait until it answers. The process is started by
        ``kg.children`` (from one long-lived thread, with a death signal): it dies with alskg even on
        ``kill -9``, and a restart from a request thread does not tie it to that thread's life."""
        if self._stopping:
            raise AlskgError("the SPARQL server is stopping")
        self.port = _free_loopback_port()
        proc = children.popen(_command(self.store, "127.0.0.1", self.port, self.timeout_s), on_start=self._started,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.proc = proc
        _wait_ready(proc, "127.0.0.1", self.port, self.wait_s)

    def ensure(self, dying_s: float = 0.0) -> bool:
        """Start Oxigraph again if it died (True if it was restarted); refuses a restart loop. With
        ``dying_s`` (a request just failed to reach it) a process that is still running is given that
        long to finish dying: a killed Oxigraph refuses connections a moment before it can be reaped,
        and a request that came in that moment was answered 503 instead of being served after a restart."""
        proc = self.proc
        if dying_s and proc is not None:  # waited for outside the lock: other requests go on meanwhile
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=dying_s)
        with self._lock:
            if self.proc is not None and self.proc.poll() is None:
                return False
            if self.proc is not None:
                self.last_death = exit_cause(self.proc.returncode)
            now = time.monotonic()
            self.restarts = [t for t in self.restarts if now - t < 60] + [now]
            if len(self.restarts) > MAX_RESTARTS_PER_MINUTE:
                raise AlskgError(f"the SPARQL server died {len(self.restarts)} times within a minute; giving up")
            self.start()
            return True

    def restart(self, port_seen: int) -> None:
        """Kill Oxigraph and start it again: the one way to stop a query that overran its time limit
        (its evaluation cannot be interrupted). Not counted as a death; a no-op if another thread has
        already restarted the process serving ``port_seen``."""
        with self._lock:
            if self.port != port_seen or self.proc is None:
                return
            self.proc.kill()
            self.proc.wait()
            self.start()

    def stop(self) -> None:
        """End every Oxigraph this supervisor started (one being started right now included: it
        sees ``_stopping`` when it registers). Takes no lock a restart may hold."""
        with self._children_lock:
            self._stopping = True
            alive = [p for p in self._children if p.poll() is None]
        for proc in alive:
            proc.terminate()
        for proc in alive:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def exit_cause(code: int | None) -> str:
    """How a process ended, as words: 'killed by signal 11 (SIGSEGV)' or 'exit code 1'."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown"
        return f"killed by signal {-code} ({name})"
    return f"exit code {code}"


def _drain(proc: subprocess.Popen) -> None:
    """Read Oxigraph's stderr so a chatty server never blocks on a full pipe (last lines kept)."""
    if proc.stderr is None:
        return
    with contextlib.suppress(OSError, ValueError):
        for _ in proc.stderr:
            pass


def _wait_ready(proc: subprocess.Popen, host: str, port: int, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AlskgError(f"the SPARQL server did not start (exit code {proc.returncode})")
        if _answers(host, port):
            return
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AlskgError(f"the SPARQL server did not answer on {host}:{port} within {wait_s:.0f} s")


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Deadlines:
    """How long a client may take over each part of a request (see HEAD_TIMEOUT_S and the others)."""

    head_s: float = HEAD_TIMEOUT_S
    body_s: float = BODY_TIMEOUT_S
    idle_s: float = IDLE_TIMEOUT_S
    send_s: float = SEND_TIMEOUT_S


class _Reader(io.RawIOBase):
    """The socket as the handler reads it, with one deadline per phase instead of per read: the
    socket's timeout is set to what is left before every read. ``arm`` starts the idle wait for a
    request, which becomes the head deadline at its first byte; ``body`` starts the body's."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.deadline = time.monotonic() + HEAD_TIMEOUT_S
        self._then: float | None = None
        self.evicted = False  # set by the server when it displaces this connection

    def readable(self) -> bool:
        return True

    def arm(self, idle_s: float, head_s: float) -> None:
        self.deadline, self._then = time.monotonic() + idle_s, head_s

    def body(self, body_s: float) -> None:
        self.deadline, self._then = time.monotonic() + body_s, None

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the client took too long to send its request")
        self.sock.settimeout(left)
        n = self.sock.recv_into(buffer)
        if not n and self.evicted:  # not the end of a request: it was cut short by the server
            raise TimeoutError("the connection was displaced by a new one while its request was incomplete")
        if n and self._then is not None:  # the request's first byte: from now on, the head deadline
            self.deadline, self._then = time.monotonic() + self._then, None
        return n


class _Writer(io.BufferedIOBase):
    """The socket as the handler writes it: each write must be done within a deadline that grows
    with its size (``sendall``'s timeout is for the whole call), so a client that does not read
    cannot hold its thread."""

    def __init__(self, sock: socket.socket, send_s: float) -> None:
        super().__init__()
        self.sock, self.send_s = sock, send_s

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        with memoryview(data) as view:
            n = view.nbytes
        self.sock.settimeout(self.send_s + n / SEND_MIN_RATE)
        self.sock.sendall(data)
        return n


class _Front(ThreadingHTTPServer):
    """The public address: one thread per connection, at most ``max_connections`` at once.

    Slow clients cannot lock others out. Every part of a request has a deadline (``Deadlines``),
    and the query slots are taken only once a request has been read whole. A connection that is
    waiting on its client (idle, or sending its request) is *waiting*; when every connection is
    taken, a new one displaces the waiting connection that has waited longest, so hundreds of
    half-sent requests (slowloris) cost a real client at most a moment, never a refusal. Only
    when every connection is busy with a real query does a new one get 503."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, addr: tuple[str, int], upstream: Upstream, timeout_s: int, max_parallel: int,
                 allow_service: bool, deadlines: Deadlines | None = None,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.upstream, self.timeout_s, self.allow_service = upstream, timeout_s, allow_service
        self.deadlines = deadlines or Deadlines()
        self.slots = threading.BoundedSemaphore(max_parallel)
        self.connections = threading.BoundedSemaphore(max_connections)
        self.local = threading.local()
        self._waiting: dict[socket.socket, float] = {}  # connection -> since when it waits on its client
        self._readers: dict[socket.socket, _Reader] = {}
        self._waiting_lock = threading.Lock()
        self.evicted = 0
        super().__init__(addr, _Handler)

    def waiting(self, conn: socket.socket, now: bool) -> None:
        with self._waiting_lock:
            if now:
                self._waiting[conn] = time.monotonic()
            else:
                self._waiting.pop(conn, None)

    def reading(self, conn: socket.socket, reader: _Reader | None) -> None:
        with self._waiting_lock:
            if reader is None:
                self._readers.pop(conn, None)
            else:
                self._readers[conn] = reader

    def _evict_one(self) -> bool:
        """Drop the connection that has waited longest on its client (its reads end at once)."""
        with self._waiting_lock:
            if not self._waiting:
                return False
            victim = min(self._waiting, key=self._waiting.__getitem__)
            del self._waiting[victim]
            self.evicted += 1
            reader = self._readers.get(victim)
            if reader is not None:
                reader.evicted = True
        with contextlib.suppress(OSError):
            victim.shutdown(socket.SHUT_RDWR)
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.connections.acquire(blocking=False) and not (
                self._evict_one() and self.connections.acquire(timeout=EVICT_WAIT_S)):
            with contextlib.suppress(OSError):
                request.settimeout(1)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self.shutdown_request(request)
            return
        self.waiting(request, True)  # from the accept on, until its first request has been read
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.waiting(request, False)
            self.reading(request, None)
            self.connections.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-request (reset, evicted) is routine: no traceback on stderr."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def forward(self, method: str, target: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, str, bytes]:
        """Send one query to Oxigraph over this thread's kept-alive connection; retry if it died.

        The time limit is one deadline for the whole answer, checked between chunks (a per-read
        timeout would let a query that streams a row now and then run for ever)."""
        deadline = time.monotonic() + self.timeout_s
        for attempt in (0, 1, 2):  # a stale kept-alive connection, then a dying Oxigraph, may each cost one
            conn = getattr(self.local, "conn", None)
            port = self.upstream.port
            if conn is None or getattr(self.local, "port", None) != port:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout_s)
                self.local.conn, self.local.port = conn, port
            try:
                conn.request(method, target, body=body, headers=headers)
                sock = conn.sock
                _time_left(sock, deadline)
                resp = conn.getresponse()
                data = _read_by(resp, sock, deadline)
                return resp.status, resp.getheader("Content-Type", "application/octet-stream"), data
            except _Refusal:
                conn.close()
                self.local.conn = None
                raise
            except TimeoutError:
                conn.close()
                self.local.conn = None
                self.upstream.restart(port)  # stops the runaway query; other queries are retried on the new one
                raise _Refusal(504, f"the query did not finish within the time limit of {self.timeout_s} s") from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    break
                self.upstream.ensure(dying_s=1.0 if isinstance(exc, ConnectionRefusedError) else 0.0)
        raise _Refusal(503, "the SPARQL server is restarting; try again")


def _time_left(sock: socket.socket | None, deadline: float) -> None:
    """Give the next read on ``sock`` only what is left of the deadline (TimeoutError if nothing)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the query's time limit passed")
    if sock is not None:
        sock.settimeout(left)


def _read_by(resp: http.client.HTTPResponse, sock: socket.socket | None, deadline: float) -> bytes:
    """Oxigraph's whole answer, read in chunks before ``deadline`` and capped at MAX_RESPONSE_BYTES."""
    chunks, total = [], 0
    while True:
        _time_left(sock, deadline)
        chunk = resp.read1(1 << 16)
        if not chunk:
            if resp.length:  # the connection ended before the announced length: Oxigraph died mid-answer
                raise http.client.IncompleteRead(b"".join(chunks), resp.length)
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_RESPONSE_BYTES:
            resp.close()
            raise _Refusal(507, "the answer is too large to send; add a LIMIT to the query")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Front
    timeout = 120  # the socket's timeout before the first deadline is set (see _Reader)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the base class's reader: it holds a reference that keeps the socket open
        self.reader = _Reader(self.connection)
        self.server.reading(self.connection, self.reader)
        self.rfile = io.BufferedReader(self.reader)
        self.wfile = _Writer(self.connection, self.server.deadlines.send_s)

    def handle_one_request(self) -> None:
        """One request under the deadlines: idle until its first byte, then the head's (the body's is
        set in do_POST). A client past a deadline is dropped (the base class closes on TimeoutError)."""
        d = self.server.deadlines
        self.server.waiting(self.connection, True)
        self.reader.arm(d.idle_s, d.head_s)
        super().handle_one_request()

    def _read_whole(self) -> None:
        """The request is in: this connection no longer waits on its client, so it is not displaced."""
        self.server.waiting(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - the base class's naming
        self._read_whole()
        self._query(None)

    def do_POST(self) -> None:  # noqa: N802
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > 4 * MAX_QUERY_CHARS + 4096:
            self._read_whole()
            self._send(413 if length and length.isdigit() else 411,
                       "send the query with a Content-Length of at most 400 kB", close=True)
            return
        self.reader.body(self.server.deadlines.body_s)
        body = self.rfile.read(int(length))
        if len(body) < int(length):  # the client closed its side (or was displaced) mid-body
            self.close_connection = True
            return
        self._read_whole()
        self._query(body)

    def _query(self, body: bytes | None) -> None:
        try:
            target = self._checked(body)
            if not self.server.slots.acquire(timeout=self.server.timeout_s):
                raise _Refusal(503, "the server is busy; try again")
            try:
                headers = {"Accept": self.headers.get("Accept", "application/sparql-results+json")}
                if body is not None:
                    headers["Content-Type"] = self.headers.get("Content-Type", "")
                status, ctype, data = self.server.forward(self.command, target, body, headers)
            finally:
                self.server.slots.release()
            if status == 200 and _cut_off(ctype, data):
                raise _Refusal(503, f"the query was stopped at the time limit of {self.server.timeout_s} s; "
                                    f"no partial answer is sent")
        except _Refusal as r:
            self._send(r.status, r.message)
            return
        except AlskgError as exc:  # the supervisor gave up
            self._send(503, str(exc))
            return
        self._send(status, data, ctype)

    def _checked(self, body: bytes | None) -> str:
        """The upstream target after the query is checked (raises _Refusal)."""
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/query":
            raise _Refusal(404, "only /query is served (read-only SPARQL)")
        try:
            fields = urllib.parse.parse_qs(url.query, strict_parsing=False, errors="strict")
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if body is not None and ctype == "application/x-www-form-urlencoded":
                for k, v in urllib.parse.parse_qs(body.decode("utf-8"), errors="strict").items():
                    fields.setdefault(k, []).extend(v)
            elif body is not None and ctype == "application/sparql-query":
                fields.setdefault("query", []).append(body.decode("utf-8"))
            elif body is not None:
                raise _Refusal(415, "send the query as application/x-www-form-urlencoded or application/sparql-query")
        except (UnicodeDecodeError, ValueError):
            raise _Refusal(400, "the request is not UTF-8 text") from None
        if "update" in fields:
            raise _Refusal(403, "this server is read-only")
        if len(fields.get("query", [])) != 1:
            raise _Refusal(400, "send exactly one query parameter")
        try:
            check_query(fields["query"][0], self.server.allow_service)
        except QueryError as exc:
            raise _Refusal(400, str(exc)) from None
        return "/query" + (f"?{url.query}" if url.query else "")

    def _send(self, status: int, data: bytes | str, ctype: str = "text/plain; charset=utf-8",
              close: bool = False) -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except OSError:
            self.close_connection = True


def _cut_off(ctype: str, data: bytes) -> bool:
    """True when Oxigraph stopped mid-answer (it appends its error text and ends the chunked body)."""
    if data.rstrip().endswith(_CANCELLED) or _CANCELLED in data[-200:]:
        return True
    if "json" in ctype:
        try:
            json.loads(data)
        except (ValueError, RecursionError):
            return True
    return False


@dataclass(frozen=True)
class Server:
    url: str
    upstream: Upstream
    front: _Front

    @property
    def proc(self) -> subprocess.Popen:
        """The Oxigraph process now serving (it changes when the supervisor restarts it)."""
        assert self.upstream.proc is not None
        return self.upstream.proc


def _hostport(host: str, port: int) -> str:
    """``host:port`` as a URL authority and bind address (``[::1]:7878`` for an IPv6 address)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _command(store: Path, host: str, port: int, timeout_s: int) -> list[str]:
    """Oxigraph's read-only server, *without* its own --timeout-s: Oxigraph keeps one timer thread per
    query for the whole timeout, so sustained load (≈500 queries/s here) piles up thousands of threads
    until it fails with 'Resource temporarily unavailable' (measured: 82,781 of 95,938 queries in 90 s).
    The guard in front enforces the time limit instead, by restarting Oxigraph when a query overruns."""
    del timeout_s  # enforced by the guard (``_Front.forward``), see above
    return [oxigraph_binary(), "serve-read-only", "--location", str(store), "--bind", _hostport(host, port),
            "--union-default-graph"]


def check_port_free(host: str, port: int) -> None:
    """Refuse, naming the port, when something already listens there (before anything is started)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AlskgError(f"cannot listen on {host!r}: {exc.strerror}") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AlskgError(f"port {port} on {host} is already in use; choose another with --port") from None
            raise AlskgError(f"cannot listen on {_hostport(host, port)}: {exc.strerror or exc}") from None


def _answers(host: str, port: int) -> bool:
    """True once a SPARQL ASK over HTTP gets an answer (a bare open port is not enough: it may be
    someone else's)."""
    req = urllib.request.Request(f"http://{_hostport(host, port)}/query?query=ASK%7B%7D",
                                 headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=0.5) as resp:
            return resp.status == 200 and b"true" in resp.read()
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def running_server(nq_path: Path, host: str = "127.0.0.1", port: int = 7878, timeout_s: int = DEFAULT_TIMEOUT_S,
                   wait_s: float = 20.0, max_parallel: int = DEFAULT_MAX_PARALLEL, allow_service: bool = False,
                   max_memory_mb: int = DEFAULT_MAX_MEMORY_MB, deadlines: Deadlines | None = None,
                   max_connections: int = MAX_CONNECTIONS) -> Iterator[Server]:
    """Start Oxigraph and the guard in front of it, yield the server (``.url`` is its query URL),
    and always stop both. The caller supervises with ``server.upstream.ensure()``."""
    if timeout_s < 1:
        raise AlskgError(f"the query timeout must be at least 1 second (got {timeout_s})")
    if not 0 < port < 65536:
        raise AlskgError(f"the port must be between 1 and 65535 (got {port})")
    if max_parallel < 1:
        raise AlskgError(f"at least one query must be allowed at a time (got {max_parallel})")
    check_port_free(host, port)
    upstream = Upstream(prepare_store(nq_path), timeout_s, max_memory_mb, wait_s)
    front: _Front | None = None
    thread: threading.Thread | None = None
    try:
        upstream.start()
        try:
            front = _Front((host, port), upstream, timeout_s, max_parallel, allow_service, deadlines, max_connections)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise AlskgError(f"port {port} on {host} is already in use; choose another with --port") from None
            raise AlskgError(f"cannot listen on {_hostport(host, port)}: {exc.strerror or exc}") from None
        thread = threading.Thread(target=front.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        yield Server(f"http://{_hostport(host, port)}/query", upstream, front)
    finally:
        if front is not None:
            front.shutdown()
            front.server_close()
        if thread is not None:
            thread.join(timeout=5)
        upstream.stop()


class _Stop(Exception):
    """Raised by the SIGTERM/SIGHUP handler so the server's ``finally`` stops the child."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def serve_forever(nq_path: Path, host: str, port: int, timeout_s: int, echo: Callable[[str], None] = print,
                  max_parallel: int = DEFAULT_MAX_PARALLEL, allow_service: bool = False) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM or SIGHUP), restarting Oxigraph whenever it dies;
    then stop the guard and Oxigraph."""
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with running_server(nq_path, host, port, timeout_s, max_parallel=max_parallel,
                            allow_service=allow_service) as server:
            echo(f"serving the graph read-only over SPARQL at {server.url} (Ctrl-C to stop)")
            try:
                while True:
                    time.sleep(0.5)
                    if server.upstream.ensure():
                        echo(f"the Oxigraph server had stopped ({server.upstream.last_death}); restarted it")
            except (KeyboardInterrupt, _Stop):
                echo("stopped")
                return
    except (KeyboardInterrupt, _Stop):  # a signal while the server was still starting: it is stopped too
        echo("stopped")
        return
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
