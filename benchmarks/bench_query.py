"""Benchmark, run by hand: `alskg path` from process start to exit, and every shipped query on each engine.

    python benchmarks/bench_query.py [--repeat 5] [--seeds DIR]

Timed here rather than in tests, so the suite never fails on a slow machine. The first command
after a change builds the cache; this script warms it first, so it measures repeat queries.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seeds", type=Path, default=None)
    args = ap.parse_args()
    seeds = ["--seeds", str(args.seeds)] if args.seeds else []

    import kg
    from kg.query import run, shipped_queries

    g = kg.load(args.seeds)  # warm the cache
    cmd = [sys.executable, "-m", "kg", "path", "SOD1", "microglia", *seeds]
    subprocess.run(cmd, check=True, capture_output=True)
    ms = _median_ms(lambda: subprocess.run(cmd, check=True, capture_output=True), args.repeat)
    print(f"alskg path SOD1 microglia (process start to exit, cache warm): {ms:8.1f} ms")
    load = _median_ms(lambda: kg.load(args.seeds), args.repeat)
    print(f"kg.load() from cache:                                          {load:8.1f} ms")

    t = time.perf_counter()
    g.engines.oxigraph()
    ox_load = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    g.engines.rdflib()
    rd_load = (time.perf_counter() - t) * 1000
    print(f"load into engine: oxigraph {ox_load:8.1f} ms   rdflib {rd_load:8.1f} ms\n")
    print(f"{'query':28} {'rows':>5} {'oxigraph ms':>12} {'rdflib ms':>10} {'ratio':>7}")
    totals = [0.0, 0.0]
    for q in shipped_queries():
        if any(p.description.startswith("required") for p in q.params):
            from kg.query import bind_params

            b = bind_params(q, {p.name: "SOD1" for p in q.params if p.kind == "entity"}, g)
        else:
            b = {}
        rows = len(run(q, b, g.engines, "oxigraph").rows)
        ox = _median_ms(lambda q=q, b=b: run(q, b, g.engines, "oxigraph"), args.repeat)
        rd = _median_ms(lambda q=q, b=b: run(q, b, g.engines, "rdflib"), max(1, args.repeat // 2))
        totals[0] += ox
        totals[1] += rd
        print(f"{q.name:28} {rows:>5} {ox:>12.1f} {rd:>10.1f} {rd / max(ox, 1e-6):>6.0f}x")
    print(f"{'total':28} {'':>5} {totals[0]:>12.1f} {totals[1]:>10.1f} {totals[1] / max(totals[0], 1e-6):>6.0f}x")


if __name__ == "__main__":
    main()
