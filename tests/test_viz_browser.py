"""The pages in a real headless Chromium (Debian's, driven by Playwright): offline, complete, interactive.

Every request the page makes is recorded and any that is not the page file itself is aborted and
fails the test, so "works offline" is measured, not assumed. Chromium runs with a dead proxy
(127.0.0.1:9) because headless Chromium contacts Google hosts even with quiet flags.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import kg
from viz import render, views
from viz.synthetic import synthetic_graph

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--proxy-server=127.0.0.1:9"]
TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium "
                       "(apt-get install chromium; .ci/run does this)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module, with a fresh profile folder (removed afterwards)."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="alskg-chromium-")
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS,
                                                    viewport={"width": 1400, "height": 900}, timeout=TIMEOUT_MS)
        try:
            yield ctx
        finally:
            ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


class Opened:
    """A page opened from a file, with everything it asked the network for and every console error."""

    def __init__(self, ctx: Any, path: Path):
        self.page = ctx.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.goto(self.url)
        self.page.wait_for_function("window.alskg && window.alskg.ready && window.alskg.settled")

    def _route(self, route: Any) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def rendered_counts(self) -> tuple[int, int]:
        return tuple(self.page.evaluate(
            "[alskg.network.body.nodeIndices.length, alskg.network.body.edgeIndices.length]"))

    def dom_point(self, node_id: str) -> tuple[float, float]:
        """Where a node is drawn, in page coordinates (for real mouse hovers and clicks)."""
        x, y = self.page.evaluate("""id => { const n = alskg.network;
            const p = n.canvasToDOM(n.getPositions([id])[id]);
            const r = document.getElementById('mynetwork').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""", node_id)
        return x, y

    def assert_offline_and_clean(self) -> None:
        assert self.requests == [self.url], f"requests leaving the file: {self.requests}"
        assert self.errors == [], f"console errors: {self.errors}"


def _write(tmp_path: Path, name: str, view: views.View, lang: str = "en") -> Path:
    out = tmp_path / name
    out.write_bytes(render.render(view, lang))
    return out


@pytest.fixture()
def mini(mini_seeds: Path, tmp_path: Path):
    return kg.load(mini_seeds, cache_dir=tmp_path / "cache").network


def test_path_page_offline_complete_and_hover_shows_the_quote(browser, mini, tmp_path):
    view = views.paths(mini, "SOD1", "microglia")
    opened = Opened(browser, _write(tmp_path, "path.html", view))
    try:
        opened.assert_offline_and_clean()
        assert opened.rendered_counts() == (view.graph.number_of_nodes(),
                                            view.graph.number_of_edges() + len(view.negated))
        page = opened.page
        page.mouse.move(*opened.dom_point("astrocyte"))
        page.wait_for_function("document.getElementById('details').dataset.node === 'astrocyte'")
        panel = page.inner_text("#details")
        assert "アストロサイトは、神経系にある別の種類のグリア細胞" in panel
        assert "Astrocytes control the abnormal inflammatory response" in panel
        assert "mouse_model" in panel and "glia-sod1-2008" in panel
        page.click("#paths li >> nth=0")
        assert "expressed_in" in page.inner_text("#details")
        shot = tmp_path / "path.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        opened.assert_offline_and_clean()
    finally:
        opened.page.close()


def test_whole_real_graph_counts_search_filter_and_negated(browser, real_seeds, tmp_path):
    G = kg.load(real_seeds, cache_dir=tmp_path / "cache").network
    view = views.whole(G)
    opened = Opened(browser, _write(tmp_path, "index.html", view, "ja"))
    try:
        opened.assert_offline_and_clean()
        n, m = view.graph.number_of_nodes(), view.graph.number_of_edges()
        assert opened.rendered_counts() == (n, m + len({(c.subject, c.predicate, c.object)
                                                         for c in view.negated}))
        page = opened.page
        page.fill("#search", "microglia")
        page.press("#search", "Enter")
        page.wait_for_function("document.getElementById('details').dataset.node === 'microglia'")
        assert "ミクログリア" in page.inner_text("#details")
        page.uncheck("#legend input[data-type='CellType']")
        hidden = page.evaluate("alskg.nodes.get({filter: n => n.hidden}).length")
        assert hidden == sum(1 for _, d in G.nodes(data=True) if d["type"] == "CellType")
        if view.negated:
            neg = page.evaluate("alskg.edges.get({filter: e => e.kind === 'negated'})[0].id")
            page.evaluate("id => { alskg.network.emit('click', {nodes: [], edges: [id]}); }", neg)
            assert "NEGATED" in page.inner_text("#details")
        opened.assert_offline_and_clean()
        page.screenshot(path=str(tmp_path / "whole.png"))
    finally:
        opened.page.close()


def test_five_thousand_nodes_draw_without_freezing_the_tab(browser, tmp_path):
    G = synthetic_graph(5000)
    opened = Opened(browser, _write(tmp_path, "big.html", views.whole(G)))
    try:
        opened.assert_offline_and_clean()
        assert opened.rendered_counts() == (5000, G.number_of_edges())
        first_draw_ms = opened.page.evaluate("alskg.firstDrawMs")
        assert first_draw_ms < 15_000, f"first draw took {first_draw_ms:.0f} ms"
        # the tab still answers: a search over 5,000 nodes completes promptly
        opened.page.fill("#search", "entity 4999")
        opened.page.wait_for_function("document.getElementById('search-count').textContent !== ''", timeout=5000)
        opened.page.screenshot(path=str(tmp_path / "big.png"))
    finally:
        opened.page.close()
