"""Issue 13, "Curation files" and "Document metadata": the seeds reader reads regular files of bounded
size with libyaml, bounded depth and aliases; every broken file is one clear problem of its own; ids are
slugs, documents lie inside the seeds folder, dates are real and document ids unique."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import invoke
from kg.model import Problem
from kg.seeds import (
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    SLUG,
    _Collector,
    _LineLoader,
    _read_entities,
    is_entity_id,
    read_seeds,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CLAIMS = "mini/claims/glia-sod1-2008.yaml"



def short(file: str) -> str:
    """A problem's file from the seeds folder's name on: problems print the seeds folder as it was given
    (here an absolute temporary folder ending in /mini or /seeds)."""
    return re.sub(r"^.*/(?=(?:mini|seeds)/)", "", file)

def _claims(mini: Path) -> Path:
    return mini / "claims" / "glia-sod1-2008.yaml"


def read_within(seconds: float, root: Path) -> list[Problem]:
    """read_seeds in a thread that must finish in time (a hang fails the test instead of the suite)."""
    out: dict[str, object] = {}

    def work() -> None:
        try:
            out["problems"] = read_seeds(root)[1]
        except BaseException as exc:  # noqa: BLE001 - reported below
            out["error"] = exc

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"reading the seeds took more than {seconds} s"
    assert "error" not in out, out.get("error")
    return out["problems"]  # type: ignore[return-value]


def only(problems: list[Problem], file: str, text: str) -> Problem:
    assert len(problems) == 1, problems
    assert short(problems[0].file) == file and text in problems[0].message, problems[0]
    assert problems[0].hint
    return problems[0]


# ---------------------------------------------------------------- curation files

def test_libyaml_is_used_when_pyyaml_has_it():
    if getattr(yaml, "__with_libyaml__", False):
        assert issubclass(_LineLoader, yaml.CSafeLoader)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("where", ["claims/glia-sod1-2008.yaml", "entities/core.yaml", "documents.tsv",
                                   "glia-sod1-2008.ja.txt"])
def test_a_fifo_is_one_problem_never_a_hang(mini_seeds, where):
    path = mini_seeds / where
    path.unlink()
    os.mkfifo(path)
    problems = read_within(20, mini_seeds)
    mine = [p for p in problems if short(p.file) == f"mini/{where}"]
    assert len(mine) == 1 and "not an ordinary file (a FIFO (named pipe))" in mine[0].message, problems
    assert len(problems) == 1, problems


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("where", ["claims/glia-sod1-2008.yaml", "entities/core.yaml", "SHA256SUMS"])
def test_a_link_to_dev_zero_is_one_problem(mini_seeds, where):
    path = mini_seeds / where
    path.unlink()
    path.symlink_to("/dev/zero")
    only(read_within(20, mini_seeds), f"mini/{where}", "not an ordinary file (a device)")


def test_a_folder_named_like_a_claims_file_is_one_problem(mini_seeds):
    (mini_seeds / "claims" / "zzz.yaml").mkdir()
    only(read_seeds(mini_seeds)[1], "mini/claims/zzz.yaml", "not an ordinary file (a folder)")


def test_a_file_over_the_size_cap_is_one_problem_and_quick(mini_seeds):
    path = _claims(mini_seeds)
    with path.open("a", encoding="utf-8") as f:
        f.write("#" * (MAX_YAML_BYTES + 1))
    start = time.monotonic()
    only(read_within(30, mini_seeds), CLAIMS, "larger than 4,096 KB")
    assert time.monotonic() - start < 10


def test_a_large_claims_file_under_the_cap_reads_in_seconds(mini_seeds):
    path = _claims(mini_seeds)
    item = "  - quote: ALSの進行と運動ニューロンの細胞死を顕著に遅らせる\n    reason: a repeated passage for a load test\n"
    text = path.read_text(encoding="utf-8") + "no_claim:\n"
    text += item * ((1024 * 1024 - len(text.encode())) // len(item.encode()))  # 1 MB, 10,000 entries
    path.write_text(text, encoding="utf-8")
    start = time.monotonic()
    problems = read_within(60, mini_seeds)
    assert problems == []
    assert time.monotonic() - start < 15  # the pure Python loader took 38 s for 10 MB


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 1000, 100_000])
def test_deep_nesting_is_one_problem_not_a_recursion_error(mini_seeds, depth):
    path = _claims(mini_seeds)
    path.write_text(path.read_text(encoding="utf-8").replace(
        "summary: Mutant SOD1 is expressed in astrocytes.", "summary: " + "[" * depth + "]" * depth), encoding="utf-8")
    p = only(read_within(30, mini_seeds), CLAIMS, "YAML")
    assert len(p.message) < 200


ALIAS_BOMB = "\n".join(["bomb:", '  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
                        *(f"  - &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8))])


def test_an_alias_bomb_used_as_a_quote_is_one_short_problem(mini_seeds):
    path = _claims(mini_seeds)
    text = ALIAS_BOMB.replace("bomb:", "x-bomb:") + "\n" + path.read_text(encoding="utf-8").replace(
        "quote: アストロサイトに発現している変異SOD1", "quote: *i")
    path.write_text(text, encoding="utf-8")
    p = only(read_within(20, mini_seeds), CLAIMS, "values once its aliases")
    assert len(str(p)) < 400


def test_an_alias_bomb_within_the_limit_is_never_expanded_into_a_message(mini_seeds):
    path = _claims(mini_seeds)
    small = "\n".join(['x-lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
                       "x-two: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]", "x-three: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]"])
    path.write_text(small + "\n" + path.read_text(encoding="utf-8").replace(
        "quote: アストロサイトに発現している変異SOD1", "quote: *c"), encoding="utf-8")
    problems = read_within(20, mini_seeds)
    assert any("must be text, got list a list of 9 items" in p.message for p in problems), problems
    assert all(len(str(p)) < 600 for p in problems)


def test_a_self_referring_alias_is_one_problem(mini_seeds):
    path = _claims(mini_seeds)
    path.write_text("x: &a [*a]\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    only(read_seeds(mini_seeds)[1], CLAIMS, "refers to the item that contains it")


@pytest.mark.parametrize("value", ["1" * 5000, "2020-13-45"])
def test_a_value_the_constructor_cannot_make_is_one_problem(mini_seeds, value):
    path = _claims(mini_seeds)
    path.write_text(path.read_text(encoding="utf-8").replace("value: 1.5", f"value: {value}"), encoding="utf-8")
    p = only(read_seeds(mini_seeds)[1], CLAIMS, "not valid YAML")
    assert len(p.message) < 200


@pytest.mark.parametrize("name", ["extra.yml", "extra.YAML", "extra.Yml"])
@pytest.mark.parametrize("folder", ["claims", "entities"])
def test_a_yml_file_is_reported_not_silently_ignored(mini_seeds, folder, name):
    (mini_seeds / folder / name).write_text("document: glia-sod1-2008\n", encoding="utf-8")
    p = only(read_seeds(mini_seeds)[1], f"mini/{folder}/{name}", "is not read")
    assert "extra.yaml" in p.hint


def test_a_curation_file_whose_name_is_not_a_slug_is_reported(mini_seeds):
    (mini_seeds / "entities" / "My Entities.yaml").write_text("[]\n", encoding="utf-8")
    only(read_seeds(mini_seeds)[1], "mini/entities/My Entities.yaml", "is not a slug")


def test_a_file_name_with_a_terminal_escape_is_shown_escaped(mini_seeds):
    (mini_seeds / "claims" / "x\x1b[2J.yml").write_text("[]\n", encoding="utf-8")
    p = only(read_seeds(mini_seeds)[1], "mini/claims/x\\x1b[2J.yml", "is not read")
    assert "\x1b" not in str(p)


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n", "~\n", "null\n"])
def test_an_empty_claims_file_is_one_problem_naming_it(mini_seeds, content):
    _claims(mini_seeds).write_text(content, encoding="utf-8")
    only(read_seeds(mini_seeds)[1], CLAIMS, "the file is empty")


def test_a_missing_claims_file_is_one_problem_naming_it(seeds_copy):
    (seeds_copy / "claims" / "fus-ipsc-2016.yaml").unlink()
    only(read_seeds(seeds_copy)[1], "seeds/claims/fus-ipsc-2016.yaml", "is missing")


def test_a_missing_claims_folder_is_one_problem(mini_seeds):
    shutil.rmtree(mini_seeds / "claims")
    only(read_seeds(mini_seeds)[1], "mini/claims", "no claims files")


def test_an_unreadable_entity_file_does_not_cascade_into_unknown_entities(mini_seeds):
    (mini_seeds / "entities" / "core.yaml").write_text("- id: sod1\n  en: [unclosed\n", encoding="utf-8")
    only(read_seeds(mini_seeds)[1], "mini/entities/core.yaml", "not valid YAML")


def test_a_broken_file_via_the_cli_is_a_clean_refusal(mini_seeds):
    (mini_seeds / "entities" / "core.yaml").write_text("[" * 2000 + "]" * 2000, encoding="utf-8")
    r = invoke("validate", "--seeds", str(mini_seeds))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "1 problem found" in r.stderr and "core.yaml:1: " in r.stderr
    assert "nested more than" in r.stderr or "exceeded maximum nesting depth" in r.stderr  # ours or libyaml's


# ---------------------------------------------------------------- document metadata

def _set_cell(mini: Path, column: str, value: str, row: int = 2) -> None:
    tsv = mini / "documents.tsv"
    lines = tsv.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    cells = lines[row].split("\t")
    cells[header.index(column)] = value
    lines[row] = "\t".join(cells)
    tsv.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("doc_id", ["../../x", "glia sod1 2008", "Glia-SOD1", "a/b", ".hidden", "", "x" * 81,
                                    "glia-sod1-2008\u200b"])
def test_a_document_id_that_is_not_a_slug_is_refused(mini_seeds, doc_id):
    _set_cell(mini_seeds, "id", doc_id)
    problems = read_seeds(mini_seeds)[1]
    assert [(short(p.file), p.line) for p in problems] == [("mini/documents.tsv", 3)], problems
    assert "is not a slug" in problems[0].message or "characters long" in problems[0].message


def test_a_dot_dot_document_id_never_leaves_the_build_folder(mini_seeds, tmp_path):
    _set_cell(mini_seeds, "id", "../../x")
    out = tmp_path / "site" / "out"
    r = invoke("build", "--seeds", str(mini_seeds), "--out", str(out))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "is not a slug" in r.stderr
    assert not (tmp_path / "x.html").exists() and not list(tmp_path.rglob("x.html"))


@pytest.mark.parametrize("file", ["../outside.ja.txt", "/etc/hostname", "sub/../../outside.ja.txt", ""])
def test_a_document_file_outside_the_seeds_folder_is_refused(mini_seeds, file):
    (mini_seeds.parent / "outside.ja.txt").write_text("ALS", encoding="utf-8")
    _set_cell(mini_seeds, "file", file)
    only(read_seeds(mini_seeds)[1], "mini/documents.tsv", "is not inside the seeds folder")


def test_a_document_file_linked_from_outside_the_seeds_folder_is_refused(mini_seeds):
    target = mini_seeds.parent / "elsewhere.txt"
    shutil.copy(mini_seeds / "glia-sod1-2008.ja.txt", target)
    (mini_seeds / "glia-sod1-2008.ja.txt").unlink()
    (mini_seeds / "glia-sod1-2008.ja.txt").symlink_to(target)
    only(read_seeds(mini_seeds)[1], "mini/documents.tsv", "is not inside the seeds folder")


@pytest.mark.parametrize("date", ["2021-02-30", "2021-13-01", "2021/01/01", "21", "March 2021", "2021-1-5",
                                  "0000-01-01"])
def test_an_invalid_date_is_refused(mini_seeds, date):
    _set_cell(mini_seeds, "published", date)
    p = only(read_seeds(mini_seeds)[1], "mini/documents.tsv", "is not a date")
    assert p.line == 3


@pytest.mark.parametrize("date", ["2022", "2024-02-29", ""])
def test_a_real_date_or_none_is_accepted(mini_seeds, date):
    _set_cell(mini_seeds, "published", date)
    assert read_seeds(mini_seeds)[1] == []


def test_a_duplicate_document_id_is_refused_not_replaced(mini_seeds):
    tsv = mini_seeds / "documents.tsv"
    lines = tsv.read_text(encoding="utf-8").split("\n")
    copy = lines[1].split("\t")
    copy[0] = lines[2].split("\t")[0]
    tsv.write_text("\n".join([*lines, "\t".join(copy)]), encoding="utf-8")
    seeds, problems = read_seeds(mini_seeds)
    p = only(problems, "mini/documents.tsv", "duplicate document id 'glia-sod1-2008' (also on line 3)")
    assert p.line == len(lines) + 1
    assert [d.file for d in seeds.documents if d.id == "glia-sod1-2008"] == ["glia-sod1-2008.ja.txt"]


@pytest.mark.parametrize("entity_id", ["../x", "sod1 g93a", "sod1-g93a", "SOD1", "x" * 81])
def test_an_entity_id_that_is_not_a_slug_is_refused(mini_seeds, entity_id):
    core = mini_seeds / "entities" / "core.yaml"
    core.write_text(core.read_text(encoding="utf-8") + f"- id: '{entity_id}'\n  type: Gene\n  en: extra gene\n",
                    encoding="utf-8")
    problems = read_seeds(mini_seeds)[1]
    assert any("is not a lower-case slug" in p.message for p in problems), problems


# ---------------------------------------------------------------- properties

@given(st.from_regex(r"[a-z0-9][a-z0-9_-]{0,40}", fullmatch=True))
def test_every_slug_is_a_safe_file_name_and_iri_part(slug):
    assert SLUG.match(slug)
    assert "/" not in slug and ".." not in slug and slug.strip() == slug
    assert is_entity_id(slug) == ("-" not in slug)


@given(st.text(max_size=40))
def test_anything_the_slug_pattern_accepts_has_only_slug_characters(text):
    if SLUG.match(text):
        assert set(text) <= set("abcdefghijklmnopqrstuvwxyz0123456789_-") and 1 <= len(text) <= 80


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_in_an_entity_file_are_problems_of_that_file_only(tmp_path_factory, mini_seeds, content):
    mini = tmp_path_factory.mktemp("h") / "mini"
    shutil.copytree(mini_seeds, mini)
    (mini / "entities" / "zz-extra.yaml").write_bytes(content)
    problems = read_within(20, mini)
    assert all(short(p.file) == "mini/entities/zz-extra.yaml" for p in problems), problems
    assert all(len(p.message) < 400 for p in problems)


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)


@SETTINGS
@given(YAML_VALUES)
def test_any_yaml_structure_as_an_entity_file_is_problems_never_an_exception(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("seeds")
    (tmp / "entities").mkdir()
    (tmp / "entities" / "x.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    col = _Collector(tmp)
    _read_entities(tmp, col)
    assert all(p.file.endswith("x.yaml") and p.hint is not None for p in col.problems)


@SETTINGS
@given(field=st.sampled_from(["quote", "summary", "subject", "qualifiers", "context", "negated", "evidence"]),
       value=YAML_VALUES)
def test_any_value_in_any_claim_field_is_contained_to_the_claims_file(tmp_path_factory, mini_seeds, field, value):
    mini = tmp_path_factory.mktemp("h") / "mini"
    shutil.copytree(mini_seeds, mini)
    path = _claims(mini)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["claims"][1][field] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = read_within(20, mini)
    # a changed subject may leave an entity unused (reported where the entity is); nothing else leaks
    leaked = [p for p in problems if short(p.file) != CLAIMS and "is used by no claim" not in p.message]
    assert leaked == []


def test_a_document_table_for_thousands_of_documents_is_read(mini_seeds):
    """The table cap is a guard against mistakes, not a ceiling on the literature: 6,000 documents'
    rows (≈ 1.5 MB, more than the ×1000 synthetic seeds have) are read, not refused for their size."""
    tsv = mini_seeds / "documents.tsv"
    head, *rows = tsv.read_text(encoding="utf-8").splitlines()
    extra = [rows[0].replace(rows[0].split("\t")[0], f"copy-{i}", 1) for i in range(6000)]
    tsv.write_text("\n".join([head, *rows, *extra]) + "\n", encoding="utf-8")
    assert tsv.stat().st_size > 1024 * 1024
    problems = read_within(60, mini_seeds)
    assert not [p for p in problems if "larger than" in p.message]
