"""Paths and a CLI runner shared by the tests (imported as ``helpers``: pytest puts tests/ on sys.path).

Subprocesses run ``python -P -m kg`` so that, from the repository folder, they use the installed
alskg (CI installs the wheel), never the source folder that happens to be the working directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
ALSKG = [sys.executable, "-P", "-m", "kg"]


def run_alskg(*args: str, timeout: float = 600, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a child process (for exit codes, signals and hash seeds; most tests use CliRunner)."""
    return subprocess.run([*ALSKG, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=cwd)
