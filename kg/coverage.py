"""``alskg coverage``: what each document says that the graph does not yet hold.

A document is cut into sentences (at 。！？ and at paragraph ends, which the PDF text marks with
a trailing space before the line break). A sentence counts as covered when claim quotes, or
passages marked ``no_claim`` in the seeds, span at least half of it. Entity mentions — any label
or synonym of a registry entity, compared NFKC-, case- and whitespace-insensitively — that occur
in a document but in none of that document's claims are listed too: they are what a curator
should look at next.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from kg.model import AlskgError, Seeds
from kg.text import IndexedText, fold

COVERED_FRACTION = 0.5
_END = re.compile(r"[。！？]|[ \u3000]+\n")
_CONTENT = re.compile(r"[\w\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class Sentence:
    line: int
    text: str
    covered: float  # fraction of its characters inside claim quotes or no_claim passages
    by_claim: bool


@dataclass
class DocumentCoverage:
    document: str
    sentences: list[Sentence] = field(default_factory=list)
    unclaimed_mentions: list[dict[str, str]] = field(default_factory=list)

    @property
    def in_scope(self) -> int:
        return len(self.sentences)

    @property
    def covered(self) -> int:
        return sum(1 for s in self.sentences if s.covered >= COVERED_FRACTION)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.in_scope if self.in_scope else 100.0

    def to_dict(self) -> dict:
        return {
            "document": self.document,
            "sentences": self.in_scope,
            "covered": self.covered,
            "percent": round(self.percent, 1),
            "uncovered": [asdict(s) for s in self.sentences if s.covered < COVERED_FRACTION],
            "unclaimed_mentions": self.unclaimed_mentions,
        }


def tidy(text: str) -> str:
    """Undo PDF line breaks for display: no space next to Japanese text, single spaces elsewhere."""
    text = re.sub(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])", "", text)
    return " ".join(text.split())


def split_sentences(text: str) -> list[tuple[int, str]]:
    """(first line, sentence) pairs; fragments without letters (numbers, bullets) are dropped."""
    out = []
    start = 0
    line = 1
    for m in _END.finditer(text):
        chunk = text[start:m.end()]
        if len(_CONTENT.findall(chunk)) >= 4:
            lead = len(chunk) - len(chunk.lstrip())
            out.append((line + chunk[:lead].count("\n"), tidy(chunk)))
        line += chunk.count("\n")
        start = m.end()
    tail = text[start:]
    if len(_CONTENT.findall(tail)) >= 4:
        out.append((line + tail[: len(tail) - len(tail.lstrip())].count("\n"), tidy(tail)))
    return out


def document_coverage(seeds: Seeds, doc_id: str) -> DocumentCoverage:
    text = seeds.texts[doc_id]
    idx = IndexedText(text)
    claim_mask = bytearray(len(idx.squashed))
    any_mask = bytearray(len(idx.squashed))
    for c in seeds.claims:
        if c.document == doc_id:
            for a, b in idx.spans(c.quote):
                claim_mask[a:b] = b"\x01" * (b - a)
                any_mask[a:b] = b"\x01" * (b - a)
    for n in seeds.no_claims:
        if n.document == doc_id:
            for a, b in idx.spans(n.quote):
                any_mask[a:b] = b"\x01" * (b - a)
    result = DocumentCoverage(doc_id)
    cursor = 0
    for _line, sentence in split_sentences(text):
        sq = "".join(sentence.split())
        pos = idx.squashed.find(sq, cursor)
        if pos < 0:
            pos = idx.squashed.find(sq)
        if pos < 0:
            continue
        cursor = pos + len(sq)
        span = range(pos, pos + len(sq))
        frac = sum(any_mask[i] for i in span) / max(len(sq), 1)
        result.sentences.append(Sentence(idx.line_of(pos), sentence, round(frac, 2),
                                         any(claim_mask[i] for i in span)))
    result.unclaimed_mentions = _unclaimed_mentions(seeds, doc_id, text)
    return result


def _unclaimed_mentions(seeds: Seeds, doc_id: str, text: str) -> list[dict[str, str]]:
    """Entities named in the text but used by none of the document's claims.

    Longer names win: '筋萎縮' inside '筋萎縮性側索硬化症' is a mention of ALS, not of atrophy.
    """
    used: set[str] = set()
    for c in seeds.claims:
        if c.document == doc_id:
            used.update(x for x in (c.subject, c.object, c.model, c.species) if x)
    folded = fold(text)
    names = sorted(
        {(fold(n), e.id, n) for e in seeds.entities for n in (e.en, *e.ja, *e.synonyms) if len(fold(n)) >= 3},
        key=lambda t: (-len(t[0]), t[1]),
    )
    taken = bytearray(len(folded))
    found: dict[str, str] = {}
    for key, eid, name in names:
        start = folded.find(key)
        while start >= 0:
            end = start + len(key)
            if _whole_word(folded, start, end) and not all(taken[start:end]):
                taken[start:end] = b"\x01" * len(key)
                found.setdefault(eid, name)
            start = folded.find(key, start + 1)
    return [{"entity": eid, "name": name} for eid, name in sorted(found.items()) if eid not in used]


def _whole_word(text: str, start: int, end: int) -> bool:
    """An ASCII name must not be part of a longer ASCII word ('Cre' is not in 'increase')."""
    def letter(i: int) -> bool:
        return 0 <= i < len(text) and text[i].isascii() and text[i].isalpha()

    return not (text[start].isascii() and letter(start - 1)) and not (text[end - 1].isascii() and letter(end))


def coverage(seeds: Seeds, doc_ids: list[str] | None = None) -> list[DocumentCoverage]:
    """Coverage of the given documents (default: all); an unknown document id is an error."""
    known = {d.id for d in seeds.documents}
    for d in doc_ids or ():
        if d not in known:
            raise AlskgError(f"unknown document {d!r}; known: {', '.join(sorted(known))}")
    ids = doc_ids or [d.id for d in seeds.documents]
    return [document_coverage(seeds, d) for d in ids]


def format_coverage(results: list[DocumentCoverage], show_sentences: bool = True) -> str:
    lines = [f"{'document':<24}{'sentences':>10}{'covered':>9}{'percent':>9}{'unclaimed mentions':>20}"]
    for r in results:
        lines.append(f"{r.document:<24}{r.in_scope:>10}{r.covered:>9}{r.percent:>8.1f}%{len(r.unclaimed_mentions):>20}")
    if show_sentences:
        for r in results:
            missing = [s for s in r.sentences if s.covered < COVERED_FRACTION]
            if missing or r.unclaimed_mentions:
                lines += ["", f"== {r.document}"]
            for s in missing:
                lines.append(f"  line {s.line:>4} ({int(s.covered * 100):>3}% quoted): {s.text[:110]}")
            if r.unclaimed_mentions:
                names = ", ".join(f"{m['entity']} ({m['name']})" for m in r.unclaimed_mentions)
                lines.append(f"  mentioned but in no claim of this document: {names}")
    return "\n".join(lines)
