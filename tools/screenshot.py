"""Regenerate docs/screenshot.png: the path view SOD1 → microglia in headless Chromium.

Run by hand after changing the views or the ranking: ``python tools/screenshot.py``. Needs Debian's
chromium at /usr/bin/chromium and, for legible Japanese, a Japanese font (fonts-ipafont-gothic).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import kg
from viz import render, views

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--proxy-server=127.0.0.1:9"]


def main() -> None:
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="alskg-shot-"))
    page_file = work / "path.html"
    page_file.write_bytes(render.render(views.paths(kg.load().network, "SOD1", "microglia"), "en"))
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(work / "profile"), executable_path="/usr/bin/chromium",
                                                    headless=True, args=FLAGS,
                                                    viewport={"width": 1400, "height": 860})
        page = ctx.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function("window.alskg && window.alskg.ready && window.alskg.settled", timeout=60_000)
        page.click("#paths li >> nth=0")
        page.wait_for_timeout(500)
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
        ctx.close()
    shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {ROOT / 'docs' / 'screenshot.png'}")


if __name__ == "__main__":
    main()
