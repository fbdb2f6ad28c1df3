"""Time to first draw of the synthetic 5,000-node graph in headless Chromium (and the Python render time).

    python benchmarks/bench_viz.py [--nodes 5000] [--runs 3]

Prints one JSON line. "first_draw_ms" is the page's own clock (performance.now() at vis-network's
first ``afterDrawing``, measured from navigation start), so it includes parsing the inline data.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from viz import render, views
from viz.synthetic import synthetic_graph

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--proxy-server=127.0.0.1:9"]


def first_draw_ms(page_file: Path, chromium: str = "/usr/bin/chromium") -> float:
    """Open the page in a fresh Chromium profile and return the first-draw time in milliseconds."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="alskg-bench-")
    try:
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(profile, executable_path=chromium, headless=True, args=FLAGS,
                                                        viewport={"width": 1400, "height": 900})
            page = ctx.new_page()
            page.goto(page_file.resolve().as_uri())
            page.wait_for_function("window.alskg && window.alskg.ready", timeout=180_000)
            ms = float(page.evaluate("alskg.firstDrawMs"))
            ctx.close()
            return ms
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    G = synthetic_graph(args.nodes)
    t = time.perf_counter()
    html = render.render(views.whole(G))
    render_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        page_file = Path(d) / "big.html"
        page_file.write_bytes(html)
        draws = [first_draw_ms(page_file) for _ in range(args.runs)]
    print(json.dumps({"nodes": G.number_of_nodes(), "edges": G.number_of_edges(), "page_bytes": len(html),
                      "python_render_s": round(render_s, 2), "first_draw_ms": [round(x) for x in draws],
                      "median_first_draw_ms": round(statistics.median(draws))}))


if __name__ == "__main__":
    main()
