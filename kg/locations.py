"""Where alskg finds its seeds and ontology: one place, so every command agrees."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = REPO_ROOT / "ontology"
QUERIES_DIR = ONTOLOGY_DIR / "queries"


def default_seeds_dir() -> Path:
    """The seeds folder: $ALSKG_SEEDS if set, else the repository's own ``seeds/``."""
    env = os.environ.get("ALSKG_SEEDS")
    return Path(env) if env else REPO_ROOT / "seeds"


def default_cache_dir() -> Path:
    """Where the built graph is cached between commands ($ALSKG_CACHE or ~/.cache/alskg)."""
    env = os.environ.get("ALSKG_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alskg"
