"""SPARQL over the graph: named queries shipped as .rq files, bound parameters, two engines, endpoints.

A shipped query is ``ontology/queries/NAME.rq``; its leading comment block is its header::

    # summary: Claims whose finding was tested and did not happen.
    # param: document document  optional; restrict to one document id (e.g. glia-sod1-2008)

``param`` lines declare ``NAME KIND description`` with KIND one of entity (any name
``kg.names`` accepts, bound to its IRI), document (a document id), iri, string, integer, decimal.
Values are bound as RDF terms (rdflib ``initBindings``, Oxigraph ``substitutions``, or a trailing
``VALUES`` row of serialised terms for a remote endpoint) — never pasted into the query text.

Engines: Oxigraph (pyoxigraph, the default: see benchmarks/bench_query.py) and rdflib's own
engine; a test runs every shipped query on both and requires equal answers. A shipped query that
sorts or joins every claim may have an Oxigraph plan beside it (``NAME.oxigraph.rq``, never listed as
a query of its own): the same rows in the same order, arranged for the on-disk store (hashed
sub-selects, sort keys held in memory), which Oxigraph runs in the query's place; rdflib, which
joins sub-selects pairwise, and endpoints run the query itself (tests compare the two row by row). Bounded by design:
every query text is scanned before parsing (``kg.sparql_guard``: size, bracket nesting, and
``SERVICE``, which sends requests elsewhere and is refused unless ``allow_service=True``). Shipped
queries carry a LIMIT and run in-process; any other query text runs in a child process with a
time and a memory limit that stops it (``kg.sparql_worker``: pyoxigraph cannot be interrupted
in-process, not even by Ctrl-C). Results are read lazily up to ``max_rows``; an endpoint's answer
is read within one deadline (``kg.http_fetch``), size-capped and checked for shape against the
query's form, and a cut-off answer is an error, never a shorter result.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import sys
import unicodedata
import urllib.parse
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable

from kg.locations import QUERIES_DIR
from kg.namespaces import DOC, ENT, PREFIXES
from kg.sparql_guard import (
    MAX_QUERY_CHARS,
    QueryError,
    QueryRefused,
    QuerySyntaxError,
    check_iri,
    check_query,
    expand_local,
    scan,
    unescape_codepoints,
)
from kg.store import open_store


def _rdflib_sparql() -> type[Exception]:
    """rdflib's SPARQL engine, imported when a query first runs on it (Oxigraph queries need neither it
    nor pyparsing: 0.1 s of every command); returns the parser's error class."""
    import rdflib.plugins.sparql
    from pyparsing import ParseException

    # rdflib would fetch every ``FROM <url>`` over the network; the graph is all there is to query.
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    return ParseException


ENGINES = ("oxigraph", "rdflib")
DEFAULT_ENGINE = "oxigraph"
FORMATS = ("table", "csv", "tsv", "json", "sparql-json")
PARAM_KINDS = ("entity", "document", "iri", "string", "integer", "decimal")
DEFAULT_MAX_ROWS = 10_000
DEFAULT_TIMEOUT_S = 30.0  # for query text that is not shipped (it runs in a child process)
DEFAULT_MAX_MEMORY_MB = 2048  # the child's address space
MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # an endpoint's answer
_LANG = re.compile(r"[A-Za-z]+(?:-[A-Za-z0-9]+)*")
__all__ = ["QueryError", "QueryRefused", "QuerySyntaxError"]
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "nonNegativeInteger")}
_HEADER = re.compile(r"#\s*(summary|param)\s*:\s*(.*)$")


@dataclass(frozen=True)
class Param:
    """A declared query parameter: ``# param: NAME KIND description`` (a description starting with
    "required" makes it required)."""

    name: str
    kind: str
    description: str = ""

    @property
    def required(self) -> bool:
        return self.description.casefold().startswith("required")


@dataclass(frozen=True)
class QueryDef:
    """A query with its header: where it came from, what it answers, which parameters it takes."""

    name: str
    text: str
    summary: str = ""
    params: tuple[Param, ...] = ()
    source: str = ""
    shipped: bool = False  # shipped with alskg (bounded by review): may run in-process
    # The same query planned for Oxigraph's on-disk store (``NAME.oxigraph.rq`` beside a shipped query):
    # run in its place on Oxigraph, where sorting every claim by text keys read from disk costs seconds;
    # rdflib (which joins sub-selects pairwise) and endpoints run ``text``. A test checks equal rows, in order.
    oxigraph_plan: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "summary": self.summary, "source": self.source,
                "params": [{"name": p.name, "kind": p.kind, "description": p.description} for p in self.params]}


@dataclass(frozen=True, order=True)
class Cell:
    """One value of a result, engine-independent: kind ('iri', 'literal', 'bnode'), lexical value,
    datatype and language (plain strings get xsd:string; numbers a canonical lexical form)."""

    kind: str
    value: str
    datatype: str = ""
    lang: str = ""

    def python(self) -> Any:
        if self.kind == "literal" and self.datatype in _NUMERIC:
            try:
                d = Decimal(self.value)
            except InvalidOperation:  # an ill-typed literal such as "abc"^^xsd:integer: its text
                return self.value
            if not d.is_finite():  # INF and NaN: JSON has no such numbers
                return self.value
            return int(d) if d == d.to_integral_value() and self.datatype != XSD + "double" else float(d)
        if self.kind == "literal" and self.datatype == XSD + "boolean":
            return self.value == "true"
        return self.value

    def n3(self) -> str:
        """The value as SPARQL syntax (for VALUES rows sent to an endpoint)."""
        if self.kind == "iri":
            return f"<{check_iri(self.value)}>"
        if self.kind == "bnode":
            raise QueryError("a blank node cannot be bound as a parameter")
        esc = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if self.lang:
            if not _LANG.fullmatch(self.lang):
                raise QueryRefused(f"{self.lang!r} is not a language tag")
            return f'"{esc}"@{self.lang}'
        if self.datatype and self.datatype != XSD + "string":
            return f'"{esc}"^^<{check_iri(self.datatype)}>'
        return f'"{esc}"'


@dataclass(frozen=True)
class ResultTable:
    """A query's answer: column names and rows of cells (None = unbound); ``boolean`` for ASK."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell | None, ...], ...] = ()
    boolean: bool | None = None
    truncated: bool = False
    engine: str = ""

    def records(self) -> list[dict[str, Any]]:
        return [{c: (v.python() if v else None) for c, v in zip(self.columns, r, strict=True)} for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        if self.boolean is not None:
            return {"boolean": self.boolean}
        return {"columns": list(self.columns), "rows": self.records(), "truncated": self.truncated}


@dataclass
class Engines:
    """The graph loaded into each engine on first use (both read the cached N-Quads), and the child
    process that runs query text which is not shipped (started on first use, restarted after a kill)."""

    nq_path: Path
    _ox: Any = None
    _rdf: Any = None
    rdflib_graph: Any = field(default=None, repr=False)
    max_memory_mb: int = DEFAULT_MAX_MEMORY_MB
    _worker: Any = field(default=None, repr=False)

    def worker(self) -> Any:
        """The child process for query text that is not shipped (``kg.sparql_worker.Worker``)."""
        if self._worker is None:
            from kg.sparql_worker import Worker  # imported when first needed, like the endpoint client below

            self._worker = Worker(self.nq_path, self.max_memory_mb)
        return self._worker

    def oxigraph(self) -> Any:
        if self._ox is None:
            store = open_store(self.nq_path)  # a cache entry's on-disk store, built once (kg.store)
            if store is None:  # N-Quads outside the cache: loaded into memory
                store = ox.Store()
                store.load(path=str(self.nq_path), format=ox.RdfFormat.N_QUADS)
            self._ox = store
        return self._ox

    def rdflib(self) -> Any:
        if self.rdflib_graph is None:
            from kg.rdf import read_rdf  # with its identifier checks: only the rdflib engine reads the graph so

            _rdflib_sparql()  # no FROM <url> fetched by anyone querying this graph
            self.rdflib_graph = read_rdf(self.nq_path)
        return self.rdflib_graph


# ---------------------------------------------------------------- query definitions


def parse_header(text: str) -> tuple[str, tuple[Param, ...]]:
    """Summary and parameters from the leading comment block (raises QueryError on a bad param line)."""
    summary, params = "", []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            break
        m = _HEADER.match(s)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip()
        if key == "summary":
            summary = f"{summary} {value}".strip()
        else:
            parts = value.split(None, 2)
            if len(parts) < 2 or parts[1] not in PARAM_KINDS:
                raise QueryError(f"bad param header {s!r}: write '# param: NAME KIND description' "
                                 f"with KIND one of {', '.join(PARAM_KINDS)}")
            params.append(Param(parts[0].lstrip("?$"), parts[1], parts[2] if len(parts) > 2 else ""))
    return summary, tuple(params)


def read_query(name: str, text: str, source: str) -> QueryDef:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query {name} is {len(text)} characters; refusing more than {MAX_QUERY_CHARS}")
    summary, params = parse_header(text)
    return QueryDef(name, text, summary, params, source)


def shipped_queries(queries_dir: Path = QUERIES_DIR) -> list[QueryDef]:
    """Every shipped query, sorted by name (an installation without them is broken, not empty)."""
    found = _query_files(queries_dir)
    if not found:
        raise QueryError(f"no shipped queries found in {queries_dir}: this alskg installation is incomplete")
    return [_shipped(read_query(p.stem, _read_text(p), str(p)), queries_dir) for p in found]


PLAN_SUFFIX = ".oxigraph.rq"


def _query_files(queries_dir: Path) -> list[Path]:
    """The shipped queries' files (``NAME.rq``; not the Oxigraph plans ``NAME.oxigraph.rq``)."""
    return sorted(p for p in queries_dir.glob("*.rq") if "." not in p.stem)


def _shipped(q: QueryDef, queries_dir: Path) -> QueryDef:
    plan = queries_dir / f"{q.name}{PLAN_SUFFIX}"
    return QueryDef(q.name, q.text, q.summary, q.params, q.source, shipped=True,
                    oxigraph_plan=_read_text(plan) if plan.is_file() else "")


def _decode(data: bytes, where: str) -> str:
    if len(data) > 4 * MAX_QUERY_CHARS:
        raise QueryError(f"{where} is over {4 * MAX_QUERY_CHARS} bytes; refusing a query that large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"{where} is not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start}); "
                         f"save the query as UTF-8") from None


def _read_text(path: Path) -> str:
    """A query file's text: at most a bounded number of bytes, UTF-8 or a clear error."""
    try:
        with path.open("rb") as f:
            return _decode(f.read(4 * MAX_QUERY_CHARS + 1), f"query file {path}")
    except OSError as exc:
        raise QueryError(f"cannot read query file {path}: {exc.strerror or exc}") from None


def load_query(spec: str, queries_dir: Path = QUERIES_DIR, stdin: Any = None) -> QueryDef:
    """A shipped query by name, a .rq file by path, or ``-`` for standard input."""
    if spec == "-":
        source = stdin or sys.stdin
        raw = getattr(source, "buffer", None)
        try:
            text = (_decode(raw.read(4 * MAX_QUERY_CHARS + 1), "standard input") if raw is not None
                    else source.read(MAX_QUERY_CHARS + 1))
        except UnicodeDecodeError:  # a text stream that decodes by itself
            raise QueryError("standard input is not UTF-8 text; save the query as UTF-8") from None
        return read_query("<stdin>", text, "<stdin>")
    named = queries_dir / f"{spec}.rq"
    if "/" not in spec and "." not in spec and named.is_file():
        return _shipped(read_query(spec, _read_text(named), str(named)), queries_dir)
    path = Path(spec)
    if path.is_file():
        return read_query(path.name, _read_text(path), str(path))
    names = [q.stem for q in _query_files(queries_dir)]
    close = difflib.get_close_matches(spec, names, n=3, cutoff=0.5)
    hint = f"; did you mean: {', '.join(close)}?" if close else "; `alskg query --list` shows the shipped queries"
    raise QueryError(f"no shipped query or file named {spec!r}{hint}")


# ---------------------------------------------------------------- parameters


def parse_params(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("?$")
        if not sep or not key:
            raise QueryError(f"bad parameter {pair!r}: write key=value")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise QueryError(f"bad parameter name {key!r}: use letters, digits and _")
        if key in out:
            raise QueryError(f"parameter {key} is given twice ({out[key]!r} and {value!r}); give it once")
        out[key] = value
    return out


def bind_params(q: QueryDef, values: dict[str, str], kg: Any | None = None) -> dict[str, Cell]:
    """Turn ``key=value`` strings into RDF terms, checked against the query's declared params
    (unknown names and missing required ones are errors); ``kg`` resolves entity and document names."""
    declared = {p.name: p for p in q.params}
    if declared:
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise QueryError(f"query {q.name} has no parameter {', '.join(unknown)}; "
                             f"it takes: {', '.join(declared)}")
    missing = [p.name for p in q.params if p.required and p.name not in values]
    if missing:
        raise QueryError(f"query {q.name} needs the parameter{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} ({'; '.join(p.description for p in q.params if p.name in missing)})")
    out: dict[str, Cell] = {}
    for key, raw in values.items():
        kind = declared[key].kind if key in declared else _guess_kind(raw, PREFIXES)
        if kind == "entity":
            if kg is None:
                raise QueryError("an entity parameter needs the graph to resolve its name")
            out[key] = Cell("iri", str(ENT[kg.resolve(raw)]))
        elif kind == "document":
            docs = _document_ids(kg) if kg is not None else set()
            if docs and raw not in docs:
                raise QueryError(f"no document {raw!r}; documents: {', '.join(sorted(docs))}")
            out[key] = Cell("iri", str(DOC[raw]))
        elif kind == "iri":
            out[key] = Cell("iri", _expand_iri(raw, PREFIXES))
        elif kind in ("integer", "decimal"):
            try:
                num = int(raw) if kind == "integer" else Decimal(raw)
            except (ValueError, InvalidOperation):
                raise QueryError(f"parameter {key} must be {'an' if kind == 'integer' else 'a'} {kind}, got {raw!r}") from None
            out[key] = Cell("literal", str(num), XSD + kind)
        else:
            out[key] = Cell("literal", raw, XSD + "string")
    return out


def _document_ids(kg: Any) -> set[str]:
    """The graph's document ids, read from its RDF (the typed ``doc:`` nodes; hundreds of statements
    from the on-disk store) rather than from the projection, which takes seconds to decode at ×100;
    for a graph behind an endpoint (``kg.remote.RemoteGraph``), asked of the endpoint."""
    prefix = str(DOC)
    if not hasattr(kg, "engines"):
        res = kg.select(f"SELECT DISTINCT ?d WHERE {{ ?d a <{_ALS_DOCUMENT.value}> }}", MAX_DOCUMENTS)
        found = (row[0].value for row in res.rows if row[0] is not None and row[0].kind == "iri")
    else:
        found = (q.subject.value for q in kg.engines.oxigraph().quads_for_pattern(None, _RDF_TYPE, _ALS_DOCUMENT, None)
                 if isinstance(q.subject, ox.NamedNode))
    return {iri[len(prefix):] for iri in found if iri.startswith(prefix)}


MAX_DOCUMENTS = 100_000  # documents read from an endpoint to check a document parameter (x1000 has 5,000)


_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_ALS_DOCUMENT = ox.NamedNode("https://w3id.org/alskg/schema/Document")


def _guess_kind(raw: str, prefixes: dict[str, str]) -> str:
    if raw.startswith("<") and raw.endswith(">"):
        return "iri"
    prefix, sep, _ = raw.partition(":")
    if sep and prefix in prefixes:
        return "iri"
    if re.fullmatch(r"[+-]?\d+", raw):
        return "integer"
    if re.fullmatch(r"[+-]?\d*\.\d+", raw):
        return "decimal"
    return "string"


def _expand_iri(raw: str, prefixes: dict[str, str]) -> str:
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    prefix, sep, local = raw.partition(":")
    if sep and prefix in prefixes:
        return check_iri(prefixes[prefix] + expand_local(local))
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", raw) or re.search(r"[\s<>\"{}|^`\\]", raw):
        raise QueryError(f"{raw!r} is not an IRI or a CURIE with a known prefix")
    return check_iri(raw)


# ---------------------------------------------------------------- running


def run(q: QueryDef, bindings: dict[str, Cell], engines: Engines, engine: str = DEFAULT_ENGINE,
        max_rows: int = DEFAULT_MAX_ROWS, allow_service: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S,
        isolate: bool | None = None) -> ResultTable:
    """Run a query on one embedded engine.

    The text is checked first (size, nesting, ``SERVICE`` unless ``allow_service``). Query text that
    is not shipped runs in a child process stopped after ``timeout_s`` seconds or at the memory
    limit (``isolate=False`` runs it here, unbounded; ``True`` isolates even a shipped query)."""
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "oxigraph" and q.oxigraph_plan:
        q = replace(q, text=q.oxigraph_plan)
    check_query(q.text, allow_service)
    if isolate is None:
        isolate = not q.shipped
    if isolate:
        check_timeout(timeout_s)
        answer = engines.worker().ask({"name": q.name, "text": q.text, "bindings": _cells_to_wire(bindings),
                                       "engine": engine, "max_rows": max_rows, "allow_service": allow_service},
                                      timeout_s)
        if "error" in answer:
            raise (QuerySyntaxError if answer["error"] == "QuerySyntaxError" else QueryError)(answer["message"])
        return from_wire(answer["result"])
    if engine == "oxigraph":
        return _run_oxigraph(q, bindings, engines.oxigraph(), max_rows)
    if engine == "rdflib":
        return _run_rdflib(q, bindings, engines.rdflib(), max_rows)
    raise QueryError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


MAX_TIMEOUT_S = 7 * 24 * 3600  # a week: past it, clocks and alarm() overflow, and nobody waits that long


def check_timeout(seconds: float) -> float:
    """A time limit that every clock, timer and ``alarm()`` below can hold (not 0, inf or NaN)."""
    if not 0 < seconds <= MAX_TIMEOUT_S:
        raise QueryError(f"the time limit must be more than 0 and at most {MAX_TIMEOUT_S:,} seconds (got {seconds})")
    return seconds


def answer_request(engines: Engines, req: dict[str, Any]) -> dict[str, Any]:
    """In the child process: run one request from ``run`` in-process (see ``kg.sparql_worker``)."""
    q = QueryDef(req["name"], req["text"], source=req["name"])
    res = run(q, _cells_from_wire(req["bindings"]), engines, req["engine"], req["max_rows"],
              allow_service=req["allow_service"], isolate=False)
    return {"result": to_wire(res)}


def _cell_to_wire(c: Cell | None) -> list[str] | None:
    return None if c is None else [c.kind, c.value, c.datatype, c.lang]


def _cells_to_wire(bindings: dict[str, Cell]) -> dict[str, list[str] | None]:
    return {k: _cell_to_wire(v) for k, v in bindings.items()}


def _cells_from_wire(data: dict[str, list[str]]) -> dict[str, Cell]:
    return {k: Cell(*v) for k, v in data.items()}


def to_wire(res: ResultTable) -> dict[str, Any]:
    """A result as plain JSON data (between the child process and this one)."""
    return {"columns": list(res.columns), "rows": [[_cell_to_wire(c) for c in row] for row in res.rows],
            "boolean": res.boolean, "truncated": res.truncated, "engine": res.engine}


def from_wire(data: dict[str, Any]) -> ResultTable:
    return ResultTable(tuple(data["columns"]), tuple(tuple(Cell(*c) if c else None for c in row) for row in data["rows"]),
                       boolean=data["boolean"], truncated=data["truncated"], engine=data["engine"])


def _prefixes() -> dict[str, str]:
    return dict(PREFIXES)


def _run_oxigraph(q: QueryDef, bindings: dict[str, Cell], store: Any, max_rows: int) -> ResultTable:
    subs = {ox.Variable(k): _to_ox(v) for k, v in bindings.items()}
    try:
        # the default graph is the union of the named graphs, unless the query names its own with FROM
        res = store.query(q.text, prefixes=_prefixes(), use_default_graph_as_union=not scan(q.text).dataset,
                          substitutions=subs)
    except SyntaxError as exc:
        raise _syntax_error(q, str(exc)) from None
    except RuntimeError as exc:  # e.g. a substituted variable the query does not select
        m = re.search(r"variable \?(\w+) in its SELECT projection", str(exc))
        if m:
            raise QueryError(f"query {q.name} does not SELECT ?{m.group(1)}, so parameter {m.group(1)} cannot be "
                             f"bound on Oxigraph; add ?{m.group(1)} to the SELECT clause") from None
        raise QueryError(f"query {q.name} cannot run on Oxigraph: {exc}") from None
    except OSError as exc:
        raise QueryError(f"query {q.name} failed: {exc}") from None
    if isinstance(res, ox.QueryBoolean):
        return ResultTable((), boolean=bool(res), engine="oxigraph")
    try:  # solutions are computed while they are read, so evaluation errors surface here
        if isinstance(res, ox.QueryTriples):
            return _collect(("subject", "predicate", "object"),
                            ((t.subject, t.predicate, t.object) for t in res), _from_ox, max_rows, "oxigraph")
        cols = tuple(v.value for v in res.variables)
        return _collect(cols, ((sol[c] for c in cols) for sol in res), _from_ox, max_rows, "oxigraph")
    except (RuntimeError, OSError, ValueError) as exc:
        raise QueryError(f"query {q.name} failed on Oxigraph: {exc}") from None


def _run_rdflib(q: QueryDef, bindings: dict[str, Cell], graph: Any, max_rows: int) -> ResultTable:
    if scan(q.text).dataset:
        raise QueryError(f"query {q.name} uses FROM, which rdflib's engine ignores (it would answer from the whole "
                         "graph); run it with --engine oxigraph, or drop FROM")
    parse_exception = _rdflib_sparql()
    try:
        res = graph.query(q.text, initNs=_prefixes(),
                          initBindings={Variable(k): _to_rdflib(v) for k, v in bindings.items()})
        # rdflib evaluates lazily: most evaluation errors surface only while the rows are read
        if res.type == "ASK":
            return ResultTable((), boolean=bool(res.askAnswer), engine="rdflib")
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return _collect(("subject", "predicate", "object"), iter(res.graph), _from_rdflib, max_rows, "rdflib")
        cols = tuple(str(v) for v in res.vars)
        return _collect(cols, (tuple(row) for row in res), _from_rdflib, max_rows, "rdflib")
    except parse_exception as exc:
        raise _syntax_error(q, f"error at {exc.lineno}:{exc.col}: {exc.msg}") from None
    except (QueryError, MemoryError):  # MemoryError: the child process names the memory limit
        raise
    except Exception as exc:  # rdflib raises bare Exceptions for unknown prefixes and the like
        raise _rdflib_error(q, exc) from None


def _rdflib_error(q: QueryDef, exc: Exception) -> QueryError:
    """rdflib's own words, except where they mislead: the graph alskg gives rdflib is the union of
    the named graphs as one graph, so ``GRAPH`` (and ``FROM NAMED``) has no named graph to match, and
    rdflib says only that a 'ConjunctiveGraph' was required."""
    if "requiring a dataset" in str(exc) or "ConjunctiveGraph" in str(exc):
        return QueryError(f"query {q.name} uses GRAPH, which the rdflib engine cannot answer: alskg gives rdflib "
                          "the graph as one merged graph, without its named graphs; run it with --engine oxigraph "
                          "(the default), which has the named graphs")
    return QueryError(f"query {q.name} failed on rdflib: {exc}")


def _collect(cols: tuple[str, ...], rows: Any, conv: Any, max_rows: int, engine: str) -> ResultTable:
    out = []
    truncated = False
    for row in rows:
        if len(out) >= max_rows:
            truncated = True
            break
        out.append(tuple(conv(t) for t in row))
    return ResultTable(cols, tuple(out), truncated=truncated, engine=engine)


def _syntax_error(q: QueryDef, message: str) -> QuerySyntaxError:
    m = re.search(r"error at (\d+):(\d+):?\s*(.*)", message, re.S)
    if m:
        return QuerySyntaxError(f"SPARQL syntax error in {q.name} at line {m.group(1)}, column {m.group(2)}: "
                                f"{m.group(3).strip()}")
    return QuerySyntaxError(f"SPARQL syntax error in {q.name}: {message}")


def _canon(value: str, datatype: str) -> str:
    """The canonical lexical form, so every engine and endpoint prints a value the same way
    (Virtuoso answers ``1``/``0`` for booleans and ``5``^^xsd:int where Oxigraph has xsd:integer)."""
    if datatype == XSD + "boolean":
        return {"1": "true", "0": "false"}.get(value.strip(), value.strip())
    if datatype in (XSD + "double", XSD + "float"):
        try:
            return repr(float(value))
        except ValueError:
            return value
    if datatype in _NUMERIC and datatype not in (XSD + "double", XSD + "float"):
        # Only the lexical forms XSD allows are rewritten, and only when short: an endpoint's
        # "1e999999999"^^xsd:integer or "NaN"^^xsd:integer is printed as sent, never expanded.
        text = value.strip()
        pattern = _INTEGER_FORM if datatype != XSD + "decimal" else _DECIMAL_FORM
        if len(text) > _MAX_CANON_CHARS or not pattern.fullmatch(text):
            return value
        try:
            d = Decimal(text)
        except InvalidOperation:
            return value
        if datatype == XSD + "decimal":
            return format(d.normalize(), "f") if d != 0 else "0"
        return str(int(d))
    return value


_INTEGER_FORM = re.compile(r"[+-]?[0-9]+")
_DECIMAL_FORM = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_MAX_CANON_CHARS = 1000


def _from_ox(t: Any) -> Cell | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return Cell("iri", t.value)
    if isinstance(t, ox.BlankNode):
        return Cell("bnode", t.value)
    if t.language:
        return Cell("literal", t.value, RDF_LANGSTRING, t.language.lower())
    dt = t.datatype.value
    return Cell("literal", _canon(t.value, dt), dt)


def _from_rdflib(t: Any) -> Cell | None:
    if t is None:
        return None
    if isinstance(t, URIRef):
        return Cell("iri", str(t))
    if isinstance(t, BNode):
        return Cell("bnode", str(t))
    if isinstance(t, Literal):
        if t.language:
            return Cell("literal", str(t), RDF_LANGSTRING, t.language.lower())
        dt = str(t.datatype) if t.datatype else XSD + "string"
        return Cell("literal", _canon(str(t), dt), dt)
    return Cell("literal", str(t), XSD + "string")


def _to_ox(c: Cell) -> Any:
    if c.kind == "iri":
        return ox.NamedNode(c.value)
    if c.lang:
        return ox.Literal(c.value, language=c.lang)
    return ox.Literal(c.value, datatype=ox.NamedNode(c.datatype or XSD + "string"))


def _to_rdflib(c: Cell) -> Any:
    if c.kind == "iri":
        return URIRef(c.value)
    if c.lang:
        return Literal(c.value, lang=c.lang)
    if not c.datatype or c.datatype == XSD + "string":
        return Literal(c.value)
    return Literal(c.value, datatype=URIRef(c.datatype))


# ---------------------------------------------------------------- remote endpoint


def shown_url(url: str) -> str:
    """The endpoint as messages name it: a ``user:password@`` in the URL is never echoed."""
    return re.sub(r"^(?i:(https?://))[^/?#]*@", r"\1***@", url)


def with_values(q: QueryDef, bindings: dict[str, Cell]) -> str:
    """The query text with its bindings as a trailing VALUES row of serialised terms (for endpoints),
    plus PREFIX lines for the project prefixes it uses but does not declare."""
    declared = set(re.findall(r"(?im)^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", q.text))
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(_prefixes().items())
                       if p not in declared and re.search(rf"(?<![\w<]){re.escape(p)}:", q.text))
    text = prologue + q.text
    if bindings:
        names = sorted(bindings)
        text += f"\nVALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(bindings[n].n3() for n in names)}) }}\n"
    return text


def run_remote(q: QueryDef, bindings: dict[str, Cell], url: str, timeout: float = 30.0,
               max_rows: int = DEFAULT_MAX_ROWS, allow_service: bool = False,
               max_bytes: int = MAX_RESPONSE_BYTES, size_hint: str = "add a LIMIT to the query") -> ResultTable:
    """Send the query to a SPARQL protocol endpoint and read its JSON results.

    ``timeout`` bounds the whole exchange (connecting, headers, body: an endpoint that drips bytes
    is stopped at the deadline, see ``kg.http_fetch``). Every way an endpoint can fail is a
    QueryError naming it: unreachable, too slow, an HTTP error, a body over ``max_bytes``, an answer
    that is not SPARQL JSON (what it was instead is said: HTML, XML, not UTF-8), an answer cut off
    mid-way (an endpoint that hits its own time limit may still say HTTP 200), and JSON of the
    wrong shape for the query (a boolean to a SELECT, rows to an ASK, a malformed term). ``size_hint``
    says what the caller can change when the answer is too large."""
    address, url = url, shown_url(url)  # messages name the endpoint without its user:password@
    if not re.match(r"https?://", address):
        raise QueryError(f"endpoint must be an http:// or https:// URL, got {url!r}")
    if re.search(r"[\x00-\x20\x7f-\x9f]", address):
        raise QueryError(f"endpoint URL {url!r} contains spaces or control characters; percent-encode them")
    check_query(q.text, allow_service)
    check_timeout(timeout)
    import http.client  # the endpoint client, imported when an endpoint is asked (0.1 s of every other command)

    from kg import http_fetch

    body = urllib.parse.urlencode({"query": with_values(q, bindings)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": SPARQL_JSON}
    try:
        answer = http_fetch.post(address, body, headers, timeout, max_bytes)
    except http_fetch.DeadlinePassed as exc:
        sent = f" (it had sent {exc.received:,} bytes)" if exc.received else ""
        raise QueryError(f"endpoint {url} did not answer within the time limit of {timeout:g} s{sent}; "
                         f"no partial result is shown (raise --timeout-s to wait longer)") from None
    except http_fetch.TooLarge as exc:
        raise QueryError(f"endpoint {url} sent more than {max_bytes:,} bytes ({exc}); "
                         f"refusing to read it ({size_hint})") from None
    except http_fetch.CutOff as exc:
        raise QueryError(f"endpoint {url} cut its answer off: {exc} (it may have hit its time limit); "
                         f"no partial result is shown") from None
    except http_fetch.Unreachable as exc:
        raise QueryError(f"cannot reach SPARQL endpoint {url}: {exc}") from None
    except ValueError as exc:  # e.g. a URL urllib cannot use
        raise QueryError(f"cannot send the query to {url}: {exc}") from None
    if answer.status != 200:
        detail = _clip(answer.body.decode("utf-8", "replace").strip(), 500)
        if answer.status == 400 and re.search(r"error at \d+:\d+", detail):
            raise _syntax_error(q, detail)
        form = query_form(q.text)
        hint = (f"; alskg asks for SPARQL JSON results, and this endpoint does not give a {form} answer in "
                f"that format" if answer.status == 406 and form in ("CONSTRUCT", "DESCRIBE") else "")
        raise QueryError(f"endpoint {url} answered HTTP {answer.status}: "
                         f"{detail or http.client.responses.get(answer.status, 'error')}{hint}")
    return _read_results(answer.body, url, max_rows, content_type=answer.content_type,
                         content_encoding=answer.content_encoding, form=query_form(q.text))


SPARQL_JSON = "application/sparql-results+json"
_FORM_SCAN = re.compile(r'#[^\n\r]*|<[^<>"{}|^`\\\x00-\x20]*>|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\''
                        r"|(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:])", re.I)


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first such keyword outside comments, strings and IRIs
    (the prologue before it holds only PREFIX and BASE); None if there is none."""
    try:
        text = unescape_codepoints(text)
    except QueryError:
        return None
    for m in _FORM_SCAN.finditer(text):
        if m.group(1):
            return m.group(1).upper()
    return None


def _clip(text: str, n: int) -> str:
    """At most ``n`` characters of someone else's text, control characters escaped."""
    text = text[:n]
    return text if text.isprintable() else repr(text)[1:-1]


def _what_was_sent(raw: bytes, content_type: str) -> str:
    """'text/html, 1,234 bytes starting '<!DOCTYPE html>…'' — for messages about a wrong answer."""
    head = raw.lstrip()[:60].decode("utf-8", "replace")
    kind = content_type.split(";")[0].strip() or "no Content-Type"
    return f"{kind}, {len(raw):,} bytes starting {head!r}"


def _not_json_results(url: str, raw: bytes, content_type: str, why: str) -> QueryError:
    return QueryError(f"endpoint {url} did not return SPARQL JSON results: {why}; it sent "
                      f"{_what_was_sent(raw, content_type)}, but SPARQL JSON results ({SPARQL_JSON}) were expected")


def _read_results(raw: bytes, url: str, max_rows: int, *, content_type: str = "", content_encoding: str = "",
                  form: str | None = None) -> ResultTable:
    """SPARQL JSON results, checked for shape (against the query's form when known) before anything
    is read from them: every term of every row, not only the rows that are shown."""
    ctype = content_type.split(";")[0].strip().lower()
    if content_encoding.strip().lower() not in ("", "identity"):
        raise _not_json_results(url, raw, content_type, f"the answer is compressed ({content_encoding}), "
                                                        f"which alskg did not ask for")
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    stripped = text.strip()
    if not stripped:
        raise _not_json_results(url, raw, content_type, "the answer is empty")
    if stripped[0] not in "{[":
        if ctype in ("application/sparql-results+xml", "application/xml", "text/xml") or stripped.startswith("<?xml") \
                or "<sparql" in stripped[:500]:
            why = "it answered XML (SPARQL XML results?)"
        elif "html" in ctype or stripped[:15].lower().startswith(("<!doctype html", "<html")):
            why = "it answered an HTML page (is this the endpoint's query URL?)"
        else:
            why = "the answer is not JSON"
        raise _not_json_results(url, raw, content_type, why)
    try:
        doc = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_json_results(url, raw, content_type, f"the answer is not UTF-8 text (byte {raw[exc.start]:#04x} "
                                                        f"at offset {exc.start})") from None
    try:
        payload = json.loads(doc)
    except RecursionError:
        raise _not_json_results(url, raw, content_type, "the JSON is nested too deeply to read") from None
    except json.JSONDecodeError as exc:
        # cut off: the text ends where the parser still wanted more (or Oxigraph appended its notice)
        if _CANCELLED in raw[-300:] or exc.pos >= len(doc.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise QueryError(f"endpoint {url} did not return complete SPARQL JSON results: the answer is cut off "
                             f"after {len(raw):,} bytes (the endpoint may have hit its time limit); "
                             f"no partial result is shown") from None
        raise _not_json_results(url, raw, content_type, f"the answer is not valid JSON ({exc.msg} at line "
                                                        f"{exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # e.g. a number with more digits than Python converts
        raise _not_json_results(url, raw, content_type, f"the answer cannot be read as JSON ({exc})") from None
    return _results_from_json(payload, url, max_rows, form)


_CANCELLED = b"The SPARQL operation has been cancelled"  # Oxigraph's words when it stops mid-answer
_VARNAME = re.compile(r"[\w\u00b7\u0300-\u036f\u203f-\u2040]+")
_TERM_TYPES = ("uri", "bnode", "literal", "typed-literal")  # typed-literal: the 2005 draft, still sent by Virtuoso


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _results_from_json(payload: Any, url: str, max_rows: int, form: str | None) -> ResultTable:
    def bad(why: str) -> QueryError:
        return QueryError(f"endpoint {url} did not return SPARQL JSON results (unexpected structure: {why})")

    if not isinstance(payload, dict):
        raise bad(f"the answer is {_json_kind(payload)}, not an object with head and results")
    if "boolean" in payload:
        if form in ("SELECT", "CONSTRUCT", "DESCRIBE"):
            raise bad(f"the endpoint answered ASK-style boolean to a {form}")
        if "results" in payload:
            raise bad("it holds both a boolean and results")
        value = payload["boolean"]
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            value = value.strip().lower() in ("true", "1")
        if not isinstance(value, bool):
            raise bad(f"boolean is {_json_kind(payload['boolean'])}, not true or false")
        return ResultTable((), boolean=value, engine=url)
    if form == "ASK":
        raise bad("the endpoint answered rows (or no boolean) to an ASK; a boolean was expected")
    head, results = payload.get("head"), payload.get("results")
    if head is None:
        raise bad("it has no head")
    if not isinstance(head, dict):
        raise bad(f"head is {_json_kind(head)}, not an object")
    cols = head.get("vars")
    if not isinstance(cols, list):
        raise bad("head has no vars list" if cols is None else f"head.vars is {_json_kind(cols)}, not a list")
    for c in cols:
        if not (isinstance(c, str) and _VARNAME.fullmatch(c)):
            raise bad(f"head.vars holds {_clip(json.dumps(c, ensure_ascii=False), 80)}, which is not a variable name")
    if len(set(cols)) != len(cols):
        raise bad(f"head.vars names {next(c for c in cols if cols.count(c) > 1)!r} twice")
    if results is None:
        raise bad("it has no results")
    if not isinstance(results, dict):
        raise bad(f"results is {_json_kind(results)}, not an object")
    bindings = results.get("bindings")
    if not isinstance(bindings, list):
        raise bad("results has no bindings list" if bindings is None
                  else f"results.bindings is {_json_kind(bindings)}, not a list")
    known = set(cols)
    rows: list[tuple[Cell | None, ...]] = []
    for i, b in enumerate(bindings, 1):
        if not isinstance(b, dict):
            raise QueryError(f"endpoint {url} sent binding {i} as {_json_kind(b)} "
                             f"({_clip(str(b), 80)}), which is not a SPARQL JSON term map (variable → term)")
        extra = sorted(set(b) - known)
        if extra:
            raise bad(f"binding {i} binds ?{_clip(str(extra[0]), 80)}, which head.vars does not list")
        row = tuple(_from_json(b.get(c), url) for c in cols)  # every row is checked, even past max_rows
        if len(rows) < max_rows:
            rows.append(row)
    return ResultTable(tuple(cols), tuple(rows), truncated=len(bindings) > max_rows, engine=url)


def _from_json(t: Any, url: str = "") -> Cell | None:
    """One SPARQL JSON term as a Cell; anything else is an error naming what was wrong with it."""
    if t is None:
        return None

    def bad(why: str) -> QueryError:
        return QueryError(f"endpoint {url} sent a result value that is not a SPARQL JSON term ({why}): "
                          f"{_clip(json.dumps(t, ensure_ascii=False, default=str), 200)}")

    if not isinstance(t, dict):
        raise bad(f"{_json_kind(t)}, not an object")
    kind, value = t.get("type"), t.get("value")
    if not isinstance(kind, str):
        raise bad("its type is missing or not a string")
    if not isinstance(value, str):
        raise bad("its value is missing or not a string")
    lang, dt = t.get("xml:lang", ""), t.get("datatype", "")
    if not (isinstance(lang, str) and isinstance(dt, str)):
        raise bad("xml:lang and datatype must be strings")
    if kind == "triple":
        raise bad("an RDF-star triple term, which alskg cannot show")
    if kind not in _TERM_TYPES:
        raise bad(f"unknown term type {kind!r}; expected one of {', '.join(_TERM_TYPES)}")
    if kind in ("uri", "bnode"):
        if lang or dt:
            raise bad(f"a {kind} with a language tag or datatype")
        return Cell("iri" if kind == "uri" else "bnode", value)
    if lang:
        if not _LANG.fullmatch(lang):
            raise bad(f"{lang!r} is not a language tag")
        if dt and dt != RDF_LANGSTRING:
            raise bad("a literal with both a language tag and a datatype")
        return Cell("literal", value, RDF_LANGSTRING, lang.lower())
    if kind == "typed-literal" and not dt:
        raise bad("a typed-literal without a datatype")
    if dt:
        try:
            check_iri(dt)
        except QueryError:
            raise bad(f"the datatype {dt!r} is not an IRI") from None
        if dt == RDF_LANGSTRING:
            raise bad("an rdf:langString without a language tag")
    dt = dt or XSD + "string"
    return Cell("literal", _canon(value, dt), dt)


# ---------------------------------------------------------------- output


def compact(iri: str) -> str:
    """An IRI as a CURIE when a project prefix covers it (for tables)."""
    prefixes = _prefixes()
    hits = [(len(ns), p) for p, ns in prefixes.items() if iri.startswith(ns)]
    if not hits:
        return iri
    best = max(hits)[1]
    return f"{best}:{iri[len(prefixes[best]):]}"


def _display(c: Cell | None, short: bool) -> str:
    if c is None:
        return ""
    if c.kind == "iri":
        return compact(c.value) if short else c.value
    if c.kind == "bnode":
        return f"_:{c.value}"
    return c.value


def sparql_json(res: ResultTable) -> dict[str, Any]:
    """The W3C SPARQL 1.1 Query Results JSON Format (datatypes and language tags kept)."""
    if res.boolean is not None:
        return {"head": {}, "boolean": res.boolean}
    bindings = []
    for row in res.rows:
        b: dict[str, dict[str, str]] = {}
        for col, cell in zip(res.columns, row, strict=True):
            if cell is None:
                continue
            if cell.kind in ("iri", "bnode"):
                b[col] = {"type": "uri" if cell.kind == "iri" else "bnode", "value": cell.value}
            elif cell.lang:
                b[col] = {"type": "literal", "value": cell.value, "xml:lang": cell.lang}
            elif cell.datatype and cell.datatype != XSD + "string":
                b[col] = {"type": "literal", "value": cell.value, "datatype": cell.datatype}
            else:
                b[col] = {"type": "literal", "value": cell.value}
        bindings.append(b)
    return {"head": {"vars": list(res.columns)}, "results": {"bindings": bindings}}


def format_result(res: ResultTable, fmt: str = "table") -> str:
    if fmt == "json":
        return json.dumps(res.to_dict(), ensure_ascii=False, indent=2)
    if fmt == "sparql-json":
        return json.dumps(sparql_json(res), ensure_ascii=False, indent=2)
    if res.boolean is not None:
        return "true" if res.boolean else "false"
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(res.columns)
        for row in res.rows:
            w.writerow([_display(c, False).replace("\t", " ").replace("\n", " ") if fmt == "tsv" else _display(c, False)
                        for c in row])
        return buf.getvalue().rstrip("\n")
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    table = [list(res.columns)] + [[_display(c, True).replace("\n", " ") for c in row] for row in res.rows]
    widths = [max(_width(r[i]) for r in table) for i in range(len(res.columns))]
    lines = ["  ".join(_pad(v, w) for v, w in zip(r, widths, strict=True)).rstrip() for r in table]
    if lines:
        lines.insert(1, "  ".join("-" * w for w in widths))
    n = len(res.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''}{', truncated: raise --max-rows to see more' if res.truncated else ''})")
    return "\n".join(lines)


def _width(s: str) -> int:
    """Columns ``s`` takes in a terminal (wide CJK characters take two); ASCII text is its length
    (most cells: a per-character look-up cost 0.3 s on a 1,000-row table)."""
    if s.isascii():
        return len(s)
    new = set(s) - _KNOWN_CHARS  # each character is looked up once per process, not once per cell
    for ch in new:
        if unicodedata.east_asian_width(ch) in "WF":
            _WIDE[ord(ch)] = "  "
    _KNOWN_CHARS.update(new)
    return len(s.translate(_WIDE))


_WIDE: dict[int, str] = {}  # wide and full-width characters seen so far, each as two columns
_KNOWN_CHARS: set[str] = set()


def _pad(s: str, w: int) -> str:
    return s + " " * (w - _width(s))
