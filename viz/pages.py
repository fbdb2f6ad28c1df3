"""Pages written by ``alskg build``: the whole graph and one page per document.

Rendered in memory and returned as {relative path: bytes}; the CLI writes them atomically with the
other outputs, so a failed render leaves no half-written folder.
"""

from __future__ import annotations

from typing import Any


def build_pages(built: Any, lang: str = "en") -> dict[str, bytes]:
    """``html/index.html`` (every entity) and ``html/<doc-id>.html`` (that document's claims)."""
    from kg.build import union_graph
    from kg.network import to_networkx
    from viz import views
    from viz.render import render

    G = to_networkx(union_graph(built.dataset))
    pages = {"html/index.html": render(views.whole(G), lang)}
    for doc_id in sorted(G.graph.get("documents", {})):
        pages[f"html/{doc_id}.html"] = render(views.document(G, doc_id), lang)
    return pages
