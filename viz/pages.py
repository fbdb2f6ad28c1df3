"""Pages written by ``alskg build``: the whole graph and one page per document.

Rendered in memory from the build's one projection and returned as {relative path: bytes}; the CLI
writes them with the other outputs, so a failed render leaves no half-written folder.
"""

from __future__ import annotations

from collections.abc import Iterator

from kg.build import Built
from viz import views
from viz.render import MAX_EDGES, MAX_NODES, render


def build_pages(built: Built, lang: str = "en") -> dict[str, bytes]:
    """``html/index.html`` (every entity, or the most connected ones when a page cannot draw them all) and ``html/<doc-id>.html`` (that document's claims)."""
    return dict(iter_pages(built, lang))


def iter_pages(built: Built, lang: str = "en") -> Iterator[tuple[str, bytes]]:
    """The same pages one at a time, for ``alskg build``, which writes each as it comes."""
    G = built.network
    yield "html/index.html", render(views.overview(G, MAX_NODES, MAX_EDGES), lang)
    for doc_id, view in zip(sorted(G.graph.get("documents", {})), views.documents(G), strict=True):
        yield f"html/{doc_id}.html", render(view, lang)
