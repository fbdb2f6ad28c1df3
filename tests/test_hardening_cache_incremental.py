"""Incremental reading and a cache that cannot lie: per-file entries (kg.seedcache) give exactly what
reading everything gives, after any edit; entries are sealed with a keyed MAC; unsafe cache roots are
refused; the on-disk Oxigraph store (kg.store) is built once, checked and rebuilt when damaged."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from helpers import REPO, invoke, run_alskg
from kg import cachefs, seedcache
from kg.cache import CACHE_FORMAT, content_key, read_entry, remove_unused_entries
from kg.query import Engines
from kg.schema import load_schema
from kg.seeds import read_seeds
from kg.store import STORE, open_store

SCHEMA = load_schema()


def _read(seeds: Path, cache: bool):
    got, problems = read_seeds(seeds, SCHEMA, cache=cache)
    return got, [c.where for c in got.claims], [e.where for e in got.entities], sorted(set(problems))


def _same_as_reading_everything(seeds: Path) -> None:
    cached = _read(seeds, cache=True)
    assert cached == _read(seeds, cache=False)
    assert _read(seeds, cache=True) == cached, "a second, fully cached read gives the same"


@pytest.fixture()
def file_cache(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("ALSKG_CACHE", str(root))
    return root


def _entries(root: Path) -> set[str]:
    return {p.name for p in (root / "files").iterdir()}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---------------------------------------------------------------- one edit re-reads one file


def test_editing_one_claims_file_reads_that_file_again_and_nothing_else(seeds_copy, file_cache):
    _same_as_reading_everything(seeds_copy)
    before = _entries(file_cache)
    assert len(before) == len(list(seeds_copy.glob("*/*.yaml")))
    claims = seeds_copy / "claims" / "glia-sod1-2008.yaml"
    _edit(claims, "summary: ", "summary: Edited. ")
    _same_as_reading_everything(seeds_copy)
    assert len(_entries(file_cache) - before) == 1, "one new entry: the edited file's"
    got, *_ = _read(seeds_copy, cache=True)
    assert any(c.summary.startswith("Edited. ") for c in got.claims)


# Edits anywhere in the seeds, each a class of dependency a cached file's checks may have on the rest.
def _drop_entity(seeds: Path) -> None:
    _edit(seeds / "entities" / "core.yaml", "- id: microglia\n  type: CellType\n  en: microglia\n  ja: [ミクログリア]\n", "")


def _retype_entity(seeds: Path) -> None:
    _edit(seeds / "entities" / "core.yaml", "- id: astrocyte\n  type: CellType", "- id: astrocyte\n  type: Gene")


def _add_close_entity(seeds: Path) -> None:  # changes a "did you mean" hint of an unknown reference
    with (seeds / "entities" / "core.yaml").open("a", encoding="utf-8") as f:
        f.write("- id: microglib\n  type: CellType\n  en: microglib\n")


def _unknown_reference(seeds: Path) -> None:
    _edit(seeds / "claims" / "glia-sod1-2008.yaml", "object: microglia", "object: microgli")


def _bad_quote(seeds: Path) -> None:
    _edit(seeds / "claims" / "glia-sod1-2008.yaml", "quote: アストロサイトに発現", "quote: 書かれていないアストロサイトに発現")


def _document_text_changes(seeds: Path) -> None:  # the document and its checksum: its quotes no longer match
    doc = seeds / "glia-sod1-2008.ja.txt"
    text = doc.read_text(encoding="utf-8").replace("アストロサイトに発現している変異", "アストロサイトにある変異")
    doc.write_text(text, encoding="utf-8")
    sums = seeds / "SHA256SUMS"
    lines = [line for line in sums.read_text(encoding="utf-8").split("\n") if not line.endswith("glia-sod1-2008.ja.txt")]
    lines.insert(0, f"{hashlib.sha256(doc.read_bytes()).hexdigest()}  glia-sod1-2008.ja.txt")
    sums.write_text("\n".join(lines), encoding="utf-8")


def _drop_document(seeds: Path) -> None:
    tsv = seeds / "documents.tsv"
    tsv.write_text("\n".join(line for line in tsv.read_text(encoding="utf-8").split("\n")
                             if not line.startswith("glia-sod1-2008\t")), encoding="utf-8")


def _break_entities(seeds: Path) -> None:
    _edit(seeds / "entities" / "core.yaml", "- id: mouse", "- id: [mouse")


def _break_claims(seeds: Path) -> None:
    _edit(seeds / "claims" / "glia-sod1-2008.yaml", "claims:\n", "claims: [\n")


def _move_entity_down(seeds: Path) -> None:  # only lines change: where it is, not what it is
    core = seeds / "entities" / "core.yaml"
    core.write_text("- id: extra_unused\n  type: Gene\n  en: extra\n" + core.read_text(encoding="utf-8"), encoding="utf-8")


EDITS = [_drop_entity, _retype_entity, _add_close_entity, _unknown_reference, _bad_quote, _document_text_changes,
         _drop_document, _break_entities, _break_claims, _move_entity_down]


@pytest.mark.parametrize("edits", [[edit] for edit in EDITS] + [
    [_unknown_reference, _add_close_entity],  # the "did you mean" hint listed every entity id
    [_unknown_reference, _drop_entity],
    [_bad_quote, _move_entity_down],
    [_drop_document, _document_text_changes],
], ids=lambda edits: "+".join(e.__name__.strip("_") for e in edits))
def test_after_each_kind_of_edit_the_cached_reading_is_the_full_reading(mini_seeds, file_cache, edits):
    _same_as_reading_everything(mini_seeds)
    for edit in edits:
        edit(mini_seeds)
        _same_as_reading_everything(mini_seeds)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(EDITS), min_size=1, max_size=3, unique=True))
def test_after_any_edits_the_cached_reading_is_the_full_reading(mini_seeds, tmp_path_factory, monkeypatch, edits):
    seeds = tmp_path_factory.mktemp("edited") / "mini"
    shutil.copytree(mini_seeds, seeds)
    monkeypatch.setenv("ALSKG_CACHE", str(tmp_path_factory.mktemp("cache")))
    _same_as_reading_everything(seeds)
    for edit in edits:
        try:
            edit(seeds)
        except AssertionError:
            continue  # an earlier edit removed what this one changes
        _same_as_reading_everything(seeds)


def test_an_entity_removed_elsewhere_is_reported_by_the_cached_claims_file(mini_seeds, file_cache):
    assert _read(mini_seeds, cache=True)[3] == []
    _drop_entity(mini_seeds)
    problems = _read(mini_seeds, cache=True)[3]
    assert any("unknown object entity 'microglia'" in p.message and p.file.endswith("glia-sod1-2008.yaml")
               for p in problems), problems


# ---------------------------------------------------------------- sealed entries


def test_a_per_file_entry_rewritten_without_the_key_is_not_used(mini_seeds, file_cache):
    _read(mini_seeds, cache=True)
    for path in (file_cache / "files").iterdir():
        seal, _, body = path.read_bytes().partition(b"\n")
        forged = body.replace(b"Astrocytes control", b"Forged text here")
        if forged != body:  # the forger recomputes every checksum it can: here, none but the MAC
            path.write_bytes(seal + b"\n" + forged)
            break
    else:
        pytest.fail("no entry held the claim")
    got, *_ = _read(mini_seeds, cache=True)
    assert not any("Forged" in c.summary for c in got.claims)
    assert any(c.summary.startswith("Astrocytes control") for c in got.claims)


def test_a_graph_entry_forged_with_recomputed_checksums_is_rebuilt(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    net = json.loads((entry / "network.json").read_text(encoding="utf-8"))
    for _, attrs in net["nodes"]:
        attrs["label_en"] = "FORGED"  # no claim changes, so no claim id gives it away
    data = json.dumps(net).encode()
    (entry / "network.json").write_bytes(data)
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    meta["sha256"]["network.json"] = hashlib.sha256(data).hexdigest()
    meta["mac"] = hashlib.sha256(json.dumps(meta).encode()).hexdigest()  # any MAC made without the key
    (entry / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert read_entry(entry) is None
    g = kg.load(mini_seeds, cache)
    assert g.network.nodes["microglia"]["label_en"] == "microglia"
    assert json.loads((entry / "meta.json").read_text(encoding="utf-8"))["format"] == CACHE_FORMAT


def test_n_quads_written_after_sealing_are_noticed_without_reading_them(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    nq = entry / "graph.nq"
    nq.write_bytes(nq.read_bytes())  # the same bytes, written again: still a write after sealing
    assert read_entry(entry) is None


def test_a_key_that_others_can_read_is_replaced_and_old_entries_rebuilt(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    key = cache / cachefs.KEY_NAME
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    old = key.read_bytes()
    key.chmod(0o644)
    entry = cache / content_key(mini_seeds)
    assert read_entry(entry) is None, "an entry sealed with a key others could read is not trusted"
    kg.load(mini_seeds, cache)
    assert key.read_bytes() != old and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert read_entry(entry) is not None


def test_a_cache_root_writable_by_others_is_not_used(mini_seeds, tmp_path, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    g = kg.load(mini_seeds, cache)
    assert g.resolve("ミクログリア") == "microglia"
    assert list(cache.iterdir()) == [], "nothing written to a root others may write"
    assert "writable by group or others" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to give a folder away")
def test_a_cache_root_owned_by_another_user_is_not_used(mini_seeds, tmp_path, capsys):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    os.chown(cache, 65534, 65534)
    kg.load(mini_seeds, cache)
    assert list(cache.iterdir()) == []
    assert "owned by another user" in capsys.readouterr().err


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    with pytest.raises(TypeError):
        cachefs.write_whole(tmp_path / "x.json", object())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the on-disk store


def _count(store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))["n"].value)


def test_the_store_is_built_once_and_reused_read_only(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    g = kg.load(mini_seeds, cache)
    rows = g.query("documents").rows
    entry = cache / content_key(mini_seeds)
    seal = entry / STORE / "seal.json"
    assert seal.is_file()
    made = seal.stat().st_mtime_ns
    again = kg.load(mini_seeds, cache)
    assert again.query("documents").rows == rows
    assert seal.stat().st_mtime_ns == made, "opened, not rebuilt"
    store = open_store(entry / "graph.nq")
    assert store is not None and _count(store) == len((entry / "graph.nq").read_bytes().splitlines())
    with pytest.raises((OSError, RuntimeError), match="read-write|read-only|Read-only"):
        store.add(next(iter(store)))  # read-only: no command writes to a store another may be reading


def test_a_damaged_store_is_rebuilt(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    g = kg.load(mini_seeds, cache)
    rows = g.query("documents").rows
    db = cache / content_key(mini_seeds) / STORE / "db"
    victim = max((p for p in db.iterdir() if p.suffix == ".sst"), key=lambda p: p.stat().st_size)
    victim.write_bytes(victim.read_bytes()[:-7] + b"garbage")
    assert kg.load(mini_seeds, cache).query("documents").rows == rows
    assert not [p for p in (cache / content_key(mini_seeds)).iterdir() if p.name.startswith(".tmp-")]


def test_n_quads_outside_the_cache_are_loaded_in_memory(real_kg, tmp_path):
    nq = tmp_path / "graph.nq"
    shutil.copy(real_kg.nq_path, nq)
    assert open_store(nq) is None
    assert len(Engines(nq).oxigraph()) == len(real_kg.engines.oxigraph())
    assert not (tmp_path / STORE).exists()


_QUERY = "import sys, kg; g = kg.load(sys.argv[1], sys.argv[2]); print(len(g.query('documents').rows))"


def test_parallel_commands_build_one_store_and_leave_nothing_behind(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", _QUERY, str(mini_seeds), str(cache)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 and out.strip() == "5" for p, (out, _) in zip(procs, results, strict=True)), results
    entry = cache / content_key(mini_seeds)
    assert sorted(p.name for p in entry.iterdir()) == sorted(["answers.bin", "answers.json", "graph.nq", "meta.json", "network.json", STORE])
    assert open_store(entry / "graph.nq") is not None


def test_unused_entries_go_with_their_stores(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache).query("documents")
    old = cache / content_key(mini_seeds)
    assert (old / STORE).is_dir()
    then = time.time() - 7200
    os.utime(old, (then, then))
    _edit(mini_seeds / "claims" / "glia-sod1-2008.yaml", "summary: ", "summary: Edited. ")
    kg.load(mini_seeds, cache)
    assert old.exists(), "the most recently used entries are kept"
    assert remove_unused_entries(cache, keep=content_key(mini_seeds), keep_recent=1, idle_s=3600) == [old]
    assert not old.exists()
    assert not [p for p in cache.iterdir() if p.name.startswith((".tmp-", ".stale-"))]


def test_the_seed_file_cache_follows_the_graph_cache_root(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    assert len(list((cache / "files").iterdir())) == 2  # core.yaml and one claims file
    assert seedcache.ROOT.get() is None


_LIMITED = ("import resource, sys, kg; from kg.store import open_store; "
            "resource.setrlimit(resource.RLIMIT_AS, (256 * 2**20, 256 * 2**20)); "
            "print(open_store(kg.load(sys.argv[1], sys.argv[2]).nq_path))")


@pytest.mark.skipif(sys.platform == "win32", reason="no address-space limits")
def test_a_process_under_a_memory_limit_does_not_open_the_store(mini_seeds, tmp_path):
    """RocksDB aborts (not raises) when its threads cannot reserve address space: the SPARQL child,
    which runs under a limit, loads the N-Quads in memory instead."""
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache).query("documents")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-c", _LIMITED, str(mini_seeds), str(cache)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "None", r.stderr
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert invoke("query", "-", "--seeds", str(mini_seeds), "--max-memory-mb", "256",
                  env={"ALSKG_CACHE": str(cache)}, input=q).returncode == 0


def test_an_unsafe_cache_root_is_warned_about_once_per_command(mini_seeds, tmp_path):
    cache = tmp_path / "shared-cache"
    cache.mkdir()
    cache.chmod(0o777)
    r = run_alskg("validate", "--seeds", str(mini_seeds), env={"ALSKG_CACHE": str(cache)})
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("not using the cache") == 1, r.stderr
