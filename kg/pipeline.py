"""``alskg build``: validate, build, and render every output in memory before writing any."""

from __future__ import annotations

import json
from pathlib import Path

from kg.serialize import EXTENSIONS, serialize
from kg.stats import compute_stats
from kg.store import Built, build_from_seeds


def render_outputs(seeds_dir: Path) -> tuple[Built, dict[str, bytes]]:
    """Validate the seeds (SHACL included) and render the graph in every format: name → bytes."""
    built = build_from_seeds(seeds_dir, validate=True)
    files = {f"alskg.{EXTENSIONS[fmt]}": serialize(built.dataset, fmt) for fmt in EXTENSIONS}
    files["stats.json"] = (json.dumps(compute_stats(built.seeds), indent=2, ensure_ascii=False) + "\n").encode()
    return built, files
