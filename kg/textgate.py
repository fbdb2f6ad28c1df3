"""The one text gate: which characters and sizes curated text may have, and how text is made safe to print.

Every text field read from the seeds passes ``check_text`` once, right after reading (``kg.seeds``), so
no writer, page or terminal ever sees a character it could mis-handle:

* control characters other than tab and newline are refused — C0 and C1 controls (escape sequences,
  form feed, carriage return, U+0085), the Unicode line and paragraph separators U+2028/U+2029 (which
  ``str.splitlines()`` and some formats treat as line breaks) and the bidirectional overrides
  U+202A–U+202E and U+2066–U+2069 (which make text display in another order than it is stored);
* lone surrogates (U+D800–U+DFFF) are refused: they cannot be encoded as UTF-8 and crash writers;
* values longer than a cap are refused: ``MAX_LONG_TEXT`` characters for prose (quotes, summaries,
  notes, reasons, comparisons, titles, institutions), ``MAX_SHORT_TEXT`` for everything else (ids,
  labels, synonyms, units, measures, types...). The longest curated values today are about a tenth
  of the caps; the caps exist so that a runaway value is a clear problem, not a slow build.

``terminal_safe`` is the other half: text printed to a terminal has its control characters shown as
escapes (``\\x1b``, ``\\u2028``), so nothing read from data can move the cursor, recolour or retitle
the terminal.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

MAX_SHORT_TEXT = 300
MAX_LONG_TEXT = 4000
LONG_FIELDS = frozenset({"quote", "summary", "note", "certainty_note", "reason", "comparison", "title",
                         "paper_title", "institutions"})

# What no curated text may contain (tab and newline are the two control characters text needs).
_OTHER_UNSAFE = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f" + _OTHER_UNSAFE + "]")
# The same in a raw file, where a carriage return that ends a line (CRLF) is harmless.
UNSAFE_IN_FILE = re.compile(r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f" + _OTHER_UNSAFE + "]")

ONLY_TAB_AND_NEWLINE = ("only tab and newline may appear in text: remove the character or write a plain space "
                        "(it is often invisible; a text editor's 'show invisibles' reveals it)")


def describe_char(ch: str) -> str:
    """'U+2028 LINE SEPARATOR' — a character named without printing it."""
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (a lone surrogate)"
    name = unicodedata.name(ch, "") or {0x1B: "ESCAPE", 0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN",
                                        0x85: "NEXT LINE", 0x00: "NULL"}.get(code, "control character")
    return f"U+{code:04X} {name}"


def max_length(field: str) -> int:
    """The length cap of a field, by its name (the last part of a dotted path like 'qualifiers[0].unit')."""
    leaf = field.rsplit(".", 1)[-1].split("[", 1)[0]
    return MAX_LONG_TEXT if leaf in LONG_FIELDS else MAX_SHORT_TEXT


def check_text(value: str, field: str) -> tuple[str, str] | None:
    """(message, hint) if ``value`` may not be stored in ``field``; None if it is fine."""
    bad = UNSAFE.search(value)
    if bad:
        return (f"field {field!r} contains the control character {describe_char(bad.group())} "
                f"at character {bad.start() + 1}", ONLY_TAB_AND_NEWLINE)
    cap = max_length(field)
    if len(value) > cap:
        return (f"field {field!r} is {len(value):,} characters long (at most {cap:,})",
                "shorten it: quote the shortest passage that carries the claim, keep labels to a name")
    return None


def first_unsafe_in_file(text: str) -> tuple[int, int, str] | None:
    """(line, column, description) of the first character no curation file may contain, or None."""
    bad = UNSAFE_IN_FILE.search(text)
    if not bad:
        return None
    line = text.count("\n", 0, bad.start()) + 1
    column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
    return line, column, describe_char(bad.group())


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every control character but newline and tab shown as an escape (``\\x1b``,
    ``\\u2028``, lone surrogates too), so printing it cannot drive the terminal. Idempotent."""
    return UNSAFE.sub(_escape, text)


def clip(value: object, limit: int = 60) -> str:
    """A short, safe description of any value for an error message: text is clipped and escaped,
    containers are named by size (never ``repr()``'d: a YAML alias can make them enormous)."""
    if isinstance(value, str):
        shown = value if len(value) <= limit else value[:limit] + "…"
        return terminal_safe(repr(shown))
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, (bool, int, float)) or value is None:
        text = repr(value)
        return text if len(text) <= limit else text[:limit] + "…"
    return type(value).__name__
