"""Issue 13, the input side after the hostile re-test: every value is read as written or refused with
its place — documents.tsv literally, YAML without YAML 1.1's number and boolean surprises, no file
from outside the seeds, DOIs and PMIDs checked — and every failure is one clear message: KGX lines
by number, long numbers, a broken $ALSKG_ONTOLOGY, a missing folder, a huge broken file, empty or
odd ``-o`` targets, and problem paths as the user gave the seeds folder."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import SEEDS, invoke
from kg.model import Problem
from kg.seeds import (
    DOI,
    MAX_PROBLEMS,
    MAX_PROBLEMS_OF_A_KIND,
    MAX_SUMMARIES,
    PMID,
    _LineLoader,
    _Problems,
    read_seeds,
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CLAIMS = Path("claims") / "glia-sod1-2008.yaml"


def copy_of(mini_seeds: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the mini seeds (hypothesis runs many examples on one fixture)."""
    mini = tmp_path_factory.mktemp("h") / "mini"
    shutil.copytree(mini_seeds, mini)
    return mini


def set_cell(seeds: Path, column: str, value: str, row: int = 2) -> None:
    """Write ``value`` into one cell of documents.tsv (row 2 is the document of the mini claims file)."""
    tsv = seeds / "documents.tsv"
    lines = tsv.read_text(encoding="utf-8").split("\n")
    cells = lines[row].split("\t")
    cells[lines[0].split("\t").index(column)] = value
    lines[row] = "\t".join(cells)
    tsv.write_text("\n".join(lines), encoding="utf-8")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- documents.tsv, read literally

TITLE_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")), min_size=1, max_size=60)


@SETTINGS
@given(title=TITLE_TEXT.map(lambda t: t.strip() or "x"), quote=st.sampled_from(['"', "'", '""', '"a"', "“x”"]))
def test_a_title_with_quote_characters_is_read_exactly_as_written(tmp_path_factory, mini_seeds, title, quote):
    mini = copy_of(mini_seeds, tmp_path_factory)
    value = f"{quote}{title}{quote}"
    set_cell(mini, "paper_title", value)
    seeds, problems = read_seeds(mini)
    assert problems == []
    assert {d.id: d.title for d in seeds.documents}["glia-sod1-2008"] == value


def test_a_quoted_tab_is_two_cells_never_one(mini_seeds):
    """csv would read "a<TAB>b" as one quoted cell; read literally it is a row with a column too many."""
    set_cell(mini_seeds, "journal", '"Nature\tNeuroscience"')
    problems = read_seeds(mini_seeds)[1]
    assert [(Path(p.file).name, p.line) for p in problems] == [("documents.tsv", 3)], problems
    assert "columns" in problems[0].message


# ---------------------------------------------------------------- DOIs and PMIDs

@pytest.mark.parametrize("doi", ["doi:10.1038/nn2047", "https://doi.org/10.1038/nn2047", "10.1038 /nn2047",
                                 "10.1038/nn 2047", "11.1038/nn2047", "10./nn2047", "10.1038/", "10.1038",
                                 "10.1038/nn\u30002047", "10.abc/x"])
def test_a_malformed_doi_is_refused_naming_the_row(mini_seeds, doi):
    set_cell(mini_seeds, "doi", doi)
    problems = read_seeds(mini_seeds)[1]
    assert [(Path(p.file).name, p.line) for p in problems] == [("documents.tsv", 3)], problems
    assert "is not a DOI" in problems[0].message and "glia-sod1-2008" in problems[0].message
    assert problems[0].hint


@pytest.mark.parametrize("pmid", ["PMID:18246065", "18246065a", "0123", "1.5", "１８２４", "-5", "12345678901"])
def test_a_malformed_pmid_is_refused_naming_the_row(mini_seeds, pmid):
    set_cell(mini_seeds, "pmid", pmid)
    problems = read_seeds(mini_seeds)[1]
    assert [(Path(p.file).name, p.line) for p in problems] == [("documents.tsv", 3)], problems
    assert "is not a PubMed id" in problems[0].message


@given(registrant=st.from_regex(r"[0-9]{4,9}(\.[0-9]{1,3})?", fullmatch=True),
       suffix=st.text(st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=30),
       space=st.sampled_from([" ", "\u3000", "\u00a0", "\t"]))
def test_dois_with_any_printable_suffix_pass_and_any_space_fails(registrant, suffix, space):
    assert DOI.fullmatch(f"10.{registrant}/{suffix}")
    assert not DOI.fullmatch(f"10.{registrant}/{suffix}{space}x")


@given(st.integers(min_value=1, max_value=9_999_999_999))
def test_every_pubmed_number_is_a_pmid(n):
    assert PMID.fullmatch(str(n)) and not PMID.fullmatch(f"PMID:{n}")


def test_the_curated_documents_have_valid_dois_and_pmids():
    seeds, _ = read_seeds(SEEDS)
    assert all(DOI.fullmatch(d.doi) for d in seeds.documents if d.doi)
    assert all(PMID.fullmatch(d.pmid) for d in seeds.documents if d.pmid)


# ---------------------------------------------------------------- YAML 1.1 surprises

ODD_NUMBERS = st.one_of(
    st.builds(lambda h, m: f"{h}:{m:02d}", st.integers(1, 99), st.integers(0, 59)),  # base 60: 1:30 is 90
    st.builds(lambda h, m, s: f"{h}:{m:02d}:{s:02d}", st.integers(1, 99), st.integers(0, 59), st.integers(0, 59)),
    st.builds(lambda h, m, f: f"{h}:{m:02d}.{f}", st.integers(1, 99), st.integers(0, 59), st.integers(0, 99)),
    st.from_regex(r"[-+]?0[0-7]{1,6}", fullmatch=True),  # octal: 010 is 8
    st.from_regex(r"[-+]?0x[0-9a-fA-F]{1,6}", fullmatch=True),
    st.from_regex(r"[-+]?0b[01]{1,8}", fullmatch=True),
    st.from_regex(r"[-+]?[1-9][0-9]{0,3}(_[0-9]{1,3}){1,3}", fullmatch=True),  # 1_000 is 1000
    st.from_regex(r"[-+]?[0-9]{1,3}_[0-9]{1,3}\.[0-9]{1,3}", fullmatch=True),
)
ODD_BOOLEANS = st.sampled_from(["yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"])


def _load(text: str) -> object:
    loader = _LineLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


@given(ODD_NUMBERS | ODD_BOOLEANS)
def test_yaml_1_1_odd_scalars_stay_the_text_that_was_written(scalar):
    assert yaml.safe_load(f"a: {scalar}")["a"] != scalar  # YAML 1.1 (PyYAML's loader) would change them
    assert _load(f"a: {scalar}") == {"a": scalar}


def test_a_lone_equals_sign_is_text_not_an_unbuildable_tag():
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load("a: =")
    assert _load("a: =") == {"a": "="}


@given(st.integers(-10**15, 10**15), st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_plain_decimal_numbers_and_true_false_are_still_read_as_such(i, x):
    assert _load(f"a: {i}\nb: {x!r}\nc: true\nd: False\ne: ~\nf: 2020-01-02") == yaml.safe_load(
        f"a: {i}\nb: {x!r}\nc: true\nd: False\ne: ~\nf: 2020-01-02")


@SETTINGS
@given(scalar=ODD_NUMBERS | ODD_BOOLEANS)
def test_an_odd_scalar_as_a_label_is_kept_as_written(tmp_path_factory, mini_seeds, scalar):
    mini = copy_of(mini_seeds, tmp_path_factory)
    replace_in(mini / "entities" / "core.yaml", "  en: SOD1\n", f"  en: SOD1\n  synonyms: [{scalar}]\n")
    seeds, problems = read_seeds(mini)
    assert problems == []
    assert seeds.entity_index["sod1"].synonyms == (scalar,)


@SETTINGS
@given(scalar=ODD_NUMBERS)
def test_an_odd_number_as_a_qualifier_is_refused_at_its_line(tmp_path_factory, mini_seeds, scalar):
    mini = copy_of(mini_seeds, tmp_path_factory)
    replace_in(mini / CLAIMS, "value: 1.5", f"value: {scalar}")
    problems = read_seeds(mini)[1]
    assert [(Path(p.file).name, p.line) for p in problems] == [("glia-sod1-2008.yaml", 33)], problems
    assert "a number form alskg does not read" in problems[0].message and "plain decimal" in problems[0].hint


@pytest.mark.parametrize("written, read", [("90", 90.0), ("-20", -20.0), ("1.5", 1.5), ("+4", 4.0), ("2.5e+3", 2500.0)])
def test_plain_numbers_are_qualifiers_as_before(mini_seeds, written, read):
    replace_in(mini_seeds / CLAIMS, "value: 1.5", f"value: {written}")
    seeds, problems = read_seeds(mini_seeds)
    assert problems == []
    assert [q.value for c in seeds.claims for q in c.qualifiers] == [read]


def test_a_quoted_number_as_a_qualifier_says_so(mini_seeds):
    replace_in(mini_seeds / CLAIMS, "value: 1.5", 'value: "1.5"')
    problems = read_seeds(mini_seeds)[1]
    assert len(problems) == 1 and "is the text '1.5', not a number" in problems[0].message, problems


def test_negated_yes_is_refused_not_read_as_true(mini_seeds):
    replace_in(mini_seeds / CLAIMS, "negated: true", "negated: yes")
    problems = read_seeds(mini_seeds)[1]
    assert len(problems) == 1 and "negated must be true or false, got 'yes'" in problems[0].message, problems


@pytest.mark.parametrize("where, old, line", [(CLAIMS, "value: 1.5", 33),
                                              (Path("entities") / "core.yaml", "en: SOD1", 3)])
@pytest.mark.parametrize("digits", [1001, 5000, 100_000])
def test_a_very_long_number_is_one_problem_at_its_line(mini_seeds, where, old, line, digits):
    replace_in(mini_seeds / where, old, f"{old.split(':')[0]}: {'7' * digits}")
    problems = read_seeds(mini_seeds)[1]
    assert [(Path(p.file).name, p.line) for p in problems] == [(where.name, line)], problems
    assert f"a number {digits:,} characters long" in problems[0].message and "quote it" in problems[0].message
    assert len(problems[0].message) < 300


def test_a_date_the_calendar_lacks_is_one_problem_at_its_line(mini_seeds):
    replace_in(mini_seeds / "entities" / "core.yaml", "en: SOD1", "en: 2020-13-45")
    problems = read_seeds(mini_seeds)[1]
    assert [(Path(p.file).name, p.line) for p in problems] == [("core.yaml", 3)], problems
    assert "cannot be read as a timestamp" in problems[0].message


# ---------------------------------------------------------------- files from outside the seeds

@pytest.mark.parametrize("where", [str(CLAIMS), "entities/core.yaml", "documents.tsv", "SHA256SUMS"])
def test_a_file_linked_from_outside_the_seeds_folder_is_refused(mini_seeds, where):
    outside = mini_seeds.parent / "outside"
    outside.mkdir()
    target = outside / Path(where).name
    shutil.move(mini_seeds / where, target)
    (mini_seeds / where).symlink_to(target)
    problems = read_seeds(mini_seeds)[1]
    assert len(problems) == 1, problems
    assert problems[0].file == str(mini_seeds / where)
    assert "lies outside the seeds folder" in problems[0].message and str(target) in problems[0].message


def test_a_claims_folder_linked_from_outside_is_refused_file_by_file(mini_seeds):
    outside = mini_seeds.parent / "elsewhere"
    shutil.move(mini_seeds / "claims", outside)
    (mini_seeds / "claims").symlink_to(outside)
    problems = read_seeds(mini_seeds)[1]
    assert [p.file for p in problems] == [str(mini_seeds / CLAIMS)], problems
    assert "lies outside the seeds folder" in problems[0].message


def test_a_link_that_stays_inside_the_seeds_folder_is_fine(mini_seeds):
    (mini_seeds / "drafts").mkdir()
    shutil.move(mini_seeds / CLAIMS, mini_seeds / "drafts" / "glia.yaml")
    (mini_seeds / CLAIMS).symlink_to(Path("..") / "drafts" / "glia.yaml")
    seeds, problems = read_seeds(mini_seeds)
    assert problems == [] and len(seeds.claims) == 3


def test_a_seeds_folder_that_is_itself_a_link_is_fine(mini_seeds, tmp_path):
    link = tmp_path / "linked-seeds"
    link.symlink_to(mini_seeds)
    assert read_seeds(link)[1] == []


# ---------------------------------------------------------------- one problem, not a cascade

@pytest.mark.parametrize("folder", ["entities", "claims"])
def test_a_missing_curation_folder_is_one_problem(seeds_copy, folder):
    shutil.rmtree(seeds_copy / folder)
    problems = read_seeds(seeds_copy)[1]
    assert len(problems) == 1, problems[:5]
    assert problems[0].file == str(seeds_copy / folder) and "the folder is missing" in problems[0].message


def test_problems_of_one_kind_are_capped_per_file_and_counted():
    found = _Problems()
    for i in range(200):
        found.append(Problem("a.yaml", i + 1, f"unknown subject entity 'x{i}'", "hint"))
    found.append(Problem("a.yaml", 999, "a different kind of problem", "hint"))
    found.append(Problem("b.yaml", 1, "unknown subject entity 'y'", "hint"))
    out = found.finished({})
    listed = [p for p in out if "not listed" not in p.message]
    summaries = [p for p in out if "not listed" in p.message]
    assert len([p for p in listed if p.file == "a.yaml"]) == MAX_PROBLEMS_OF_A_KIND + 1
    assert [p.file for p in listed].count("b.yaml") == 1
    assert len(summaries) == 1 and summaries[0].line == MAX_PROBLEMS_OF_A_KIND + 1
    assert summaries[0].message.startswith(f"{200 - MAX_PROBLEMS_OF_A_KIND} more problems like this one")


def test_the_total_number_of_problems_is_capped():
    found = _Problems()
    for f in range(400):
        for i in range(10):
            found.append(Problem(f"f{f}.yaml", i, f"problem kind {chr(65 + i)}{'!' * i}", ""))
    out = found.finished({})
    assert len(out) <= MAX_PROBLEMS + MAX_SUMMARIES + 1
    assert sum(int(p.message.split()[0].replace(",", "")) for p in out if "not listed" in p.message) \
        == 4000 - MAX_PROBLEMS


def test_a_huge_broken_claims_file_gives_a_short_report_quickly(mini_seeds):
    (mini_seeds / CLAIMS).write_text("document: glia-sod1-2008\nclaims:\n" + "- subject: x\n" * 20_000,
                                     encoding="utf-8")
    start = time.monotonic()
    problems = read_seeds(mini_seeds)[1]
    assert time.monotonic() - start < 60
    assert len(problems) <= MAX_PROBLEMS + MAX_SUMMARIES + 1
    assert any("stopped reading this file here" in p.message for p in problems)
    assert any("more problems like this one, not listed: missing required field" in p.message for p in problems)


# ---------------------------------------------------------------- problem paths as the seeds folder was given

@pytest.mark.parametrize("given_as", ["mini", "./mini", "ABS"])
def test_problem_paths_start_with_the_seeds_folder_as_given_and_open_from_there(mini_seeds, monkeypatch, given_as):
    monkeypatch.chdir(mini_seeds.parent)
    given_as = str(mini_seeds) if given_as == "ABS" else given_as
    replace_in(mini_seeds / CLAIMS, "predicate: regulates", "predicate: no_such_predicate")
    set_cell(mini_seeds, "published", "2021-02-30")
    (mini_seeds / "entities" / "extra.yaml").write_text("- id: sod1\n  type: Gene\n  en: SOD1 again\n",
                                                        encoding="utf-8")
    problems = read_seeds(Path(given_as))[1]
    assert {Path(p.file).name for p in problems} >= {"glia-sod1-2008.yaml", "documents.tsv", "extra.yaml"}
    for p in problems:
        assert p.file.startswith(str(Path(given_as))) and os.path.exists(p.file), p
    duplicate = next(p for p in problems if "duplicate entity id" in p.message)
    assert f"(also at {Path(given_as) / 'entities' / 'core.yaml'}:1)" in duplicate.message


def test_validate_prints_problem_paths_as_the_seeds_folder_was_given(mini_seeds):
    replace_in(mini_seeds / CLAIMS, "predicate: regulates", "predicate: no_such_predicate")
    r = invoke("validate", "--seeds", str(mini_seeds))
    assert r.returncode == 1
    assert f"{mini_seeds / CLAIMS}:12: unknown predicate 'no_such_predicate'" in r.stderr


# ---------------------------------------------------------------- KGX files: every bad line by number

@pytest.mark.parametrize("name, content, expected", [
    ("g_nodes.jsonl", '{"id": "A:1"}\n{"id": "A:2",\n{"id": "A:3"}\n', "g_nodes.jsonl:2: not valid JSON"),
    ("g_nodes.jsonl", '{"id": "A:1"}\n\n[1, 2]\n', "g_nodes.jsonl:3: a KGX JSON Lines record must be an object"),
    ("g_nodes.jsonl", '{"id": "A:1"}\n{"id": 5}\n', "g_nodes.jsonl:2: a node needs an id"),
    ("g_edges.jsonl", '{"subject": "A:1", "predicate": 5, "object": "B:1"}\n', "g_edges.jsonl:1: an edge needs"),
    ("g_nodes.jsonl", '{"id": "A:1", "n": ' + "9" * 5000 + "}\n", "g_nodes.jsonl:1: a number of 5,000 digits"),
    ("g.json", '{"nodes": [\n{"id": "A:1"},\n{"id": "A:2", "n": ' + "9" * 5000 + "}]}",
     "g.json:3: a number of 5,000 digits"),
    ("g.json", '{"nodes": [\n{"id": "A:1"},\n{"id": }]}', "g.json:3: not valid JSON"),
    ("g.json", '{"nodes": [1]}', "g.json: 'nodes' must be a list of objects"),
    ("g_nodes.tsv", "id\tname\nA:1\tx\nA:2\tx\textra\n", "g_nodes.tsv:3: 3 cells, but the header has 2"),
    ("g_nodes.tsv", "id\tname\nA:1\n", "g_nodes.tsv:2: 1 cells, but the header has 2"),
])
def test_a_bad_kgx_line_is_named_by_its_number(mini_seeds, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    r = invoke("show", "SOD1", "--seeds", str(mini_seeds), "--kgx", str(path))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"error: {tmp_path / expected}" in r.stderr, r.stderr
    assert len(r.stderr) < 500


def test_non_utf8_in_a_kgx_file_is_named_by_its_line(mini_seeds, tmp_path):
    path = tmp_path / "g_nodes.jsonl"
    path.write_bytes(b'{"id": "A:1"}\n{"id": "A:\xff"}\n')
    r = invoke("show", "SOD1", "--seeds", str(mini_seeds), "--kgx", str(path))
    assert r.returncode == 1 and f"{path}:2: not UTF-8 text" in r.stderr


# ---------------------------------------------------------------- show and neighbors with a joined graph

@pytest.fixture()
def joined(tmp_path: Path) -> tuple[str, ...]:
    nodes, edges = tmp_path / "other_nodes.jsonl", tmp_path / "other_edges.jsonl"
    nodes.write_text("\n".join(json.dumps(n) for n in [
        {"id": "ALSKG:sod1", "name": "SOD1"}, {"id": "CHEBI:1", "name": "some drug", "category": ["biolink:Drug"]},
    ]) + "\n", encoding="utf-8")
    edges.write_text("\n".join(json.dumps(e) for e in [
        {"subject": "CHEBI:1", "predicate": "biolink:affects", "object": "ALSKG:sod1"},
        {"subject": "ALSKG:sod1", "predicate": "biolink:related_to", "object": "ALSKG:astrocyte"},
    ]) + "\n", encoding="utf-8")
    return "--kgx", str(nodes), "--kgx", str(edges)


def test_show_lists_the_joined_graphs_edges_marked_as_foreign(mini_seeds, joined):
    r = invoke("show", "SOD1", "--seeds", str(mini_seeds), *joined)
    assert r.returncode == 0, r.stderr
    assert "kgx:other: some drug —affects→ SOD1   (from the KGX graph other; no quote here)" in r.stdout
    assert "kgx:other: SOD1 —related_to→ astrocyte" in r.stdout
    data = json.loads(invoke("show", "SOD1", "--json", "--seeds", str(mini_seeds), *joined).stdout)
    assert {(lk["subject"], lk["predicate"], lk["object"], lk["origin"]) for lk in data["foreign"]} == {
        ("CHEBI:1", "affects", "sod1", "kgx:other"), ("sod1", "related_to", "astrocyte", "kgx:other")}
    assert all(lk["claims"] == [] for lk in data["foreign"])


def test_show_of_a_foreign_node_gives_no_alskg_iri(mini_seeds, joined):
    r = invoke("show", "CHEBI:1", "--seeds", str(mini_seeds), *joined)
    assert r.returncode == 0, r.stderr
    assert "w3id.org/alskg" not in r.stdout and "kgx:other: some drug —affects→ SOD1" in r.stdout


def test_show_without_kgx_is_unchanged(mini_seeds):
    data = json.loads(invoke("show", "SOD1", "--json", "--seeds", str(mini_seeds)).stdout)
    assert "foreign" not in data and data["iri"].endswith("/entity/sod1")


def test_neighbors_marks_the_joined_graphs_edges_by_their_graph_not_as_registry(mini_seeds, joined):
    r = invoke("neighbors", "SOD1", "--seeds", str(mini_seeds), *joined)
    assert r.returncode == 0, r.stderr
    drug = next(line for line in r.stdout.splitlines() if "[CHEBI:1]" in line)
    assert "←affects— (kgx:other)" in drug and "registry" not in drug
    variant = next(line for line in r.stdout.splitlines() if "[sod1_g37r_mini]" in line)
    assert "(registry)" in variant


# ---------------------------------------------------------------- $ALSKG_ONTOLOGY

@pytest.mark.parametrize("broken", ["missing", "empty", "a file", "bad turtle", "no prefixes"])
def test_a_broken_alskg_ontology_is_named_as_such(tmp_path, mini_seeds, broken):
    folder = tmp_path / "ontology"
    if broken == "empty":
        folder.mkdir()
    elif broken == "a file":
        folder.write_text("x", encoding="utf-8")
    elif broken in ("bad turtle", "no prefixes"):
        shutil.copytree(SEEDS.parent / "ontology", folder)
        if broken == "bad turtle":
            (folder / "alskg.ttl").write_text("garbage {{\n", encoding="utf-8")
        else:
            (folder / "prefixes.tsv").write_text("prefix\tnamespace\n", encoding="utf-8")
    r = invoke("stats", "--seeds", str(mini_seeds), env={"ALSKG_ONTOLOGY": str(folder)})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: $ALSKG_ONTOLOGY is '{folder}', but ") and "unset it" in r.stderr
    assert r.stderr.count("\n") == 1


def test_a_good_alskg_ontology_is_used_quietly(mini_seeds):
    r = invoke("stats", "--seeds", str(mini_seeds), env={"ALSKG_ONTOLOGY": str(SEEDS.parent / "ontology")})
    assert r.returncode == 0 and r.stderr == ""


# ---------------------------------------------------------------- -o and other path options

@pytest.mark.parametrize("args", [("export", "-o", ""), ("export", "-o", "  "), ("viz", "-o", ""),
                                  ("stats", "--seeds", ""), ("show", "SOD1", "--kgx", "")])
def test_an_empty_path_option_is_refused_clearly(args):
    r = invoke(*args)
    assert r.returncode == 2 and "the name is empty" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="no /proc")
def test_dash_o_at_a_proc_fd_link_of_a_deleted_file_is_refused(mini_seeds, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    fd = os.open(folder / "gone.txt", os.O_WRONLY | os.O_CREAT)
    try:
        os.unlink(folder / "gone.txt")
        r = invoke("export", "--seeds", str(mini_seeds), "-o", f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)
    assert r.returncode == 1 and f"cannot write /proc/self/fd/{fd}:" in r.stderr, r.stderr
    assert list(folder.iterdir()) == []  # no "gone.txt (deleted)" written beside it


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="no /proc")
def test_dash_o_at_a_proc_fd_link_of_a_pipe_is_refused(mini_seeds):
    read_end, write_end = os.pipe()
    try:
        r = invoke("export", "--seeds", str(mini_seeds), "-o", f"/proc/self/fd/{write_end}")
    finally:
        os.close(read_end)
        os.close(write_end)
    assert r.returncode == 1 and f"cannot write /proc/self/fd/{write_end}:" in r.stderr and "FIFO" in r.stderr


@pytest.mark.skipif(not Path("/proc/self/comm").is_file(), reason="no /proc")
def test_dash_o_where_no_temporary_file_can_be_made_names_the_target(mini_seeds):
    r = invoke("export", "--seeds", str(mini_seeds), "-o", "/proc/self/comm")
    assert r.returncode == 1
    assert r.stderr.startswith("error: cannot write /proc/self/comm: ") and ".comm." not in r.stderr
