"""A real SPARQL endpoint for the graph: Oxigraph's own server, read-only, on the cached graph.

The ``oxigraph`` package on PyPI ships Oxigraph's server binary; it speaks the SPARQL protocol
(``/query``), enforces a per-query timeout (which embedded pyoxigraph cannot), and serves the
union of the named graphs as the default graph, as ``alskg query`` does. This module only loads
the cached N-Quads into an on-disk store beside them (once per cache entry) and runs the binary.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.model import AlskgError

STORE_DIR = "oxigraph-store"
READY_MARK = ".loaded"


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


@dataclass(frozen=True)
class Server:
    url: str
    proc: subprocess.Popen


def _hostport(host: str, port: int) -> str:
    """``host:port`` as a URL authority and bind address (``[::1]:7878`` for an IPv6 address)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _command(store: Path, host: str, port: int, timeout_s: int) -> list[str]:
    return [oxigraph_binary(), "serve-read-only", "--location", str(store), "--bind", _hostport(host, port),
            "--union-default-graph", "--timeout-s", str(timeout_s)]


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


def _wait_ready(proc: subprocess.Popen, host: str, port: int, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AlskgError(f"the SPARQL server did not start on {host}:{port}: {err.strip()[-500:] or 'it exited'}")
        if _answers(host, port):
            return
        time.sleep(0.05)
    proc.kill()
    raise AlskgError(f"the SPARQL server did not answer on {host}:{port} within {wait_s:.0f} s")


@contextlib.contextmanager
def running_server(nq_path: Path, host: str = "127.0.0.1", port: int = 7878, timeout_s: int = 30,
                   wait_s: float = 20.0) -> Iterator[Server]:
    """Start the server, yield it (``.url`` is its query URL), and always stop it."""
    if timeout_s < 1:
        raise AlskgError(f"the query timeout must be at least 1 second (got {timeout_s})")
    if not 0 < port < 65536:
        raise AlskgError(f"the port must be between 1 and 65535 (got {port})")
    check_port_free(host, port)
    proc = subprocess.Popen(_command(prepare_store(nq_path), host, port, timeout_s),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_ready(proc, host, port, wait_s)
        yield Server(f"http://{_hostport(host, port)}/query", proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


class _Stop(Exception):
    """Raised by the SIGTERM/SIGHUP handler so the server's ``finally`` stops the child."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def serve_forever(nq_path: Path, host: str, port: int, timeout_s: int,
                  echo: Callable[[str], None] = print) -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM or SIGHUP), then stop the server and its child."""
    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with running_server(nq_path, host, port, timeout_s) as server:
            echo(f"serving the graph read-only over SPARQL at {server.url} (Ctrl-C to stop)")
            try:
                code = server.proc.wait()
            except (KeyboardInterrupt, _Stop):
                echo("stopped")
                return
    except (KeyboardInterrupt, _Stop):  # a signal while the server was still starting: it is stopped too
        echo("stopped")
        return
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    raise AlskgError(f"the SPARQL server stopped unexpectedly (exit code {code})")
