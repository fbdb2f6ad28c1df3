"""Regressions from the hostile re-test of the hardening: each case once crashed, hung or deleted files."""

from __future__ import annotations

import os
import subprocess

import pytest

from helpers import invoke, run_alskg
from kg.sparql_guard import QueryRefused, check_query


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 30000 + "true) } LIMIT 1",  # crashed Oxigraph (SIGSEGV)
    "SELECT (" + "+".join(["1"] * 20001) + " AS ?x) WHERE {}",
])
def test_operator_chains_are_refused_before_any_parser(query):
    with pytest.raises(QueryRefused, match="operators"):
        check_query(query)


def test_ordinary_expressions_pass_the_guard():
    check_query("SELECT * WHERE { ?s ?p ?o FILTER(!(?s = ?o) && ?p != ?o || -1 < 2 * 3 / 4) }")


@pytest.mark.parametrize("victim", ["meta.json", "graph.nq", "network.json"])
def test_a_cache_file_that_is_a_fifo_is_rebuilt_not_read(real_seeds, tmp_path, victim):
    cache = tmp_path / "cache"
    assert invoke("show", "SOD1", "--seeds", str(real_seeds), env={"ALSKG_CACHE": str(cache)}).returncode == 0
    (entry,) = [p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "files"]
    (entry / victim).unlink()
    os.mkfifo(entry / victim)
    try:
        r = run_alskg("show", "SOD1", "--seeds", str(real_seeds), env={"ALSKG_CACHE": str(cache)}, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a FIFO as the cache's {victim} hung alskg")
    assert r.returncode == 0 and "SOD1" in r.stdout


def test_a_deeply_nested_kgx_file_is_a_clear_error(real_seeds, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"nodes": ' + "[" * 200000 + "]" * 200000 + ', "edges": []}', encoding="utf-8")
    r = invoke("show", "SOD1", "--kgx", str(deep), "--seeds", str(real_seeds))
    assert r.returncode == 1 and "nested too deeply" in r.stderr and "Traceback" not in r.stderr


def test_a_rebuild_never_deletes_a_file_a_user_put_beside_the_outputs(mini_seeds, tmp_path):
    out = tmp_path / "out"
    assert invoke("build", "--seeds", str(mini_seeds), "--out", str(out), "--no-html").returncode == 0
    (out / "kgx" / "my-mapping.json").write_text("{}", encoding="utf-8")
    r = invoke("build", "--seeds", str(mini_seeds), "--out", str(out), "--no-html")
    assert r.returncode == 1 and "kgx/my-mapping.json" in r.stderr
    assert (out / "kgx" / "my-mapping.json").is_file()


def test_a_repeated_parameter_is_an_error_not_the_last_one_wins():
    from kg.query import QueryError, parse_params

    with pytest.raises(QueryError, match="given twice"):
        parse_params(["document=fus-ipsc-2016", "document=glia-sod1-2008"])


def test_right_to_left_marks_are_refused_like_the_other_bidi_controls():
    from kg.textgate import check_text

    for mark in ("\u200f", "\u200e", "\u061c"):
        assert check_text(f"model {mark} built", "summary") is not None


def test_dash_o_at_a_symlink_writes_the_file_it_points_to(mini_seeds, tmp_path):
    target = tmp_path / "target.ttl"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.ttl"
    link.symlink_to(target)
    r = invoke("export", "--seeds", str(mini_seeds), "--format", "ttl", "-o", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("@prefix")
