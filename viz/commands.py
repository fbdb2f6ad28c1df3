"""CLI commands for the interactive views (``alskg viz``): one view → one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from kg.options import output_option, seeds_option, seeds_path, write_output


@click.command()
@seeds_option
@output_option(required=True, what="HTML file")
@click.option("--focus", metavar="NAME", help="Show the neighbourhood of one entity (any of its names).")
@click.option("--hops", type=int, default=1, show_default=True, help="Neighbourhood radius for --focus.")
@click.option("--path", "path_ends", nargs=2, metavar="A B", help="Show the ranked paths from A to B.")
@click.option("--max-hops", type=int, default=4, show_default=True, help="Longest path for --path.")
@click.option("--limit", type=int, default=5, show_default=True, help="How many ranked paths for --path.")
@click.option("--doc", "doc_id", metavar="ID", help="Show one document's claims.")
@click.option("--type", "types", multiple=True, metavar="T", help="Keep only entities of this type (repeatable).")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Node labels.")
def viz(seeds_dir: Path | None, output: Path, focus: str | None, hops: int, path_ends: tuple[str, str] | None,
        max_hops: int, limit: int, doc_id: str | None, types: tuple[str, ...], lang: str) -> None:
    """Write an interactive graph page that works offline (whole graph, --focus, --path or --doc)."""
    import kg
    from kg.model import AlskgError
    from viz import views
    from viz.render import render

    chosen = [name for name, val in (("--focus", focus), ("--path", path_ends), ("--doc", doc_id)) if val]
    if len(chosen) > 1:
        raise AlskgError(f"choose one view, not {' and '.join(chosen)}")
    G = kg.load(seeds_path(seeds_dir)).network
    if focus:
        view = views.focus(G, focus, hops)
    elif path_ends:
        view = views.paths(G, path_ends[0], path_ends[1], max_hops=max_hops, limit=limit)
    elif doc_id:
        view = views.document(G, doc_id)
    else:
        view = views.whole(G)
    view = views.filter_types(view, types, views.known_types(G))
    data = render(view, lang)
    try:
        write_output(output, data)
    except OSError as exc:
        raise AlskgError(f"cannot write {output}: {exc.strerror or exc}") from None
    where = "standard output" if str(output) == "-" else output
    click.echo(f"wrote {where} ({view.graph.number_of_nodes()} entities, {view.graph.number_of_edges()} relations)",
               err=True)


COMMANDS: list[click.Command] = [viz]
