"""Paths and CLI runners shared by the tests (imported as ``helpers``: pytest puts tests/ on sys.path).

Subprocesses run ``python -P -m kg`` so that, from the repository folder, they use the installed
alskg (CI installs the wheel), never the source folder that happens to be the working directory.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
ALSKG = [sys.executable, "-P", "-m", "kg"]


def run_alskg(*args: str, timeout: float = 600, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a child process (for exit codes, signals and hash seeds; most tests use CliRunner)."""
    return subprocess.run([*ALSKG, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=cwd)


@dataclass(frozen=True)
class Ran:
    """What a CLI run gave: exit code and both streams (the shape of ``subprocess.CompletedProcess``)."""

    returncode: int
    stdout: str
    stderr: str


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Ran:
    """Run the CLI in this process, through the same error boundary as the ``alskg`` command (fast)."""
    from kg.cli import main

    with CliRunner().isolation(input=input, env=env) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Ran(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))


def free_port() -> int:
    """A loopback TCP port nothing listens on (for servers the tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ask_server(port: int, timeout: float = 10) -> tuple[int, bytes]:
    """One `ASK { ?s ?p ?o }` to a SPARQL server on loopback: (HTTP status, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", "/query?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}),
                  headers={"Accept": "application/sparql-results+json"})
        resp = c.getresponse()
        return resp.status, resp.read()
    finally:
        c.close()
