"""Graph-level problems (SHACL) name their file the way the seeds reader does: from the seeds folder as
the user gave it, so a curator can open it from where alskg ran."""

from __future__ import annotations

from pathlib import Path

from kg.model import Seeds
from kg.namespaces import CLAIM, DOC
from kg.seeds import load_seeds
from kg.shapes import Violation, _located


def _as_given(real_seeds: Path, given: Path) -> Seeds:
    given.symlink_to(real_seeds, target_is_directory=True)
    return load_seeds(given)


def test_shacl_problem_paths_start_at_the_seeds_folder_given(real_seeds: Path, tmp_path: Path) -> None:
    seeds = _as_given(real_seeds, tmp_path / "my-seeds")
    claim, doc = seeds.claims[0], seeds.documents[0]
    found = [Violation(str(CLAIM[claim.id]), "p", "m"), Violation(str(DOC[doc.id]), "p", "m")]
    files = [p.file for p in _located(seeds, found)]
    assert files[0] == str(tmp_path / "my-seeds" / Path(*Path(claim.where.file).parts[1:]))
    assert files[1] == str(tmp_path / "my-seeds" / "documents.tsv")
    assert all(Path(f).exists() for f in files)
