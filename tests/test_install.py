"""alskg works wherever it is installed: the installed command, run from a folder outside the
repository, finds its ontology, seeds and queries inside the package (CI installs the wheel)."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kg
from helpers import REPO
from kg.locations import bundled_ontology_dir, bundled_seeds_dir


def _installed_alskg() -> str:
    found = shutil.which("alskg", path=str(Path(sys.executable).parent))
    assert found, "the alskg console script is not installed beside this Python"
    return found


def test_ci_tests_the_installed_package_not_the_source_folder():
    if os.environ.get("ALSKG_TEST_INSTALLED") != "1":
        pytest.skip("only meaningful where CI installed the wheel (ALSKG_TEST_INSTALLED=1)")
    assert REPO not in Path(kg.__file__).resolve().parents
    assert REPO not in bundled_seeds_dir().resolve().parents
    assert REPO not in bundled_ontology_dir().resolve().parents


@pytest.mark.parametrize(("bundled", "source"), [(bundled_seeds_dir, "seeds"), (bundled_ontology_dir, "ontology")])
def test_the_package_ships_every_seed_and_ontology_file(bundled, source):
    repo_files = sorted(p.relative_to(REPO / source) for p in (REPO / source).rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts)
    shipped = bundled()
    missing = [str(p) for p in repo_files if not (shipped / p).is_file()]
    assert not missing, f"not in the package: {missing}"
    differ = [str(p) for p in repo_files if not filecmp.cmp(shipped / p, REPO / source / p, shallow=False)]
    assert not differ


def test_installed_alskg_works_from_an_empty_folder(tmp_path):
    exe = _installed_alskg()
    env = {k: v for k, v in os.environ.items() if k not in ("ALSKG_SEEDS", "ALSKG_ONTOLOGY")}
    env["ALSKG_CACHE"] = str(tmp_path / "cache")
    work = tmp_path / "empty"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess:
        r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=600, cwd=work, env=env)
        assert r.returncode == 0, f"alskg {' '.join(args)}: {r.stderr}"
        assert "Traceback" not in r.stderr
        return r

    run("build", "--out", "X")
    assert (work / "X" / "alskg.ttl").stat().st_size > 0 and (work / "X" / "html" / "index.html").is_file()
    assert "SOD1 G37R — mutant SOD1-expressing astrocyte — microglia" in run("path", "SOD1", "microglia", "--limit", "1").stdout
    listed = run("query", "--list").stdout.splitlines()
    assert "documents" in {line.split("\t")[0] for line in listed}
    assert "entities:" in run("stats").stdout
    run("viz", "-o", "f.html")
    assert (work / "f.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not (work / "-").exists()
