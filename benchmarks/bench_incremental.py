"""Benchmark, run by hand: the curator's loop at scale — one cold command, then edit one claims file.

    python benchmarks/synthetic_seeds.py --scale 100 --out DIR
    python benchmarks/bench_incremental.py --seeds DIR [--cache DIR] [--file claims/X.yaml] [--validate-only]

With an empty cache (``--cache``, default a new temporary folder) it runs, each in a child process:
a cold ``path SOD1 microglia`` (the seeds are read file by file into the per-file cache, the graph is
built and cached), a warm ``path``, the first ``query documents`` (builds the on-disk Oxigraph store)
and a warm one. Then it changes one summary in one claims file (the first by name unless ``--file``)
and runs the seeds' reading alone (``read_seeds``: the part of ``validate`` that is incremental),
``validate``, the cold ``path`` that rebuilds the graph entry, and warm ``path`` and ``query``. The
edit is undone at the end. Each line: wall time, CPU time (user + system of the child) and peak
resident memory (``ru_maxrss``). CPU time is the honest number on a shared machine.

With ``--validate-only`` it runs the edit–validate loop alone: a cold ``validate`` (empty cache), the
edit, ``validate`` again, and then the stages of that validation in one child process (CPU time of
each: imports, reading the seeds, the schema's statements, SHACL by part, the violation queries by
relation; the last two with their cache entries).
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
STAGES = """
import sys, time
t = time.process_time()
from pathlib import Path
from kg.build import Built
from kg.schema import load_schema
from kg.seeds import read_seeds
from kg.shacl_units import unit_shacl_problems
from kg.violations import relation_violations
def stage(name):
    global t
    now = time.process_time()
    print(f"| {name} | {now - t:.2f} s |", flush=True)
    t = now
stage("imports")
schema = load_schema(); stage("schema")
seeds, problems = read_seeds(Path(sys.argv[1]), schema); stage("read and check the seeds (per-file cache)")
built = Built(seeds, schema); built.schema_statements; stage("schema statements")
unit_shacl_problems(seeds, built.schema_statements, lambda: built.data_statements); stage("SHACL (by part, cached)")
relation_violations(seeds, built.schema_statements, lambda: built.data_statements)
stage("violation queries (by relation, cached)")
"""
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
    ap.add_argument("--validate-only", action="store_true", help="only the edit-validate loop and its stages")
    args = ap.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="alskg-incr-"))
    env = {**os.environ, "ALSKG_CACHE": str(cache)}
    s = ["--seeds", str(args.seeds)]
    print("| step | wall | CPU | peak memory |\n|---|---|---|---|")
    if args.validate_only:
        validate_loop(args, env)
        return
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


def validate_loop(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Cold ``validate``, one edit, ``validate`` again, and the stages of that last one."""
    s = ["--seeds", str(args.seeds)]
    run("cold `validate` (empty cache)", [*ALSKG, "validate", *s], env)
    run("`validate` again, nothing changed", [*ALSKG, "validate", *s], env)
    target = args.seeds / (args.file or next(p.relative_to(args.seeds) for p in sorted((args.seeds / "claims").glob("*.yaml"))))
    original = target.read_bytes()
    target.write_text(original.decode("utf-8").replace("summary: ", "summary: Edited. ", 1), encoding="utf-8")
    try:
        run(f"edit {target.name}, `validate`", [*ALSKG, "validate", *s], env)
        target.write_text(original.decode("utf-8").replace("summary: ", "summary: Edited again. ", 1), encoding="utf-8")
        print("\nStages of `validate` after another edit of the same file (CPU, one process):\n\n| stage | CPU |\n|---|---|",
              flush=True)
        subprocess.run([sys.executable, "-c", STAGES, str(args.seeds)], env=env, check=True)
    finally:
        target.write_bytes(original)


if __name__ == "__main__":
    main()
