"""The ``alskg`` command line: thin click commands over the library, one error boundary.

Library code raises ``AlskgError`` (or ``OSError`` for files); ``main`` turns those into a clean
message on stderr and exit code 1. A traceback reaching the user is a bug.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.locations import default_seeds_dir
from kg.model import AlskgError

seeds_option = click.option(
    "--seeds", "seeds_dir", type=click.Path(path_type=Path), default=None,
    help="Seeds folder (default: $ALSKG_SEEDS or the repository's seeds/).",
)


def _seeds(seeds_dir: Path | None) -> Path:
    return seeds_dir or default_seeds_dir()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alskg")
def cli() -> None:
    """alskg: a knowledge graph of ALS mechanisms with verbatim provenance."""


@cli.command()
@seeds_option
def validate(seeds_dir: Path | None) -> None:
    """Check every curation file, quote, type and shape; list every problem."""
    from kg.validate import validate_seeds

    report = validate_seeds(_seeds(seeds_dir))
    click.echo(report.summary())


def main() -> None:
    """Entry point with the one error boundary."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AlskgError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
