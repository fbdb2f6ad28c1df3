"""The CLI end to end: outputs, stdout export, bad input without tracebacks or half-written files."""

from __future__ import annotations

import json

from click.testing import CliRunner

from helpers import Ran, invoke, run_alskg
from kg.cli import cli


def alskg(*args: str) -> Ran:
    return invoke(*args)


def test_every_command_is_documented():
    runner = CliRunner()
    for name, cmd in cli.commands.items():
        assert cmd.help, f"command {name} has no help text"
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, result.output


def test_stats_reports_documents_numeric_and_negated(mini_seeds):
    r = alskg("stats", "--seeds", str(mini_seeds))
    assert r.returncode == 0, r.stderr
    assert "claims:   3 (1 numeric, 1 negated)" in r.stdout
    assert "glia-sod1-2008" in r.stdout


def test_export_to_stdout_and_file(mini_seeds, tmp_path):
    r = alskg("export", "--seeds", str(mini_seeds), "--format", "nq")
    assert r.returncode == 0, r.stderr
    assert "<https://w3id.org/alskg/entity/astrocyte>" in r.stdout
    out = tmp_path / "g.jsonld"
    r = alskg("export", "--seeds", str(mini_seeds), "--format", "jsonld", "-o", str(out))
    assert r.returncode == 0 and out.read_text(encoding="utf-8").startswith("{")


def test_build_into_an_unwritable_place_fails_cleanly(mini_seeds, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = alskg("build", "--seeds", str(mini_seeds), "--out", str(blocker / "out"), "--no-html")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "error:" in r.stderr


def test_failed_build_writes_nothing(mini_seeds, tmp_path):
    p = mini_seeds / "claims" / "glia-sod1-2008.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("predicate: regulates", "predicate: nope"), encoding="utf-8")
    out = tmp_path / "out"
    r = alskg("build", "--seeds", str(mini_seeds), "--out", str(out))
    assert r.returncode == 1 and "unknown predicate 'nope'" in r.stderr
    assert not out.exists() or not any(out.iterdir())


def test_unknown_export_format_is_a_usage_error(mini_seeds):
    r = alskg("export", "--seeds", str(mini_seeds), "--format", "rdfxml")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_python_dash_m_kg_is_the_same_cli():
    r = run_alskg("--help")
    assert r.returncode == 0 and "validate" in r.stdout


def test_export_into_a_missing_folder_fails_cleanly_and_creates_nothing(mini_seeds, tmp_path):
    target = tmp_path / "missing" / "g.ttl"
    r = alskg("export", "--seeds", str(mini_seeds), "-o", str(target))
    assert r.returncode == 1 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "missing").exists()


def test_dash_output_means_standard_output(mini_seeds, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALSKG_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    r = runner.invoke(cli, ["export", "--seeds", str(mini_seeds), "--format", "ttl", "-o", "-"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("@prefix")
    r = runner.invoke(cli, ["viz", "--seeds", str(mini_seeds), "-o", "-"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("<!DOCTYPE html>")
    assert not (tmp_path / "-").exists()


def test_validate_json_lists_every_problem(mini_seeds):
    runner = CliRunner()
    r = runner.invoke(cli, ["validate", "--seeds", str(mini_seeds), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["claims"] == 3
    p = mini_seeds / "claims" / "glia-sod1-2008.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("predicate: regulates", "predicate: nope"), encoding="utf-8")
    r = runner.invoke(cli, ["validate", "--seeds", str(mini_seeds), "--json"])
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["ok"] is False
    assert any("unknown predicate 'nope'" in p["message"] for p in report["problems"])
