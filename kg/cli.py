"""The ``alskg`` command line: thin click commands over the library, one error boundary.

Library code raises ``AlskgError`` (or ``OSError`` for files); ``main`` turns those into a clean
message on stderr and exit code 1. A traceback reaching the user is a bug. Heavy imports happen
inside the command that needs them, so ``alskg --help`` and small commands start fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kg.model import AlskgError
from kg.options import json_option, output_option, seeds_option, seeds_path, write_output


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alskg")
def cli() -> None:
    """alskg: a knowledge graph of ALS mechanisms with verbatim provenance.

    Every edge traces to a claim that names its document and quotes it verbatim.
    """


@cli.command()
@seeds_option
@json_option
def validate(seeds_dir: Path | None, as_json: bool) -> None:
    """Check every curation file, quote, type and shape; list every problem (exit 1 if any)."""
    from kg.model import ValidationFailed
    from kg.validate import validate_seeds

    try:
        report = validate_seeds(seeds_path(seeds_dir))
    except ValidationFailed as exc:
        if not as_json:
            raise
        click.echo(json.dumps({"ok": False, "problems": [p.to_dict() for p in exc.problems]},
                              indent=2, ensure_ascii=False))
        sys.exit(1)
    click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if as_json else report.summary())


@cli.command()
@seeds_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Folder for the outputs.")
@click.option("--no-html", is_flag=True, help="Skip the interactive HTML pages.")
def build(seeds_dir: Path | None, out_dir: Path, no_html: bool) -> None:
    """Validate the seeds and write the graph (Turtle, TriG, N-Quads, JSON-LD, GraphML, stats, HTML)."""
    from kg.pipeline import render_outputs
    from kg.serialize import write_all

    built, files = render_outputs(seeds_path(seeds_dir))
    if not no_html:
        from viz.pages import build_pages

        files.update(build_pages(built))
    for path in write_all(files, out_dir):
        click.echo(f"wrote {path}")
    n = len(built.seeds.claims)
    click.echo(f"ok: {len(built.seeds.entities)} entities, {n} claims")


@cli.command()
@seeds_option
@json_option
def stats(seeds_dir: Path | None, as_json: bool) -> None:
    """Counts by entity type, predicate and document; numeric and negated claims."""
    from kg.seeds import load_seeds
    from kg.stats import compute_stats, format_stats

    s = compute_stats(load_seeds(seeds_path(seeds_dir)))
    click.echo(json.dumps(s, indent=2, ensure_ascii=False) if as_json else format_stats(s))


@cli.command()
@seeds_option
@click.option("--doc", "doc_ids", multiple=True, help="Only these document ids (repeatable).")
@click.option("--summary", is_flag=True, help="Only the per-document table.")
@json_option
def coverage(seeds_dir: Path | None, doc_ids: tuple[str, ...], summary: bool, as_json: bool) -> None:
    """Per document: sentences no claim quotes, entity mentions no claim uses, percent covered."""
    from kg.coverage import coverage as compute
    from kg.coverage import format_coverage
    from kg.seeds import load_seeds

    seeds = load_seeds(seeds_path(seeds_dir))
    known = {d.id for d in seeds.documents}
    for d in doc_ids:
        if d not in known:
            raise AlskgError(f"unknown document {d!r}; known: {', '.join(sorted(known))}")
    results = compute(seeds, list(doc_ids) or None)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        click.echo(format_coverage(results, show_sentences=not summary))


@cli.command()
@seeds_option
@click.option("--format", "fmt", type=click.Choice(["ttl", "trig", "nq", "jsonld", "graphml", "kgx"]), default="ttl",
              show_default=True)
@output_option()
def export(seeds_dir: Path | None, fmt: str, output: Path | None) -> None:
    """Write the graph in one format to a file or stdout."""
    from kg.serialize import serialize
    from kg.store import build_from_seeds

    write_output(output, serialize(build_from_seeds(seeds_path(seeds_dir)).dataset, fmt))


def _register_optional() -> None:
    """Commands from the query and view layers (each module owns its commands)."""
    from kg.commands import COMMANDS as ask_commands

    for cmd in ask_commands:
        cli.add_command(cmd)
    try:
        from viz.commands import COMMANDS as viz_commands
    except ImportError:  # pragma: no cover - viz is part of this repository
        viz_commands = []
    for cmd in viz_commands:
        cli.add_command(cmd)


_register_optional()


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
