"""Click options shared by every command (defined once; imported by kg.cli, kg.commands, viz.commands)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.locations import default_seeds_dir

seeds_option = click.option(
    "--seeds", "seeds_dir", type=click.Path(path_type=Path), default=None,
    help="Seeds folder (default: $ALSKG_SEEDS, else the curated seeds shipped with alskg).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def seeds_path(seeds_dir: Path | None) -> Path:
    """The seeds folder a command works on."""
    return seeds_dir or default_seeds_dir()


def output_option(required: bool = False, what: str = "File") -> click.Option:
    """``-o/--output FILE``; ``-`` (or no option, where not required) means standard output."""
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True), required=required,
        default=None, help=f"{what} to write atomically; - for standard output" + ("" if required else " (default)") + ".",
    )


def write_output(output: Path | None, data: bytes) -> None:
    """Write bytes to standard output (``None`` or ``-``) or atomically to a file, saying so on stderr."""
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from kg.serialize import write_atomic

    write_atomic(output, data)
    click.echo(f"wrote {output}", err=True)
