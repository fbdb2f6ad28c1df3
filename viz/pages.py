"""Pages written by ``alskg build``: the whole graph and one page per document."""

from __future__ import annotations

from typing import Any


def build_pages(built: Any) -> dict[str, bytes]:
    return {}
