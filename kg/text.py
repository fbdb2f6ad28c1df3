"""Matching quotes against document text.

The documents are PDF extractions: sentences break across lines and carry stray spaces. A quote
matches when it equals a passage after removing whitespace (line breaks, ASCII and ideographic
spaces) from both — and nothing else is normalised, so a changed character never matches.
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")


def squash(text: str) -> str:
    """Remove every whitespace character (the only normalisation quotes get)."""
    return _WS.sub("", text)


def fold(text: str) -> str:
    """Name-matching form: NFKC (full/half width), case-folded, whitespace removed."""
    return squash(unicodedata.normalize("NFKC", text)).casefold()


class IndexedText:
    """A document's squashed text, with a map back to the original line numbers."""

    def __init__(self, text: str):
        self.text = text
        self.squashed = squash(text)  # ``\s`` is exactly ``str.isspace``; one C pass, not a loop per character
        self._line_map: list[int] | None = None

    @property
    def _lines(self) -> list[int]:
        """The original line of each squashed character (made on first use: only ``line_of`` needs it)."""
        if self._line_map is None:
            lines: list[int] = []
            for n, text_line in enumerate(self.text.split("\n"), start=1):
                lines.extend([n] * len(squash(text_line)))
            self._line_map = lines
        return self._line_map

    def find(self, quote: str) -> int:
        """Offset of the quote in the squashed text, or -1."""
        q = squash(quote)
        return self.squashed.find(q) if q else -1

    def contains(self, quote: str) -> bool:
        return self.find(quote) >= 0

    def line_of(self, offset: int) -> int:
        """1-based line of the original text where a squashed offset falls."""
        if not self._lines:
            return 1
        return self._lines[min(max(offset, 0), len(self._lines) - 1)]

    def spans(self, quote: str) -> list[tuple[int, int]]:
        """Every (start, end) of the quote in the squashed text."""
        q = squash(quote)
        out, start = [], 0
        while q:
            i = self.squashed.find(q, start)
            if i < 0:
                break
            out.append((i, i + len(q)))
            start = i + 1
        return out


def closest_passage(quote: str, text: IndexedText) -> str:
    """The longest prefix of the quote found in the text, to show where a quote stops matching."""
    q = squash(quote)
    lo, hi = 0, len(q)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if q[:mid] in text.squashed:
            lo = mid
        else:
            hi = mid - 1
    return q[:lo]
