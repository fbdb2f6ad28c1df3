"""Benchmark, run by hand: the curator's loop at scale — one cold command, then edit one claims file.

    python benchmarks/synthetic_seeds.py --scale 100 --out DIR
    python benchmarks/bench_incremental.py --seeds DIR [--cache DIR] [--file claims/X.yaml]

With an empty cache (``--cache``, default a new temporary folder) it runs, each in a child process:
a cold ``path SOD1 microglia`` (the seeds are read file by file into the per-file cache, the graph is
built and cached), a warm ``path``, the first ``query documents`` (builds the on-disk Oxigraph store)
and a warm one. Then it changes one summary in one claims file (the first by name unless ``--file``)
and runs the seeds' reading alone (``read_seeds``: the part of ``validate`` that is incremental),
``validate``, the cold ``path`` that rebuilds the graph entry, and warm ``path`` and ``query``. The
edit is undone at the end. Each line: wall time, CPU time (user + system of the child) and peak
resident memory (``ru_maxrss``). CPU time is the honest number on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ALSKG = [sys.executable, "-m", "kg"]
READ_SEEDS = ("import sys; from pathlib import Path; from kg.seeds import read_seeds; "
              "s, p = read_seeds(Path(sys.argv[1])); print(len(s.claims), 'claims', len(p), 'problems')")


def run(name: str, argv: list[str], env: dict[str, str]) -> None:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace").strip().splitlines() if proc.stderr else []
    note = "" if code == 0 else f"  exit {code}: {err[-1] if err else ''}"
    print(f"| {name} | {wall:.1f} s | {usage.ru_utime + usage.ru_stime:.1f} s | {usage.ru_maxrss / 1024:.0f} MB |{note}",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=Path, required=True)
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--file", default=None, help="the claims file to edit, relative to the seeds")
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="alskg-incr-"))
    env = {**os.environ, "ALSKG_CACHE": str(cache)}
    s = ["--seeds", str(args.seeds)]
    print("| step | wall | CPU | peak memory |\n|---|---|---|---|")
    run("cold `path SOD1 microglia` (empty cache)", [*ALSKG, "path", "SOD1", "microglia", *s], env)
    run("warm `path SOD1 microglia`", [*ALSKG, "path", "SOD1", "microglia", *s], env)
    run("first `query documents` (builds the store)", [*ALSKG, "query", "documents", *s], env)
    run("warm `query documents`", [*ALSKG, "query", "documents", *s], env)
    target = args.seeds / (args.file or next(p.relative_to(args.seeds) for p in sorted((args.seeds / "claims").glob("*.yaml"))))
    original = target.read_bytes()
    text = original.decode("utf-8")
    target.write_text(text.replace("summary: ", "summary: Edited. ", 1), encoding="utf-8")
    try:
        run(f"edit {target.name}: `read_seeds`", [sys.executable, "-c", READ_SEEDS, str(args.seeds)], env)
        run("`validate`", [*ALSKG, "validate", *s], env)
        run("cold `path` (graph entry rebuilt)", [*ALSKG, "path", "SOD1", "microglia", *s], env)
        run("warm `path SOD1 microglia`", [*ALSKG, "path", "SOD1", "microglia", *s], env)
        run("first `query documents`", [*ALSKG, "query", "documents", *s], env)
        run("warm `query documents`", [*ALSKG, "query", "documents", *s], env)
    finally:
        target.write_bytes(original)


if __name__ == "__main__":
    main()
