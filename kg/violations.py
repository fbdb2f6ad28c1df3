"""The violation queries (``ontology/queries/violation-*.rq``) run relation by relation, with the rows of
the relations an edit did not touch kept in the cache: re-validating after one edit runs them on the
claims of the relations that edit touched, not on the whole graph.

Why this finds what a run on the whole graph finds: a query whose header says ``# scope: one relation``
promises that each row it returns belongs to one relation — the row's ``?subject ?predicate ?object`` —
and depends only on that relation's part of the graph plus the schema. A relation's part is its direct
triple (if any statement asserts it) and every statement of every claim of that relation (``kg.rdf``
writes a claim as its direct triple, unless negated, and statements about the claim's own node and
its qualifiers). ``tests/test_incremental_graph_checks.py`` holds every shipped violation query to that
promise on faulty graphs (the rows on the parts equal the rows on the whole graph), and each run here
checks that every row names a relation it was given. A violation query without that header runs on
the whole graph every time.

The cache entry (``<cache>/violations/``, one per seeds folder, sealed like the seeds' per-file
entries: a damaged or forged entry is a miss) records each unit's digest — a document's claims, the
entities' registry links — the relations its claims and links belong to, and every row found, by
relation. A unit whose digest changed brings its old and new relations back into the run; the rows of
every other relation are kept. Everything else (this code, ``kg/rdf.py``, the queries, the schema's
statements, pyoxigraph) is in the entry's version: any change there runs every relation again.

Rows are reported sorted by query and by their text, cached or not. A query that returns as many rows
as its ``LIMIT`` may have left some out, so when that happens the query is run on the relation parts
of the whole graph and its own first rows are reported, in its own order, as before.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.model import AlskgError, Claim, Entity, Problem, Seeds
from kg.namespaces import ALS, ENT, GRAPH_DATA, GRAPH_SCHEMA
from kg.query import Engines, QueryDef, run, shipped_queries
from kg.rdf import Statement, claim_statements, data_statements, entity_statements
from kg.seedcache import FileCache
from kg.unitdigest import claims_digests, entities_digest

SCOPE = re.compile(r"^#\s*scope\s*:\s*one relation\b", re.MULTILINE)
_LIMIT = re.compile(r"\bLIMIT\s+(\d+)\s*$", re.IGNORECASE)
FORMAT = 1
Relation = tuple[str, str, str]  # subject id, predicate name, object id (as the seeds write them)
_ENT, _ALS = str(ENT), str(ALS)


class ScopeBroken(AlskgError):
    """A query that says it is scoped to one relation returned a row about another (or about none)."""


@dataclass(frozen=True)
class Row:
    """One row of a violation query: the relation it belongs to and how it is shown."""

    relation: Relation
    shown: str


def violation_queries() -> list[QueryDef]:
    return [q for q in shipped_queries() if q.name.startswith("violation-")]


def relation_scoped(q: QueryDef) -> bool:
    """Whether the query promises rows that each depend on one relation's part of the graph."""
    return bool(SCOPE.search(q.text))


def _entity_links(e: Entity) -> list[Statement]:
    """An entity's statements between two entities (its registry links: variant of, product of)."""
    return [st for st in entity_statements(e) if st[0].startswith(f"<{_ENT}") and st[2].startswith(f"<{_ENT}")]


def _statement_relation(st: Statement) -> Relation | None:
    s, p, o = (t[1:-1] for t in st)
    if s.startswith(_ENT) and o.startswith(_ENT) and p.startswith(_ALS):
        return (s[len(_ENT):], p[len(_ALS):], o[len(_ENT):])
    return None


class RelationParts:
    """The seeds' claims and registry links grouped by relation, and the units they come from."""

    def __init__(self, seeds: Seeds):
        self.claims: dict[Relation, list[Claim]] = defaultdict(list)
        by_document: dict[str, set[Relation]] = defaultdict(set)
        for c in seeds.claims:
            rel = (c.subject, c.predicate, c.object)
            self.claims[rel].append(c)
            by_document[c.document].add(rel)
        linking = [e for e in seeds.entities if e.variant_of or e.product_of]
        self.links: dict[Relation, list[Statement]] = defaultdict(list)
        link_relations: set[Relation] = set()
        for e in linking:
            for st in _entity_links(e):
                rel = _statement_relation(st)
                if rel is not None:
                    self.links[rel].append(st)
                    link_relations.add(rel)
        # unit → (digest of what it is written from, the relations it belongs to)
        self.units: dict[str, tuple[str, set[Relation]]] = {}
        digests = claims_digests(seeds.claims)
        for doc, relations in sorted(by_document.items()):
            self.units[f"document:{doc}"] = (digests[doc], relations)
        self.units["entity-links"] = (entities_digest(linking), link_relations)

    def relations(self) -> list[Relation]:
        return sorted(set(self.claims) | set(self.links))

    def statements(self, relations: Iterable[Relation]) -> list[Statement]:
        """The part of the graph of each relation: its direct triple and its claims' statements."""
        out: list[Statement] = []
        for rel in relations:
            out.extend(self.links.get(rel, ()))
            for c in self.claims.get(rel, ()):
                out.extend(claim_statements(c))
        return out


def _version(queries: Sequence[QueryDef], schema_statements: Iterable[Statement]) -> str:
    """What every row depends on besides the relations' parts."""
    here = Path(__file__).parent
    h = hashlib.sha256(f"alskg-violations-{FORMAT}-{ox.__version__}".encode())
    for name in ("violations.py", "unitdigest.py", "rdf.py", "model.py", "namespaces.py"):
        h.update((here / name).read_bytes())
    for q in queries:
        h.update(f"\0{q.name}\0{q.text}".encode("utf-8", "surrogatepass"))
    h.update("\n".join(sorted(" ".join(st) for st in schema_statements)).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _store(schema_statements: Iterable[Statement], data_statements: Iterable[Statement]) -> ox.Store:
    schema, data = f"<{GRAPH_SCHEMA}> .\n", f"<{GRAPH_DATA}> .\n"
    text = "".join([*(f"{s} {p} {o} {schema}" for s, p, o in schema_statements),
                    *(f"{s} {p} {o} {data}" for s, p, o in data_statements)])
    store = ox.Store()
    store.load(text.encode("utf-8", "surrogatepass"), format=ox.RdfFormat.N_QUADS)
    return store


def _limit(q: QueryDef) -> int | None:
    m = _LIMIT.search(q.text.strip())
    return int(m.group(1)) if m else None


def _rows(q: QueryDef, store: ox.Store) -> tuple[list[dict], bool]:
    """The query's rows on ``store`` and whether it may have left some out (it hit its LIMIT)."""
    records = run(q, {}, Engines(Path("(the graph being validated)"), _ox=store)).records()
    limit = _limit(q)
    return records, limit is not None and len(records) >= limit


def _shown(row: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in row.items())


def _row_relation(row: dict) -> Relation | None:
    s, p, o = (row.get(k) for k in ("subject", "predicate", "object"))
    if not all(isinstance(x, str) for x in (s, p, o)):
        return None
    if s.startswith(_ENT) and o.startswith(_ENT) and p.startswith(_ALS):
        return (s[len(_ENT):], p[len(_ALS):], o[len(_ENT):])
    return None


def _problem(q: QueryDef, shown: str) -> Problem:
    return Problem(f"ontology/queries/{q.name}.rq", 1, f"violation query returned a row: {shown}", q.summary)


def relation_violations(seeds: Seeds, schema_statements: Sequence[Statement],
                        all_statements: Callable[[], Sequence[Statement]] | None = None,
                        cache: bool = True) -> list[Problem]:
    """Every row of every violation query on the graph of ``seeds``, as problems.

    ``all_statements`` gives the data graph's statements, asked for only if a violation query is not
    scoped to one relation (it runs on the whole graph; by default they are written from ``seeds``)."""
    queries = violation_queries()
    if not queries:
        return []
    parts = RelationParts(seeds)
    scoped = [q for q in queries if relation_scoped(q)]
    whole = [q for q in queries if not relation_scoped(q)]
    problems: list[Problem] = []
    if scoped:
        problems += _scoped_problems(seeds, parts, scoped, schema_statements, cache)
    if whole:
        data = all_statements() if all_statements is not None else data_statements(seeds)
        store = _store(schema_statements, data)
        for q in whole:
            problems += [_problem(q, _shown(r)) for r in _rows(q, store)[0]]
    return problems


def _scoped_problems(seeds: Seeds, parts: RelationParts, queries: list[QueryDef],
                     schema_statements: Sequence[Statement], cache: bool) -> list[Problem]:
    version = _version(queries, schema_statements)
    store = FileCache.open(folder="violations") if cache else None
    key = "violations-" + hashlib.sha256(f"{version}\0{Path(seeds.root).resolve()}".encode(
        "utf-8", "surrogatepass")).hexdigest()[:40]
    old = _read_state(store, key) if store else None
    touched = _touched(old[0], parts.units) if old is not None else None
    if old is None or touched is None:
        todo = parts.relations()
        kept: dict[str, list[Row]] = {q.name: [] for q in queries}
    else:
        todo = sorted(touched)
        kept = {q.name: [r for r in old[1].get(q.name, []) if r.relation not in touched] for q in queries}
    problems: list[Problem] = []
    rows: dict[str, list[Row]] = {}
    store_ox = _store(schema_statements, parts.statements(todo)) if todo else None
    full: ox.Store | None = None
    saturated: set[str] = set()
    for q in queries:
        found = list(kept[q.name])
        hit_limit = False
        if store_ox is not None:
            records, hit_limit = _rows(q, store_ox)
            wanted = set(todo)
            for r in records:
                rel = _row_relation(r)
                if rel is None or rel not in wanted:
                    raise ScopeBroken(f"violation query {q.name} says '# scope: one relation' but returned a row"
                                     f" outside the relations it was given: {_shown(r)}")
                found.append(Row(rel, _shown(r)))
        limit = _limit(q)
        if hit_limit or (limit is not None and len(found) >= limit):
            # some rows may have been left out: the query's own first rows on every relation, in its order
            saturated.add(q.name)
            if full is None:
                full = _store(schema_statements, parts.statements(parts.relations()))
            problems += [_problem(q, _shown(r)) for r in _rows(q, full)[0]]
            continue
        rows[q.name] = sorted(set(found), key=lambda r: (r.shown, r.relation))
        problems += [_problem(q, r.shown) for r in rows[q.name]]
    if store is not None and not saturated and (old is None or todo or {n: u[0] for n, u in old[0].items()}
                                                != {n: u[0] for n, u in parts.units.items()}):
        kept_text = {n: u[1] for n, u in old[0].items() if n in parts.units and parts.units[n][0] == u[0]} if old else {}
        _write_state(store, key, parts.units, kept_text, rows)
    return problems


def _touched(old: dict[str, tuple[str, str]], units: dict[str, tuple[str, set[Relation]]]) -> set[Relation] | None:
    """The relations of every unit that is new, gone or changed since the entry (old and new ones);
    None if the entry's relations cannot be read."""
    touched: set[Relation] = set()
    try:
        for name in set(old) | set(units):
            was, now = old.get(name), units.get(name)
            if was is None or now is None or was[0] != now[0]:
                touched.update(_relations(was[1]) if was else ())
                touched.update(now[1] if now else ())
    except ValueError:
        return None
    return touched


def _write_state(store: FileCache, key: str, units: dict[str, tuple[str, set[Relation]]], kept: dict[str, str],
                 rows: dict[str, list[Row]]) -> None:
    """``kept``: the relations, as the entry has them, of the units that did not change."""
    doc = {"units": {name: [d, kept[name] if name in kept else "\n".join("\t".join(r) for r in sorted(rels))]
                     for name, (d, rels) in units.items()},
           "rows": {name: [[*r.relation, r.shown] for r in rs] for name, rs in rows.items()}}
    store.put_json(key, doc)


def _read_state(store: FileCache, key: str):
    """(units, rows by query) of the entry, or None if it is missing, damaged or malformed."""
    doc = store.get_json(key)
    if doc is None:
        return None
    try:
        units = {}
        for name, (d, rels) in doc["units"].items():
            if type(name) is not str or type(d) is not str or type(rels) is not str:
                return None
            units[name] = (d, rels)  # the relations as text: read only for a unit that changed
        rows = {}
        for name, rs in doc["rows"].items():
            got = []
            for r in rs:
                if type(r) is not list or len(r) != 4 or type(r[3]) is not str:
                    return None
                got.append(Row(_relation(r[:3]), r[3]))
            rows[name] = got
        return units, rows
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def _relations(text: str) -> list[Relation]:
    out = []
    for line in text.split("\n") if text else ():
        s, p, o = line.split("\t")  # a malformed line: ValueError, and the entry is not used
        out.append((s, p, o))
    return out


def _relation(r: object) -> Relation:
    if type(r) is not list or len(r) != 3 or not all(type(x) is str for x in r):
        raise TypeError("malformed entry")
    return (r[0], r[1], r[2])
