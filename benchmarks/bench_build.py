"""Benchmark, run by hand: the build pipeline from process start to exit.

    python benchmarks/bench_build.py [--repeat 3] [--seeds DIR]

Times `alskg validate` (seeds checks, SHACL, violation queries), `alskg build --no-html` (every RDF
format) and `alskg build` (with the HTML pages), each into a fresh temporary folder, plus a cold
`kg.load()` (cache rebuilt) against a warm one. Timed here, not in tests, so CI never fails on a
slow machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _median_s(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            full = [c.replace("{tmp}", tmp) for c in cmd]
            t = time.perf_counter()
            subprocess.run(full, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seeds", type=Path, default=None)
    args = ap.parse_args()
    seeds = ["--seeds", str(args.seeds)] if args.seeds else []
    base = [sys.executable, "-m", "kg"]
    rows = [
        ("alskg validate", [*base, "validate", *seeds]),
        ("alskg build --no-html", [*base, "build", *seeds, "--no-html", "--out", "{tmp}/out"]),
        ("alskg build", [*base, "build", *seeds, "--out", "{tmp}/out"]),
    ]
    print(f"{'command':<28}{'median s':>10}   (n={args.repeat})")
    for name, cmd in rows:
        print(f"{name:<28}{_median_s(cmd, args.repeat):>10.2f}")

    import kg

    with tempfile.TemporaryDirectory() as cache:
        t = time.perf_counter()
        kg.load(args.seeds, cache_dir=cache)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        kg.load(args.seeds, cache_dir=cache)
        warm = time.perf_counter() - t
    print(f"{'kg.load() cold cache':<28}{cold:>10.2f}")
    print(f"{'kg.load() warm cache':<28}{warm:>10.3f}")


if __name__ == "__main__":
    main()
