"""Where alskg finds its ontology, seeds and cache: one place, so every command agrees.

The ontology and the curated seeds are top-level folders of the repository (``ontology/``,
``seeds/``) and ship inside the installed package as ``kg/_ontology`` and ``kg/_seeds`` (setup.cfg
maps them). An installed alskg reads them through ``importlib.resources``; a source checkout (or an
editable install) reads the repository folders. ``$ALSKG_ONTOLOGY`` and ``$ALSKG_SEEDS`` (or
``--seeds``) point at a curator's own copy instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _bundled(package_name: str, repo_folder: str) -> Path:
    """The packaged data folder ``kg/<package_name>`` if installed as data, else the repository's folder."""
    packaged = resources.files("kg") / package_name
    if packaged.is_dir():
        return Path(str(packaged))
    return REPO_ROOT / repo_folder


def bundled_ontology_dir() -> Path:
    """The ontology shipped with this copy of alskg."""
    return _bundled("_ontology", "ontology")


def bundled_seeds_dir() -> Path:
    """The curated seeds shipped with this copy of alskg."""
    return _bundled("_seeds", "seeds")


def default_ontology_dir() -> Path:
    """The ontology folder: $ALSKG_ONTOLOGY if set, else the one shipped with alskg."""
    env = os.environ.get("ALSKG_ONTOLOGY")
    return Path(env) if env else bundled_ontology_dir()


def default_seeds_dir() -> Path:
    """The seeds folder: $ALSKG_SEEDS if set, else the seeds shipped with alskg."""
    env = os.environ.get("ALSKG_SEEDS")
    return Path(env) if env else bundled_seeds_dir()


ONTOLOGY_DIR = default_ontology_dir()
QUERIES_DIR = ONTOLOGY_DIR / "queries"

# What an ontology folder must hold for alskg to run (kg.schema, kg.namespaces, kg.shapes, kg.seeds,
# kg.query read these).
ONTOLOGY_FILES = ("alskg.ttl", "prefixes.tsv", "metagraph.tsv", "shapes.ttl", "grounding.tsv", "hedge-cues.tsv")


def ontology_folder_problem(folder: Path) -> str | None:
    """What is wrong with an ontology folder at a glance (missing, not a folder, a file missing), or None."""
    if not folder.exists():
        return "that folder does not exist"
    if not folder.is_dir():
        return "that is not a folder"
    missing = [name for name in ONTOLOGY_FILES if not (folder / name).is_file()]
    if not (folder / "queries").is_dir():
        missing.append("queries/")
    if missing:
        return f"that folder has no {', '.join(missing)}"
    return None


def check_ontology_env(read: Callable[[Path], object] | None = None) -> None:
    """Refuse a broken ``$ALSKG_ONTOLOGY`` with a message naming the variable (not a missing file deep
    inside a command, which does not say where the folder came from). ``read`` (``kg.schema.load_schema``)
    reads its files too, so an unreadable ontology is named the same way."""
    env = os.environ.get("ALSKG_ONTOLOGY")
    if not env:
        return
    from kg.model import AlskgError

    hint = "point it at a copy of alskg's ontology/ folder, or unset it to use the ontology shipped with alskg"
    problem = ontology_folder_problem(Path(env))
    if problem is None and read is not None:
        try:
            read(Path(env))
        except Exception as exc:  # noqa: BLE001 - any failure to read it is the same message
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            problem = f"its ontology cannot be read ({type(exc).__name__}: {reason})"
    if problem:
        raise AlskgError(f"$ALSKG_ONTOLOGY is {env!r}, but {problem}; {hint}")


def default_cache_dir() -> Path:
    """Where the built graph is cached between commands ($ALSKG_CACHE or ~/.cache/alskg)."""
    env = os.environ.get("ALSKG_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alskg"
