"""CLI commands for asking the graph (path, show, neighbors, query, rank, communities, chains, serve).

Each command loads the cached graph, calls one ``KG`` method (the same one a notebook calls) and
prints text or ``--json``. Errors are ``AlskgError``s, which ``kg.cli.main`` prints cleanly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from kg.options import json_option, seeds_option


def _load(seeds_dir: Path | None) -> Any:
    import kg

    return kg.load(seeds_dir)


def _emit(obj: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        data = obj.to_dict() if hasattr(obj, "to_dict") else [x.to_dict() for x in obj]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(text)


@click.command()
@click.argument("source")
@click.argument("target")
@click.option("--max-hops", default=4, show_default=True, help="Longest path to consider (1-8).")
@click.option("--limit", default=10, show_default=True, help="How many paths to show.")
@click.option("--via", "via", default=None, metavar="TYPE", help="Only paths through an entity of this type (e.g. CellType).")
@click.option("--avoid", multiple=True, metavar="NAME", help="Never pass through this entity (repeatable).")
@click.option("--directed", is_flag=True, help="Follow relations only from subject to object.")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True, help="Language of entity labels.")
@seeds_option
@json_option
def path(source: str, target: str, max_hops: int, limit: int, via: str | None, avoid: tuple[str, ...],
         directed: bool, lang: str, seeds_dir: Path | None, as_json: bool) -> None:
    """Explain what links SOURCE to TARGET: ranked paths, every hop with its quote and document.

    Paths with fewer hops come first, then paths through specific entities before paths through
    hubs (degree-weighted, as Hetionet's DWPC), then paths with more supporting claims. Negated
    claims never form a hop. Names may be ids, CURIEs, English or Japanese labels, or synonyms.
    """
    from kg.paths import format_answer

    g = _load(seeds_dir)
    ans = g.paths(source, target, max_hops=max_hops, limit=limit, via=via, avoid=avoid, directed=directed)
    _emit(ans, as_json, None if as_json else format_answer(g.network, ans, lang))


@click.command()
@click.argument("name")
@seeds_option
@json_option
def show(name: str, seeds_dir: Path | None, as_json: bool) -> None:
    """Show one entity: labels, ids, type, and every claim about it with quote and document."""
    from kg.entity import format_entity

    g = _load(seeds_dir)
    view = g.entity(name)
    _emit(view, as_json, None if as_json else format_entity(g.network, view))


@click.command()
@click.argument("name")
@click.option("--hops", default=1, show_default=True, help="How far to look (1-4).")
@seeds_option
@json_option
def neighbors(name: str, hops: int, seeds_dir: Path | None, as_json: bool) -> None:
    """List the entities within N hops of NAME (either direction) and how the nearest relate to it."""
    from kg.entity import format_neighborhood

    g = _load(seeds_dir)
    nb = g.neighbors(name, hops)
    _emit(nb, as_json, None if as_json else format_neighborhood(g.network, nb))


@click.command()
@click.argument("spec", required=False, metavar="NAME|FILE|-")
@click.option("--list", "list_", is_flag=True, help="List the shipped queries: name, then summary.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Bind a query variable (repeatable); bound as an RDF term, never pasted into the text.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "sparql-json"]), default="table",
              show_default=True, help="json: columns and rows; sparql-json: the W3C SPARQL 1.1 JSON results format.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="Embedded SPARQL engine.")
@click.option("--endpoint", default=None, metavar="URL", help="Send the query to this SPARQL endpoint instead.")
@click.option("--max-rows", default=10_000, show_default=True, help="Stop reading results after this many rows.")
@seeds_option
def query(spec: str | None, list_: bool, params: tuple[str, ...], fmt: str, as_json: bool, engine: str,
          endpoint: str | None, max_rows: int, seeds_dir: Path | None) -> None:
    """Run SPARQL: a shipped query by NAME, a .rq FILE, or - for standard input.

    Examples: alskg query --list;  alskg query chains --param gene=SOD1;
    alskg query claims-by-document --param document=glia-sod1-2008 --format csv
    """
    from kg.model import AlskgError
    from kg.query import bind_params, format_result, load_query, run, run_remote, shipped_queries

    if list_:
        for q in shipped_queries():
            click.echo(f"{q.name}\t{q.summary}")
        return
    if not spec:
        raise click.UsageError("give a query NAME, FILE or - (or --list)")
    if max_rows < 1:
        raise AlskgError("--max-rows must be at least 1")
    fmt = "json" if as_json else fmt
    q = load_query(spec)
    values = _parse(params)
    needs_graph = endpoint is None or any(p.kind in ("entity", "document") for p in q.params if p.name in values)
    g = _load(seeds_dir) if needs_graph else None
    _check_required(q, values)
    bindings = bind_params(q, values, g)
    if endpoint:
        res = run_remote(q, bindings, endpoint, max_rows=max_rows)
    else:
        res = run(q, bindings, g.engines, engine, max_rows)
    click.echo(format_result(res, fmt))


def _parse(params: tuple[str, ...]) -> dict[str, str]:
    from kg.query import parse_params

    return parse_params(params)


def _check_required(q: Any, values: dict[str, str]) -> None:
    from kg.query import QueryError

    missing = [p.name for p in q.params if p.description.startswith("required") and p.name not in values]
    if missing:
        raise QueryError(f"query {q.name} needs {' '.join(f'--param {m}=...' for m in missing)}")


@click.command()
@click.option("--metric", type=click.Choice(["degree", "betweenness", "pagerank"]), default="degree", show_default=True)
@click.option("--type", "type_", default=None, metavar="TYPE", help="Only entities of this type (e.g. Gene, CellType).")
@click.option("--top", default=20, show_default=True, help="How many to list.")
@seeds_option
@json_option
def rank(metric: str, type_: str | None, top: int, seeds_dir: Path | None, as_json: bool) -> None:
    """Rank entities by centrality (degree, betweenness or PageRank) in the undirected claim graph."""
    from kg.analyze import format_rank

    rows = _load(seeds_dir).rank(metric, type_, top)
    _emit(rows, as_json, None if as_json else format_rank(rows, metric))


@click.command()
@seeds_option
@json_option
def communities(seeds_dir: Path | None, as_json: bool) -> None:
    """Group entities into communities (greedy modularity; the same answer every run)."""
    from kg.analyze import format_communities

    groups = _load(seeds_dir).communities()
    _emit(groups, as_json, None if as_json else format_communities(groups))


@click.command()
@click.option("--gene", default=None, metavar="NAME", help="Only chains starting at this gene, variant or product.")
@seeds_option
@json_option
def chains(gene: str | None, seeds_dir: Path | None, as_json: bool) -> None:
    """Every gene → cell type → pathology → therapy chain, with the evidence for each link."""
    from kg.analyze import format_chains

    g = _load(seeds_dir)
    rows = g.chains(gene)
    _emit(rows, as_json, None if as_json else format_chains(g.network, rows))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True, help="TCP port.")
@click.option("--timeout-s", type=click.IntRange(min=1), default=30, show_default=True,
              help="Abandon a query after this many seconds (at least 1).")
@seeds_option
def serve(host: str, port: int, timeout_s: int, seeds_dir: Path | None) -> None:
    """Serve the graph read-only over the SPARQL protocol (Oxigraph server) until interrupted.

    Query it with `alskg query NAME --endpoint http://HOST:PORT/query` or any SPARQL client.
    """
    from kg.server import serve_forever

    g = _load(seeds_dir)
    serve_forever(g.nq_path, host, port, timeout_s, echo=lambda m: click.echo(m, err=True))
    sys.exit(0)


COMMANDS: list[click.Command] = [path, show, neighbors, query, rank, communities, chains, serve]
