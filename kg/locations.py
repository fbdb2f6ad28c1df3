"""Where alskg finds its ontology, seeds and cache: one place, so every command agrees.

The ontology and the curated seeds are top-level folders of the repository (``ontology/``,
``seeds/``) and ship inside the installed package as ``kg/_ontology`` and ``kg/_seeds`` (setup.cfg
maps them). An installed alskg reads them through ``importlib.resources``; a source checkout (or an
editable install) reads the repository folders. ``$ALSKG_ONTOLOGY`` and ``$ALSKG_SEEDS`` (or
``--seeds``) point at a curator's own copy instead.
"""

from __future__ import annotations

import os
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


def default_cache_dir() -> Path:
    """Where the built graph is cached between commands ($ALSKG_CACHE or ~/.cache/alskg)."""
    env = os.environ.get("ALSKG_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alskg"
