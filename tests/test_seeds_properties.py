"""Property tests for the curation-file reader: any text round-trips, any wrong type is a problem."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.seeds import _Collector, _read_entities

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)
ENTITY = st.fixed_dictionaries({
    "id": st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
    "type": st.sampled_from(["Gene", "CellType", "Pathology"]),
    "en": TEXT,
    "synonyms": st.lists(TEXT, max_size=3),
})
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read(tmp: Path, data: object) -> tuple[list, list]:
    folder = tmp / "entities"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "x.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    col = _Collector(tmp)
    return _read_entities(tmp, col), col.problems


@SETTINGS
@given(st.lists(ENTITY, min_size=1, max_size=5))
def test_any_text_round_trips_with_the_line_of_its_item(tmp_path_factory, entities):
    tmp = tmp_path_factory.mktemp("seeds")
    got, problems = _read(tmp, entities)
    assert problems == []
    assert [(e.id, e.type, e.en, list(e.synonyms)) for e in got] == [
        (d["id"], d["type"], d["en"], d["synonyms"]) for d in entities]
    lines = (tmp / "entities" / "x.yaml").read_text(encoding="utf-8").splitlines()
    for e in got:
        assert lines[e.where.line - 1].startswith("- ")  # the first line of the item


@SETTINGS
@given(st.one_of(st.integers(), st.booleans(), st.floats(allow_nan=False), st.lists(st.integers(), max_size=2)))
def test_a_non_text_label_is_a_problem_with_a_hint_never_an_exception(tmp_path_factory, value):
    tmp = tmp_path_factory.mktemp("seeds")
    _, problems = _read(tmp, [{"id": "x", "type": "Gene", "en": value}])
    assert problems and all(p.hint for p in problems)
    assert any("'en'" in p.message for p in problems)


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_file_content_never_raises(tmp_path_factory, content):
    tmp = tmp_path_factory.mktemp("seeds")
    folder = tmp / "entities"
    folder.mkdir()
    (folder / "x.yaml").write_text(content, encoding="utf-8")
    col = _Collector(tmp)
    _read_entities(tmp, col)  # any problems are collected, none escape
    assert all(p.file.endswith("x.yaml") for p in col.problems)


def test_hostile_yaml_is_a_problem_not_a_crash(tmp_path):
    folder = tmp_path / "entities"
    folder.mkdir()
    for content in ("- ? [a]\n  : b\n", "- !!python/object:os.system x\n", "\x1f", "- &a [*a]\n"):
        (folder / "x.yaml").write_text(content, encoding="utf-8")
        col = _Collector(tmp_path)
        assert _read_entities(tmp_path, col) == []
        assert col.problems, content

