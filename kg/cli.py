"""The ``alskg`` command line: every command, thin over the library, with one error boundary.

This is the one module that puts the library (``kg``) and the pages (``viz``) together. Library code
raises ``AlskgError`` (or ``OSError`` for files); ``main`` turns those into a clean message on stderr
and exit code 1 (2 for usage errors). A traceback reaching the user is a bug. Ranges and choices come
from the library's own constants; each command imports what it needs when it runs, so ``alskg
--help`` starts without loading rdflib or NetworkX.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import Any

import click

from kg.model import AlskgError
from kg.textgate import terminal_safe

# The library's limits and choices, repeated here only as click types (kept equal by a test).
MAX_HOPS_LIMIT = 8  # kg.paths.MAX_HOPS_LIMIT
MAX_NEIGHBOR_HOPS = 4  # kg.entity.MAX_NEIGHBOR_HOPS
MAX_FOCUS_HOPS = 6  # viz.views.MAX_FOCUS_HOPS
METRICS = ("degree", "betweenness", "pagerank")  # kg.analyze.METRICS
EXPORT_FORMATS = ("ttl", "trig", "nq", "jsonld", "graphml", "kgx")  # kg.serialize.FORMATS
QUERY_FORMATS = ("table", "csv", "tsv", "json", "sparql-json")  # kg.query.FORMATS
ENGINES = ("oxigraph", "rdflib")  # kg.query.ENGINES
LANGS = ("en", "ja")
SIGNS = ("up", "down")

class PathArg(click.Path):
    """``click.Path`` that refuses an empty value: ``Path("")`` is the current folder, so ``-o ""`` would
    silently name it (and ``--seeds ""`` read it)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            what = "a file name" if not self.dir_okay else "a folder" if not self.file_okay else "a path"
            self.fail(f"the name is empty; give {what}" + (", or - for standard output" if self.allow_dash else ""),
                      param, ctx)
        return super().convert(value, param, ctx)


seeds_option = click.option(
    "--seeds", "seeds_dir", type=PathArg(path_type=Path), default=None,
    help="Seeds folder (default: $ALSKG_SEEDS, else the curated seeds shipped with alskg).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
lang_option = click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
                           help="Language of entity labels.")


def output_option(required: bool = False, what: str = "File") -> Any:
    """``-o/--output FILE``; ``-`` (or no option, where not required) means standard output."""
    return click.option(
        "-o", "--output", type=PathArg(path_type=Path, dir_okay=False, allow_dash=True), required=required,
        default=None, help=f"{what} to write atomically; - for standard output" + ("" if required else " (default)") + ".",
    )


def _seeds(seeds_dir: Path | None) -> Path:
    from kg.locations import default_seeds_dir

    return seeds_dir or default_seeds_dir()


kgx_option = click.option(
    "--kgx", "kgx_files", multiple=True, type=PathArg(path_type=Path, dir_okay=False),
    help="Join another graph's KGX nodes/edges file (.jsonl, .tsv or KGX .json; repeatable) by CURIE.")


def endpoint_options(f: Any) -> Any:
    """``--endpoint URL``, ``--max-fetch N`` and ``--timeout-s S``: answer from a SPARQL endpoint (``kg.remote``)."""
    f = click.option("--timeout-s", "endpoint_timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
                     show_default=True, help="With --endpoint: how long to wait for each of its answers.")(f)
    f = click.option("--max-fetch", type=click.IntRange(min=1), default=20_000, show_default=True,
                     help="With --endpoint: most entities, relations or claims to fetch for one answer.")(f)
    return click.option("--endpoint", default=None, metavar="URL",
                        help="Answer from this SPARQL endpoint (a bounded neighbourhood, ranked here).")(f)


def _graph(seeds_dir: Path | None, kgx_files: tuple[Path, ...], endpoint: str | None, max_fetch: int,
           timeout: float) -> Any:
    """The embedded graph, or the graph behind ``--endpoint`` (which cannot join --kgx files)."""
    if endpoint is None:
        return _load(seeds_dir, kgx_files)
    if kgx_files:
        raise click.UsageError("--kgx joins files into the embedded graph; it cannot be used with --endpoint")
    from kg.remote import RemoteGraph

    return RemoteGraph(endpoint, timeout=timeout, max_fetch=max_fetch)


def _load(seeds_dir: Path | None, kgx_files: tuple[Path, ...] = ()) -> Any:
    from kg.graph import load

    if not kgx_files:
        return load(_seeds(seeds_dir))
    total = sum(p.stat().st_size for p in kgx_files if p.is_file())
    if total < 5_000_000:
        return load(_seeds(seeds_dir), kgx=kgx_files)
    with click.progressbar(length=total, label="reading KGX", file=sys.stderr) as bar:
        return load(_seeds(seeds_dir), kgx=kgx_files, progress=bar.update)


def _write_output(output: Path | None, data: bytes) -> str:
    """Write bytes to standard output (``None`` or ``-``) or atomically to a file; say where."""
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return "standard output"
    from kg.files import write_atomic

    write_atomic(output, data)
    return str(output)


def _notes(g: Any) -> None:
    """Say on stderr which entity a loosely typed name was taken as."""
    for note in dict.fromkeys(g.names.notes):
        click.echo(note, err=True)


def _view(g: Any) -> Any:
    """What an answer's text is formatted with: the cache's read form of the graph if the answer came
    from it (``kg.graph.KG.view``: labels without decoding the whole projection), else the projection."""
    return g.view if hasattr(g, "view") else g.network


def _emit(obj: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        data = obj.to_dict() if hasattr(obj, "to_dict") else [x.to_dict() for x in obj]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(terminal_safe(text or ""))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="alskg")
def cli() -> None:
    """alskg: a knowledge graph of ALS mechanisms with verbatim provenance.

    Every edge traces to a claim that names its document and quotes it verbatim.
    """
    if os.environ.get("ALSKG_ONTOLOGY"):  # a broken one is named as such, before any command reads it
        from kg.locations import check_ontology_env
        from kg.schema import load_schema

        check_ontology_env(load_schema)


# ---------------------------------------------------------------- curating and building


@cli.command()
@seeds_option
@json_option
def validate(seeds_dir: Path | None, as_json: bool) -> None:
    """Check every curation file, quote, type and shape; list every problem (exit 1 if any)."""
    from kg.build import build
    from kg.model import ValidationFailed

    try:
        built = build(_seeds(seeds_dir), validate=True)
    except ValidationFailed as exc:
        if not as_json:
            raise
        click.echo(json.dumps({"ok": False, "problems": [p.to_dict() for p in exc.problems]},
                              indent=2, ensure_ascii=False))
        sys.exit(1)
    click.echo(json.dumps(built.to_dict(), indent=2, ensure_ascii=False) if as_json else built.summary())


@cli.command()
@seeds_option
@click.option("--out", "out_dir", type=click.Path(), default="build", show_default=True,
              help="Folder for the outputs (replaced as a whole: a new folder, or one an earlier build wrote).")
@click.option("--no-html", is_flag=True, help="Skip the interactive HTML pages.")
def build(seeds_dir: Path | None, out_dir: str, no_html: bool) -> None:
    """Validate the seeds and write the graph (Turtle, TriG, N-Quads, JSON-LD, GraphML, KGX, stats, HTML)."""
    from kg.build import build as build_graph
    from kg.files import check_output_folder, write_all
    from kg.locations import ONTOLOGY_DIR
    from kg.serialize import render_outputs

    protected = (_seeds(seeds_dir), ONTOLOGY_DIR)
    check_output_folder(out_dir, protected)  # before the build: a bad --out is the first thing to say
    built = build_graph(_seeds(seeds_dir), validate=True)
    files: Iterable[tuple[str, bytes]] = render_outputs(built)
    if not no_html:
        from viz.pages import iter_pages

        files = chain(files, iter_pages(built))
    for path in write_all(files, out_dir, protected):
        click.echo(f"wrote {path}")
    click.echo(f"ok: {len(built.seeds.entities)} entities, {len(built.seeds.claims)} claims")


@cli.command()
@seeds_option
@json_option
@endpoint_options
def stats(seeds_dir: Path | None, as_json: bool, endpoint: str | None, max_fetch: int,
          endpoint_timeout: float) -> None:
    """Counts by entity type, predicate and document; numeric and negated claims."""
    from kg.seeds import load_seeds
    from kg.stats import compute_stats, format_stats

    if endpoint:
        from kg.remote import STATS_NOTE, RemoteGraph

        s = RemoteGraph(endpoint, timeout=endpoint_timeout, max_fetch=max_fetch).stats()
        click.echo(STATS_NOTE, err=True)
    else:
        s = compute_stats(load_seeds(_seeds(seeds_dir)))
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

    results = compute(load_seeds(_seeds(seeds_dir)), list(doc_ids) or None)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
    else:
        click.echo(format_coverage(results, show_sentences=not summary))


@cli.command()
@seeds_option
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="ttl", show_default=True)
@output_option()
def export(seeds_dir: Path | None, fmt: str, output: Path | None) -> None:
    """Write the graph in one format to a file or stdout."""
    from kg.build import build as build_graph
    from kg.files import check_output_file
    from kg.serialize import serialize

    if output is not None and str(output) != "-":
        check_output_file(output)  # before the build: a bad -o is the first thing to say
    where = _write_output(output, serialize(build_graph(_seeds(seeds_dir)), fmt))
    if where != "standard output":
        click.echo(f"wrote {where}", err=True)


# ---------------------------------------------------------------- asking the graph


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--max-hops", type=click.IntRange(1, MAX_HOPS_LIMIT), default=4, show_default=True,
              help="Longest path to consider.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True, help="How many paths to show.")
@click.option("--via", "via", default=None, metavar="TYPE", help="Only paths through an entity of this type (e.g. CellType).")
@click.option("--avoid", multiple=True, metavar="NAME", help="Never pass through this entity (repeatable).")
@click.option("--directed", is_flag=True, help="Follow relations only from subject to object.")
@click.option("--no-hubs", is_flag=True, help="Drop paths through a general hub (e.g. the disease ALS itself).")
@click.option("--observed-only", is_flag=True, help="Keep paths whose every hop rests on an observed finding.")
@click.option("--sign", type=click.Choice(SIGNS), default=None,
              help="Keep paths whose net effect from SOURCE to TARGET is up or down.")
@lang_option
@seeds_option
@json_option
@kgx_option
@endpoint_options
def path(source: str, target: str, max_hops: int, limit: int, via: str | None, avoid: tuple[str, ...],
         directed: bool, no_hubs: bool, observed_only: bool, sign: str | None, lang: str, seeds_dir: Path | None, kgx_files: tuple[Path, ...],
         as_json: bool, endpoint: str | None, max_fetch: int, endpoint_timeout: float) -> None:
    """Explain what links SOURCE to TARGET: ranked paths, every hop with its quote and document.

    The answer starts with the negative findings: what the documents say did NOT hold between the
    two. Paths with fewer hops come first, then paths through specific entities before paths
    through hubs (degree-weighted, as Hetionet's DWPC) and observed hops before interpretations and
    hypotheses, then paths with more supporting claims. Negated claims never form a hop. Names may
    be ids, CURIEs, English or Japanese labels or synonyms, typed loosely (a note says which entity
    was taken).
    """
    from kg.paths import format_answer

    g = _graph(seeds_dir, kgx_files, endpoint, max_fetch, endpoint_timeout)
    ans = g.paths(source, target, max_hops=max_hops, limit=limit, via=via, avoid=avoid, directed=directed,
                  no_hubs=no_hubs, observed_only=observed_only, sign=sign)
    _notes(g)
    _emit(ans, as_json, None if as_json else format_answer(_view(g), ans, lang))


@cli.command()
@click.argument("name")
@seeds_option
@json_option
@kgx_option
@endpoint_options
def show(name: str, seeds_dir: Path | None, kgx_files: tuple[Path, ...], as_json: bool, endpoint: str | None,
         max_fetch: int, endpoint_timeout: float) -> None:
    """Show one entity: labels, ids, type, and every claim about it with quote and document."""
    from kg.entity import format_entity

    g = _graph(seeds_dir, kgx_files, endpoint, max_fetch, endpoint_timeout)
    view = g.entity(name)
    _notes(g)
    _emit(view, as_json, None if as_json else format_entity(_view(g), view))


@cli.command()
@click.argument("name")
@click.option("--hops", type=click.IntRange(1, MAX_NEIGHBOR_HOPS), default=1, show_default=True, help="How far to look.")
@seeds_option
@json_option
@kgx_option
@endpoint_options
def neighbors(name: str, hops: int, seeds_dir: Path | None, kgx_files: tuple[Path, ...], as_json: bool,
              endpoint: str | None, max_fetch: int,
          endpoint_timeout: float) -> None:
    """List the entities within N hops of NAME (either direction) and how the nearest relate to it."""
    from kg.entity import format_neighborhood

    g = _graph(seeds_dir, kgx_files, endpoint, max_fetch, endpoint_timeout)
    nb = g.neighbors(name, hops)
    _notes(g)
    _emit(nb, as_json, None if as_json else format_neighborhood(_view(g), nb))


@cli.command()
@click.argument("spec", required=False, metavar="NAME|FILE|-")
@click.option("--list", "list_", is_flag=True, help="List the shipped queries: name, then summary.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Bind a query variable (repeatable); bound as an RDF term, never pasted into the text.")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True,
              help="json: columns and rows; sparql-json: the W3C SPARQL 1.1 JSON results format.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--engine", type=click.Choice(ENGINES), default="oxigraph", show_default=True,
              help="Embedded SPARQL engine.")
@click.option("--endpoint", default=None, metavar="URL",
              help="Send the query to this SPARQL endpoint instead (entity and document parameters are resolved "
                   "against its data).")
@click.option("--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True,
              help="Stop reading results after this many rows.")
@click.option("--timeout-s", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True,
              help="Stop a query that is not shipped after this many seconds (or the endpoint's wait).")
@click.option("--max-memory-mb", type=click.IntRange(min=256), default=2048, show_default=True,
              help="Stop a query that is not shipped when it needs more memory than this.")
@click.option("--allow-service", is_flag=True,
              help="Allow SERVICE, which makes the engine send requests to the servers the query names.")
@seeds_option
def query(spec: str | None, list_: bool, params: tuple[str, ...], fmt: str, as_json: bool, engine: str,
          endpoint: str | None, max_rows: int, timeout_s: float, max_memory_mb: int, allow_service: bool,
          seeds_dir: Path | None) -> None:
    """Run SPARQL: a shipped query by NAME, a .rq FILE, or - for standard input.

    Examples: alskg query --list;  alskg query chains --param gene=SOD1;
    alskg query claims-by-document --param document=glia-sod1-2008 --format csv
    """
    from kg.query import bind_params, format_result, load_query, parse_params, run, run_remote, shipped_queries

    if list_:
        for q in shipped_queries():
            click.echo(f"{q.name}\t{q.summary}")
        return
    if not spec:
        raise click.UsageError("give a query NAME, FILE or - (or --list)")
    q = load_query(spec)
    values = parse_params(params)
    g: Any = None
    if endpoint is None:
        g = _load(seeds_dir)
    elif any(p.kind in ("entity", "document") for p in q.params if p.name in values):
        from kg.remote import RemoteGraph  # names are the endpoint's: resolved there, as path --endpoint does

        g = RemoteGraph(endpoint, timeout=timeout_s)
    bindings = bind_params(q, values, g)
    if endpoint:
        res = run_remote(q, bindings, endpoint, timeout=timeout_s, max_rows=max_rows, allow_service=allow_service)
    else:
        g.engines.max_memory_mb = max_memory_mb
        res = run(q, bindings, g.engines, engine, max_rows, allow_service=allow_service, timeout_s=timeout_s)
    out = format_result(res, "json" if as_json else fmt)
    click.echo(terminal_safe(out) if fmt == "table" and not as_json else out)


@cli.command()
@click.option("--metric", type=click.Choice(METRICS), default="degree", show_default=True)
@click.option("--type", "type_", default=None, metavar="TYPE",
              help="Only entities of this type and its subtypes (e.g. Gene, CellType, Therapy).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="How many to list.")
@seeds_option
@json_option
@kgx_option
def rank(metric: str, type_: str | None, top: int, seeds_dir: Path | None, kgx_files: tuple[Path, ...], as_json: bool) -> None:
    """Rank entities by centrality (degree, betweenness or PageRank) in the undirected claim graph."""
    from kg.analyze import format_rank

    rows = _load(seeds_dir, kgx_files).rank(metric, type_, top)
    _emit(rows, as_json, None if as_json else format_rank(rows, metric))


@cli.command()
@seeds_option
@json_option
@kgx_option
def communities(seeds_dir: Path | None, kgx_files: tuple[Path, ...], as_json: bool) -> None:
    """Group entities into communities (greedy modularity; the same answer every run)."""
    from kg.analyze import format_communities

    groups = _load(seeds_dir, kgx_files).communities()
    _emit(groups, as_json, None if as_json else format_communities(groups))


@cli.command()
@click.option("--gene", default=None, metavar="NAME", help="Only chains starting at this gene, variant or product.")
@seeds_option
@json_option
@kgx_option
def chains(gene: str | None, seeds_dir: Path | None, kgx_files: tuple[Path, ...], as_json: bool) -> None:
    """Every gene → cell type → pathology → therapy chain, with the evidence for each link."""
    from kg.analyze import format_chains

    g = _load(seeds_dir, kgx_files)
    rows = g.chains(gene)
    _emit(rows, as_json, None if as_json else format_chains(g.network, rows))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (::1 for IPv6).")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True, help="TCP port.")
@click.option("--timeout-s", type=click.IntRange(min=1), default=10, show_default=True,
              help="Abandon a query after this many seconds (at least 1).")
@click.option("--max-parallel", type=click.IntRange(min=1, max=256), default=8, show_default=True,
              help="Queries evaluated at once; more wait their turn.")
@click.option("--allow-service", is_flag=True,
              help="Accept queries with SERVICE, which make the server send requests to the servers they name.")
@seeds_option
def serve(host: str, port: int, timeout_s: int, max_parallel: int, allow_service: bool,
          seeds_dir: Path | None) -> None:
    """Serve the graph read-only over the SPARQL protocol (Oxigraph server) until interrupted.

    Query it with `alskg query NAME --endpoint http://HOST:PORT/query` or any SPARQL client.
    Ctrl-C, SIGTERM and SIGHUP stop the server.
    """
    from kg.server import check_port_free, serve_forever

    check_port_free(host, port)  # before the graph is loaded: a busy port is the first thing to say
    g = _load(seeds_dir)
    serve_forever(g.nq_path, host, port, timeout_s, echo=lambda m: click.echo(m, err=True),
                  max_parallel=max_parallel, allow_service=allow_service)


# ---------------------------------------------------------------- pages


@cli.command()
@seeds_option
@output_option(required=True, what="HTML file")
@click.option("--focus", metavar="NAME", help="Show the neighbourhood of one entity (any of its names).")
@click.option("--hops", type=click.IntRange(0, MAX_FOCUS_HOPS), default=1, show_default=True,
              help="Neighbourhood radius for --focus.")
@click.option("--path", "path_ends", nargs=2, metavar="A B", help="Show the ranked paths from A to B.")
@click.option("--max-hops", type=click.IntRange(1, MAX_HOPS_LIMIT), default=4, show_default=True,
              help="Longest path for --path.")
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True, help="How many ranked paths for --path.")
@click.option("--doc", "doc_id", metavar="ID", help="Show one document's claims.")
@click.option("--type", "types", multiple=True, metavar="T",
              help="Keep only entities of this type and its subtypes (repeatable).")
@lang_option
@kgx_option
def viz(seeds_dir: Path | None, output: Path, focus: str | None, hops: int, path_ends: tuple[str, str] | None,
        max_hops: int, limit: int, doc_id: str | None, types: tuple[str, ...], lang: str, kgx_files: tuple[Path, ...]) -> None:
    """Write an interactive graph page that works offline (whole graph, --focus, --path or --doc)."""
    from kg.files import check_output_file
    from viz import views
    from viz.render import render

    chosen = [name for name, val in (("--focus", focus), ("--path", path_ends), ("--doc", doc_id)) if val]
    if len(chosen) > 1:
        raise click.UsageError(f"choose one view, not {' and '.join(chosen)}")
    if str(output) != "-":
        check_output_file(output)  # before the graph is loaded: a bad -o is the first thing to say
    G = _load(seeds_dir, kgx_files).network
    if focus:
        view = views.focus(G, focus, hops)
    elif path_ends:
        view = views.paths(G, path_ends[0], path_ends[1], max_hops=max_hops, limit=limit)
    elif doc_id:
        view = views.document(G, doc_id)
    else:
        view = views.whole(G)
    view = views.filter_types(view, types)
    data = render(view, lang)
    try:
        where = _write_output(output, data)
    except OSError as exc:
        raise AlskgError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {where} ({view.graph.number_of_nodes()} entities, {view.graph.number_of_edges()} relations)",
               err=True)


def main(args: list[str] | None = None) -> None:
    """Entry point with the one error boundary (``args`` default to the command line's)."""
    try:
        cli.main(args=args, prog_name="alskg", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AlskgError as exc:
        click.echo(terminal_safe(f"error: {exc}"), err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
