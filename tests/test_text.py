"""Quote matching normalises whitespace and nothing else (property tests)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from helpers import SEEDS
from kg.text import IndexedText, fold, squash

GLIA = (SEEDS / "glia-sod1-2008.ja.txt").read_text(encoding="utf-8")
INDEXED = IndexedText(GLIA)


@given(st.integers(0, len(INDEXED.squashed) - 40), st.integers(2, 40), st.lists(st.sampled_from([" ", "\n", "\u3000", "  \n "]), max_size=5), st.randoms())
def test_any_passage_matches_whatever_its_whitespace(start, length, spaces, rnd):
    passage = list(INDEXED.squashed[start:start + length])
    for sp in spaces:
        passage.insert(rnd.randint(0, len(passage)), sp)
    assert INDEXED.contains("".join(passage))


@given(st.integers(0, len(INDEXED.squashed) - 40), st.integers(5, 40))
def test_a_changed_character_never_matches(start, length):
    passage = INDEXED.squashed[start:start + length]
    changed = passage[:-1] + ("\u2603" if passage[-1] != "\u2603" else "x")
    assert not INDEXED.contains(changed)


@given(st.text(min_size=1))
def test_squash_removes_only_whitespace(s):
    assert squash(s) == "".join(ch for ch in s if not ch.isspace())


def test_fold_is_width_and_case_insensitive():
    assert fold("ＳＯＤ１") == fold("sod1") == fold(" SOD 1 ")


def test_line_of_maps_back_to_the_original_line():
    off = INDEXED.find("アストロサイトに発現している変異SOD1")
    assert off >= 0
    line = INDEXED.line_of(off)
    assert "アストロサイトに発現している変異SOD" in GLIA.splitlines()[line - 1]
