"""Issue 13, "Curation text": one text gate refuses control characters, lone surrogates, non-finite
numbers and oversized values in every curated text field, and terminal output escapes control characters."""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import networkx as nx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import invoke
from kg.model import Claim, Qualifier
from kg.paths import format_evidence
from kg.results import EntityView, entity_ref
from kg.seeds import read_seeds
from kg.textgate import MAX_LONG_TEXT, MAX_SHORT_TEXT, UNSAFE, check_text, clip, terminal_safe

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BIDI_CONTROLS = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}  # embeddings, isolates, marks



def short(file: str) -> str:
    """A problem's file from the seeds folder's name on: problems print the seeds folder as it was given
    (here an absolute temporary folder ending in /mini or /seeds)."""
    return re.sub(r"^.*/(?=(?:mini|seeds)/)", "", file)

def unsafe_by_definition(ch: str) -> bool:
    """The gate's rule written from the Unicode categories, independently of its regular expression."""
    if ch in "\t\n":
        return False
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ord(ch) in BIDI_CONTROLS


UNSAFE_CHAR = st.sampled_from(["\x00", "\x07", "\x0b", "\x0c", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\u2028",
                               "\u2029", "\u202e", "\u2066", "\ud800", "\udfff"])


def test_the_gate_refuses_exactly_the_unsafe_characters_of_all_of_unicode():
    wrong = [hex(c) for c in range(sys.maxunicode + 1) if bool(UNSAFE.match(chr(c))) != unsafe_by_definition(chr(c))]
    assert wrong == []


@given(st.text(max_size=80), UNSAFE_CHAR, st.text(max_size=80),
       st.sampled_from(["quote", "summary", "en", "synonyms[2]", "qualifiers[0].unit", "context.comparison"]))
def test_any_text_with_an_unsafe_character_is_refused_with_its_code(before, bad, after, field):
    refused = check_text(before + bad + after, field)
    assert refused is not None
    message, hint = refused
    assert field in message and "U+" in message and hint
    assert not UNSAFE.search(message)  # the message itself is safe to print


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")) | st.sampled_from("\t\n"), max_size=300))
def test_safe_text_within_the_cap_passes_and_one_character_more_than_the_cap_does_not(text):
    assert check_text(text, "en") is None
    assert check_text(text, "quote") is None
    assert check_text("a" * (MAX_SHORT_TEXT + 1), "en") is not None
    assert check_text("a" * MAX_SHORT_TEXT, "synonyms[0]") is None
    assert check_text("a" * (MAX_LONG_TEXT + 1), "quote") is not None
    assert check_text("a" * MAX_LONG_TEXT, "qualifiers[1].comparison") is None


@given(st.text(max_size=200))
def test_terminal_safe_leaves_nothing_unsafe_keeps_safe_text_and_is_idempotent(text):
    shown = terminal_safe(text)
    assert not UNSAFE.search(shown)
    assert terminal_safe(shown) == shown
    if not UNSAFE.search(text):
        assert shown == text
    assert shown.count("\n") == text.count("\n") and shown.count("\t") == text.count("\t")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)))
def test_clip_describes_any_value_briefly_and_safely(value):
    text = clip(value)
    assert len(text) < 100 and not UNSAFE.search(text)


def test_clip_never_expands_a_huge_shared_structure():
    bomb: list = ["lol"] * 10
    for _ in range(30):  # 10**30 leaves once expanded, as a YAML alias bomb builds it
        bomb = [bomb] * 10
    assert clip(bomb) == "a list of 10 items"
    assert clip(10**5000).startswith("a number of about")


# ---------------------------------------------------------------- the gate on real seeds

def _claims(mini: Path) -> Path:
    return mini / "claims" / "glia-sod1-2008.yaml"


def _edit_first_claim(mini: Path, **fields: object) -> None:
    path = _claims(mini)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["claims"][0].update(fields)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x0c", "\x1b", "\r", "\x9b", "\u202e"])
@pytest.mark.parametrize("field", ["quote", "summary", "certainty_note"])
def test_a_control_character_in_a_claim_is_one_problem_naming_file_and_line(mini_seeds, char, field):
    path = _claims(mini_seeds)
    text = path.read_text(encoding="utf-8")
    escaped = {"\u2028": "\\L", "\u2029": "\\P", "\x85": "\\N", "\x0c": "\\f", "\x1b": "\\e", "\r": "\\r"}.get(
        char, f"\\u{ord(char):04x}")
    line = {"quote": "    quote: アストロサイトに発現している変異SOD1\n",
            "summary": "    summary: Mutant SOD1 is expressed in astrocytes.\n",
            "certainty_note": "    summary: Mutant SOD1 is expressed in astrocytes.\n"}[field]
    value = "アストロサイトに発現している変異SOD1" if field == "quote" else "Mutant SOD1 is expressed in astrocytes."
    new = f'    {field}: "{value[:4]}{escaped}{value[4:]}"\n'
    path.write_text(text.replace(line, new if field != "certainty_note" else line + new), encoding="utf-8")
    seeds, problems = read_seeds(mini_seeds)
    gate = [p for p in problems if "control character" in p.message]
    assert len(gate) == 1, problems
    assert short(gate[0].file) == "mini/claims/glia-sod1-2008.yaml" and gate[0].line == 3
    assert f"U+{ord(char):04X}" in gate[0].message and f"'{field}'" in gate[0].message and gate[0].hint


def test_a_raw_control_character_in_a_curation_file_is_named_with_line_and_column(mini_seeds):
    core = mini_seeds / "entities" / "core.yaml"
    core.write_text(core.read_text(encoding="utf-8").replace("en: astrocyte", "en: astro\u2028cyte"), encoding="utf-8")
    _, problems = read_seeds(mini_seeds)
    assert len(problems) == 1, problems  # the broken file only: no unknown entities, no unused ones
    assert short(problems[0].file) == "mini/entities/core.yaml" and problems[0].line == 11
    assert "U+2028 LINE SEPARATOR at column 12" in problems[0].message


@pytest.mark.parametrize("label", ["'astro\\x85cyte'", '"SOD1\\u2028gene"', '"SOD1\\fgene"', '"a\\e[2Jb"'])
def test_a_control_character_in_a_label_or_synonym_is_refused(mini_seeds, label):
    core = mini_seeds / "entities" / "core.yaml"
    text = core.read_text(encoding="utf-8").replace("  en: SOD1\n", f"  en: SOD1\n  synonyms: [{label}]\n", 1)
    core.write_text(text, encoding="utf-8")
    _, problems = read_seeds(mini_seeds)
    if label.startswith("'"):  # a single-quoted scalar has no escapes: the text is plain and fine
        assert problems == []
        return
    assert [(short(p.file), p.line) for p in problems] == [("mini/entities/core.yaml", 1)], problems
    assert "'synonyms[0]'" in problems[0].message


def test_a_lone_surrogate_never_reaches_a_writer(mini_seeds):
    _edit_first_claim(mini_seeds, summary="broken \ud800 text")
    r = invoke("validate", "--seeds", str(mini_seeds))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "glia-sod1-2008.yaml" in r.stderr


@pytest.mark.parametrize("number", [".nan", ".NaN", ".inf", "-.inf", "1.0e+400", "-1.0e+999",
                                    "1" + "0" * 400])
def test_a_non_finite_qualifier_is_refused_in_the_qualifier_reader(mini_seeds, number):
    path = _claims(mini_seeds)
    path.write_text(path.read_text(encoding="utf-8").replace("value: 1.5", f"value: {number}"), encoding="utf-8")
    _, problems = read_seeds(mini_seeds)
    assert len(problems) == 1, problems
    assert short(problems[0].file) == "mini/claims/glia-sod1-2008.yaml" and problems[0].line == 33
    assert "finite number" in problems[0].message and len(problems[0].message) < 120


def test_an_oversized_value_is_refused_with_the_cap(mini_seeds):
    _edit_first_claim(mini_seeds, summary="x" * (MAX_LONG_TEXT + 1))
    _, problems = read_seeds(mini_seeds)
    assert [p.message for p in problems] == [f"field 'summary' is {MAX_LONG_TEXT + 1:,} characters long (at most "
                                             f"{MAX_LONG_TEXT:,})"]


@pytest.mark.parametrize("column, value", [("paper_title", "A\u2028B"), ("journal", "Nature\x0c"),
                                           ("institutions", "RIKEN\x85UCSD"), ("kind", "press\x1b[31m")])
def test_a_control_character_in_documents_tsv_is_refused_not_split_into_rows(mini_seeds, column, value):
    tsv = mini_seeds / "documents.tsv"
    lines = tsv.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    cells = lines[2].split("\t")
    cells[header.index(column)] = value
    lines[2] = "\t".join(cells)
    tsv.write_text("\n".join(lines), encoding="utf-8")
    _, problems = read_seeds(mini_seeds)
    assert len(problems) == 1, problems
    assert (short(problems[0].file), problems[0].line) == ("mini/documents.tsv", 3)
    assert f"'{column}'" in problems[0].message and "control character" in problems[0].message


@SETTINGS
@given(field=st.sampled_from(["quote", "summary", "certainty_note"]), before=st.text(max_size=20),
       bad=UNSAFE_CHAR, after=st.text(max_size=20))
def test_any_unsafe_text_in_a_claim_field_is_refused_in_that_file(tmp_path_factory, mini_seeds, field, before, bad,
                                                                   after):
    import shutil

    mini = tmp_path_factory.mktemp("h") / "mini"
    shutil.copytree(mini_seeds, mini)
    _edit_first_claim(mini, **{field: before + bad + after})
    _, problems = read_seeds(mini)
    mine = [p for p in problems if short(p.file) == "mini/claims/glia-sod1-2008.yaml"]
    assert any("U+" in p.message or "not valid YAML" in p.message for p in mine), problems


# ---------------------------------------------------------------- terminal output

ESC = "\x1b]0;owned\x07\x1b[2J"


def test_show_and_path_text_escape_control_characters():
    claim = Claim("a", "regulates", "b", "doc", f"quote{ESC}", f"summary{ESC}\u2028", "mouse_model", "finding",
                  qualifiers=(Qualifier(f"m{ESC}", value=1.0, unit="\x9b"),))
    lines = format_evidence(claim)
    assert not any(UNSAFE.search(line) for line in lines)
    assert "\\x1b]0;owned\\x07\\x1b[2J" in lines[0] and "\\u2028" in lines[1]

    from kg.entity import format_entity

    G = nx.MultiDiGraph()
    G.add_node("a", type="Gene", label_en=f"A{ESC}")
    G.add_node("b", type="Gene", label_en="B")
    view = EntityView(entity_ref(G, "a"), "iri", (), (f"syn{ESC}",), (), f"note{ESC}", (claim,), (), ())
    text = format_entity(G, view)
    assert not UNSAFE.search(text.replace("\n", "")) and "\\x1b" in text
    assert text.count("\n") == format_entity(G, view).count("\n")
