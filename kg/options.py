"""Click options shared by every command (defined once; imported by kg.cli, kg.commands, viz.commands)."""

from __future__ import annotations

from pathlib import Path

import click

from kg.locations import default_seeds_dir

seeds_option = click.option(
    "--seeds", "seeds_dir", type=click.Path(path_type=Path), default=None,
    help="Seeds folder (default: $ALSKG_SEEDS or the repository's seeds/).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def seeds_path(seeds_dir: Path | None) -> Path:
    """The seeds folder a command works on."""
    return seeds_dir or default_seeds_dir()
