"""Benchmark, run by hand: how every command grows with the seeds (synthetic ×1, ×10, ×100, ×1000).

    python benchmarks/bench_scale.py --scales 1 10 [--only validate build-no-html cold-path warm-path]
                                     [--timeout 900] [--repeat 3] [--results /tmp/alskg-scale/results.json]
    python benchmarks/bench_scale.py --report --results /tmp/alskg-scale/results.json   # table only

For each scale it writes synthetic seeds (``benchmarks/synthetic_seeds.py``) into the work folder
(reused if present) and runs the real ``alskg`` in a child process per measurement, with
``--seeds DIR`` and its own ``$ALSKG_CACHE``: ``validate``, ``build --no-html``, ``build`` (with the
pages), a cold ``path SOD1 microglia`` (empty cache: the graph is built and cached), then on that
warm cache ``path``, every shipped query (``query --list``; a required ``entity`` parameter gets
SOD1), ``rank`` with each metric, ``communities``, ``chains`` and ``viz --focus astrocyte``.

Each measurement is the child's wall time, its CPU time (user + system, the child and what it waited
for: less sensitive to other load on a shared machine) and its peak resident memory (``ru_maxrss`` of
``os.wait4``). A command is stopped (its whole process group) after ``--timeout`` seconds and recorded
as ``> T s``. Commands that finish in under 5 s are repeated up to ``--repeat`` times (median).
Results accumulate in a JSON file keyed by scale and command, so scales can be run separately; the
Markdown table shows every scale and the growth exponent log(t2/t1)/log(n2/n1) between consecutive
scales (n = claims), on wall and on CPU time. The load average is recorded with every scale.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic_seeds  # noqa: E402

ALSKG = [sys.executable, "-m", "kg"]
REQUIRED_PARAMS = {"entity-claims": ["--param", "entity=SOD1"]}
SETUP = ["validate", "build-no-html", "build", "cold-path"]


def shipped_queries() -> list[str]:
    out = subprocess.run([*ALSKG, "query", "--list"], check=True, capture_output=True, text=True).stdout
    return [line.split("\t", 1)[0] for line in out.splitlines() if line.strip()]


def commands(seeds: Path, tmp: Path) -> list[tuple[str, list[str], bool]]:
    """(name, argv, needs a warm cache) in the order they run."""
    s = ["--seeds", str(seeds)]
    rows = [
        ("validate", ["validate", *s], False),
        ("build-no-html", ["build", *s, "--no-html", "--out", str(tmp / "out-nohtml")], False),
        ("build", ["build", *s, "--out", str(tmp / "out-html")], False),
        ("cold-path", ["path", "SOD1", "microglia", *s], False),
        ("warm-path", ["path", "SOD1", "microglia", *s], True),
    ]
    rows += [(f"query {q}", ["query", q, *REQUIRED_PARAMS.get(q, []), *s], True) for q in shipped_queries()]
    rows += [(f"rank {m}", ["rank", "--metric", m, *s], True) for m in ("degree", "betweenness", "pagerank")]
    rows += [("communities", ["communities", *s], True), ("chains", ["chains", *s], True),
             ("viz --focus", ["viz", "--focus", "astrocyte", "-o", str(tmp / "f.html"), *s], True)]
    return rows


def run_once(argv: list[str], env: dict[str, str], timeout: float) -> dict:
    """One child: wall s, cpu s, peak MB, exit code (None when stopped at the timeout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([*ALSKG, *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    err_chunks: list[bytes] = []
    # stderr is small (a message, a progress bar); read it without blocking the wait
    os.set_blocking(proc.stderr.fileno(), False)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        chunk = proc.stderr.read()
        if chunk:
            err_chunks.append(chunk)
        if pid:
            break
        if time.perf_counter() - t0 > timeout:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    rest = proc.stderr.read() or b""
    proc.stderr.close()
    err = (b"".join(err_chunks) + rest).decode("utf-8", "replace")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "mb": usage.ru_maxrss / 1024,
            "rc": None if timed_out else proc.returncode, "err": err[-400:] if proc.returncode else ""}


def measure(argv: list[str], env: dict[str, str], timeout: float, repeat: int, cold: bool = False) -> dict:
    """Median of up to ``repeat`` runs (only commands under 5 s are repeated). ``cold``: every run starts
    from a new, empty ``$ALSKG_CACHE`` (the last one is left filled, for the warm commands)."""
    def one() -> dict:
        if cold:
            cache = Path(env["ALSKG_CACHE"])
            if cache.exists():
                shutil.rmtree(cache)
        return run_once(argv, env, timeout)

    runs = [one()]
    while runs[0]["rc"] == 0 and runs[0]["wall"] < 5 and len(runs) < repeat:
        runs.append(one())
    ok = [r for r in runs if r["rc"] == 0] or runs
    return {"wall": statistics.median(r["wall"] for r in ok), "cpu": statistics.median(r["cpu"] for r in ok),
            "mb": max(r["mb"] for r in ok), "rc": ok[0]["rc"], "err": ok[0]["err"], "n": len(ok)}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_scale(scale: int, work: Path, only: set[str] | None, timeout: float, repeat: int,
                results: dict, save) -> None:
    seeds = work / f"seeds-x{scale}"
    if not (seeds / "documents.tsv").exists():
        t = time.perf_counter()
        counts = synthetic_seeds.write(synthetic_seeds.Template(synthetic_seeds.REPO / "seeds"), scale, seeds)
        print(f"×{scale}: wrote {counts} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    claims = sum(1 for p in (seeds / "claims").glob("*.yaml")
                 for line in p.read_text(encoding="utf-8").splitlines() if line.startswith("- subject:"))
    meta = results.setdefault("scales", {}).setdefault(str(scale), {})
    meta.update(claims=claims, documents=5 * scale, cpus=os.cpu_count())
    meta.setdefault("loads", []).append(f"{time.strftime('%H:%M')} start: {load()}")
    with tempfile.TemporaryDirectory(prefix=f"alskg-scale-x{scale}-") as tmp_name:
        tmp = Path(tmp_name)
        # validate and build never read the cache; the cold command fills its own, which the warm ones use
        base = {k: v for k, v in os.environ.items() if k != "ALSKG_SEEDS"}
        env = dict(base, ALSKG_CACHE=str(tmp / "cache"), PYTHONHASHSEED="0")
        cold_ok = True
        rows = commands(seeds, tmp)
        needs_cache = any(warm and name in (only or ()) for name, _, warm in rows)  # cold-path fills the cache
        for name, argv, warm in rows:
            if only and name not in only and not (name == "cold-path" and needs_cache):
                continue
            if warm and not cold_ok:
                res = {"skipped": "no warm cache (the cold command did not finish)"}
            else:
                print(f"×{scale} {name} …", file=sys.stderr, end="", flush=True)
                res = measure(argv, env, timeout, repeat, cold=name == "cold-path")
                res["load1"] = round(os.getloadavg()[0], 2)  # 1-minute load average as it finished
                print(f" {fmt(res)}", file=sys.stderr)
                if res["rc"] not in (0,):
                    print(res["err"], file=sys.stderr)
            if name == "cold-path":
                cold_ok = res.get("rc") == 0
            results.setdefault("runs", {}).setdefault(str(scale), {})[name] = res
            save()
    meta["loads"].append(f"{time.strftime('%H:%M')} end: {load()}")
    save()


def fmt(r: dict | None, timeout: float | None = None) -> str:
    if r is None:
        return "—"
    if "skipped" in r:
        return "skipped"
    if r["rc"] is None:
        return f"> {r['wall']:.0f} s"
    if r["rc"] != 0:
        return f"error (exit {r['rc']})"
    return f"{r['wall']:.2f} s ({r['cpu']:.2f}) · {r['mb']:,.0f} MB"


def exponent(a: dict | None, b: dict | None, na: int, nb: int, key: str) -> str:
    if not a or not b or a.get("rc") != 0 or nb == na:
        if a and b and a.get("rc") == 0 and b.get("rc") is None:
            return f"> {math.log(b['wall'] / a[key]) / math.log(nb / na):.2f}" if key == "wall" else "—"
        return "—"
    return f"{math.log(b[key] / a[key]) / math.log(nb / na):.2f}" if b.get("rc") == 0 else "—"


def report(results: dict) -> str:
    scales = sorted(results.get("scales", {}), key=int)
    runs = results.get("runs", {})
    names: list[str] = []
    for s in scales:
        for n in runs.get(s, {}):
            if n not in names:
                names.append(n)
    meta = results["scales"]
    head = ["command", *[f"×{s} ({meta[s]['claims']:,} claims)" for s in scales]]
    pairs = list(zip(scales, scales[1:], strict=False))
    head += [f"exp ×{a}→×{b} wall / cpu" for a, b in pairs]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for n in names:
        cells = [f"`{n}`", *[fmt(runs.get(s, {}).get(n)) for s in scales]]
        for a, b in pairs:
            ra, rb = runs.get(a, {}).get(n), runs.get(b, {}).get(n)
            na, nb = meta[a]["claims"], meta[b]["claims"]
            cells.append(f"{exponent(ra, rb, na, nb, 'wall')} / {exponent(ra, rb, na, nb, 'cpu')}")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Cells: wall time (CPU time of the child, user + system) · peak resident memory; "
                 "exponent = log(t2/t1) / log(n2/n1), n = claims; 1 is linear, 2 quadratic.")
    for s in scales:
        m = meta[s]
        lines.append(f"- ×{s}: {m['documents']:,} documents, {m['claims']:,} claims; {m['cpus']} CPUs; "
                     + "; ".join([*([f"start: {m['load_start']}, end: {m.get('load_end')}"] if "load_start" in m else []),
                                  *m.get("loads", [])]))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="*", default=[1, 10])
    ap.add_argument("--work", type=Path, default=Path("/tmp/alskg-scale"), help="where the synthetic seeds go")
    ap.add_argument("--results", type=Path, default=None, help="JSON file the results accumulate in "
                    "(default: WORK/results.json)")
    ap.add_argument("--only", nargs="*", default=None, help="command names to run (e.g. validate build "
                    "build-no-html cold-path warm-path 'query documents' 'rank betweenness')")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per command (default 900)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of a command under 5 s (median)")
    ap.add_argument("--report", action="store_true", help="print the table of the results file and stop")
    args = ap.parse_args()
    path = args.results or args.work / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    if not args.report:
        args.work.mkdir(parents=True, exist_ok=True)

        def save() -> None:
            path.write_text(json.dumps(results, indent=1, ensure_ascii=False))

        for scale in args.scales:
            bench_scale(scale, args.work, set(args.only) if args.only else None, args.timeout, args.repeat,
                        results, save)
    print(report(results))


if __name__ == "__main__":
    main()
