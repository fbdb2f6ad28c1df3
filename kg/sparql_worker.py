"""Run user-supplied SPARQL in a child process that can be stopped: a time and a memory limit.

Why a child: pyoxigraph holds the interpreter while it evaluates, so neither a timer nor Ctrl-C
can stop a runaway query in-process (a cartesian ``ORDER BY`` grows by gigabytes a second). The
child loads the graph from the cached N-Quads once, answers requests one JSON line at a time, runs
under an address-space limit (``RLIMIT_AS``), and is killed by the parent at the deadline or on
Ctrl-C (it lives in its own session, so the terminal's signal reaches the parent only). As a last
resort the child also arms ``alarm()`` with the default action, so the kernel ends it even if the
parent is gone. Requests and answers are plain JSON, never pickle.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kg import children
from kg.model import AlskgError

LOAD_WAIT_S = 120.0  # loading the graph into the child is not part of the query's time limit
STDERR_TAIL = 4096  # bytes of the child's last words kept to tell why it died
# What an allocation failure under RLIMIT_AS leaves on stderr: Rust (pyoxigraph) aborts with the
# first, Python with the second, C libraries with the third.
_OUT_OF_MEMORY = (b"memory allocation of", b"MemoryError", b"Cannot allocate memory", b"out of memory")


class _Dead(Exception):
    """The child stopped answering (killed at the deadline, or out of memory)."""


class Worker:
    """One child process serving queries for one graph; restarted after it is killed."""

    def __init__(self, nq_path: Path, max_memory_mb: int) -> None:
        self.nq_path = Path(nq_path)
        self.max_memory_mb = max_memory_mb
        self._proc: subprocess.Popen | None = None
        self._stderr: Any = None  # an unlinked temporary file: the child's stderr, read after it dies
        self._buf = b""
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            root = str(Path(__file__).resolve().parent.parent)
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
            self.close()  # a child that died while idle: its pipes and stderr file
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child; closed in close()
            self._proc = children.popen(  # dies with this process, even on kill -9
                # -P: the child imports this alskg, never a `kg` that happens to be in the working folder
                [sys.executable, "-P", "-m", "kg.sparql_child", str(self.nq_path), str(self.max_memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
                start_new_session=True)
            self._buf = b""
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc is not None:
            for f in (proc.stdin, proc.stdout):
                if f:
                    f.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _last_words(self) -> bytes:
        """The end of what the dead child wrote to stderr (empty if nothing)."""
        if self._stderr is None:
            return b""
        try:
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL))
            return self._stderr.read()
        except (OSError, ValueError):
            return b""

    def _read_line(self, proc: subprocess.Popen, deadline: float) -> dict[str, Any]:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise _Dead
                self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return json.loads(line)

    def ask(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send one request; the answer, or ``{"error": ...}`` naming the limit that stopped it."""
        with self._lock:
            proc = self._start()
            try:
                assert proc.stdin is not None
                proc.stdin.write(json.dumps({**request, "timeout_s": timeout_s}).encode() + b"\n")
                proc.stdin.flush()
                loaded = self._read_line(proc, time.monotonic() + LOAD_WAIT_S)
                if "error" in loaded:
                    return loaded
                return self._read_line(proc, time.monotonic() + timeout_s)
            except TimeoutError:
                self.close()
                return {"error": "QueryError", "message": f"the query was stopped after its time limit of "
                                                          f"{timeout_s:g} s (--timeout-s, or timeout_s= in Python)"}
            except (_Dead, BrokenPipeError, ValueError):
                try:  # it closed its end, so it is on its way out; one that garbled its answer is ended here
                    code = proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    code = proc.wait()
                message = death_cause(code, self._last_words(), timeout_s, self.max_memory_mb)
                self.close()
                return {"error": "QueryError", "message": message}
            except BaseException:  # Ctrl-C and everything else: the child must not outlive the question
                self.close()
                raise


def death_cause(code: int, last_words: bytes, timeout_s: float, max_memory_mb: int) -> str:
    """Why the child stopped, from its exit status and the end of its stderr: the memory limit (an
    allocation failed: Rust aborts, Python raises MemoryError), the time limit (its own ``alarm()``),
    a signal from elsewhere (a crash such as SIGSEGV, or a kill), or an exit code. Each is said as
    what it is: a crash is never reported as the memory limit."""
    if any(mark in last_words for mark in _OUT_OF_MEMORY):
        return f"the query was stopped: it needed more than the memory limit of {max_memory_mb} MB"
    if code == -signal.SIGALRM:
        return f"the query was stopped after its time limit of {timeout_s:g} s"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "an unknown signal"
        why = {signal.SIGSEGV: "a crash in the query engine", signal.SIGBUS: "a crash in the query engine",
               signal.SIGILL: "a crash in the query engine", signal.SIGABRT: "the query engine aborted",
               signal.SIGKILL: "killed from outside, for example by the system's out-of-memory killer"}.get(-code)
        return (f"the query process died from signal {-code} ({name}{'; ' + why if why else ''}); "
                f"no answer was produced")
    detail = last_words.decode("utf-8", "replace").strip().splitlines()
    tail = f": {detail[-1][:300]}" if detail else ""
    return f"the query process stopped with exit code {code} before answering{tail}"


def serve(answer: Callable[[Any, dict[str, Any]], dict[str, Any]], make_engines: Callable[[Path], Any]) -> None:
    """The child's loop (``python -m kg.sparql_child NQ MB``): limits first, then one answer per request line."""
    import resource

    nq_path, max_memory_mb = Path(sys.argv[1]), int(sys.argv[2])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    limit = max_memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    engines = make_engines(nq_path)
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        req = json.loads(line)
        try:
            try:
                (engines.oxigraph if req["engine"] == "oxigraph" else engines.rdflib)()
            finally:
                out.write(b'{"loaded": true}\n')
                out.flush()
            signal.alarm(int(req["timeout_s"]) + 2)
            result = answer(engines, req)
        except MemoryError:
            result = {"error": "QueryError", "message": f"the query was stopped: it needed more than the memory "
                                                        f"limit of {max_memory_mb} MB"}
        except AlskgError as exc:
            result = {"error": type(exc).__name__, "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the parent as a clear error, never a traceback
            result = {"error": "QueryError", "message": f"query {req.get('name')} failed: {exc}"}
        finally:
            signal.alarm(0)
        out.write(json.dumps(result, ensure_ascii=False).encode() + b"\n")
        out.flush()
