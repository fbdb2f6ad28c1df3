"""SHACL on the graph by the parts the seeds' items write — a document with its claims, a bucket of
entities, the schema — with each part's result kept in the cache, so that re-validating after one edit
writes and validates the statements of the parts the edit touched, not of the whole graph.

``kg.shapes`` explains why the graph can be validated in parts: a node's result depends on its own
statements, the ``rdf:type`` of the nodes they point at (``sh:class``) and the class hierarchy. Here
a part is known by the digest of the seeds' items it is written from (``kg.unitdigest``), so an
unchanged part is recognised without writing its statements. The cache entry (``<cache>/shapes/``,
one per seeds folder, sealed like every entry: damaged or forged is a miss) records for each part its
digest, the nodes it types, the nodes its statements point at, and its violations. A part is validated
again when its digest changed, or when a node it points at is typed by a part that changed (retyping
an entity re-validates the documents whose claims name it). Everything else — the shapes file, the
schema's statements (its class hierarchy is in every part's context), this code, ``kg/rdf.py``,
``kg/model.py``, pyrudof — is in the entry's key.

A part's focus is the statements whose subject it types itself. What this rests on is checked on the
statements of every part it writes: each node is typed by one part only, and a statement about a node
another part types (a claim's direct triple is about its subject entity) carries no predicate a shape
reads. If either fails, the graph is validated statement by statement instead (``shacl_problems``).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyrudof

from kg.model import Claim, Problem, Seeds
from kg.rdf import Statement, claim_statements, document_statements, entity_statements
from kg.seedcache import FileCache
from kg.shapes import CHUNK_STATEMENTS, TYPE, GraphParts, Shapes, Violation, _located, shacl_problems
from kg.unitdigest import claims_digests, entities_digest, items_digest

FORMAT = 1
ENTITY_BUCKETS = 256  # entities go into this many parts, by a checksum of their id


@dataclass
class Part:
    """One part of the graph: its name, the digest of the items it is written from, its writer."""

    name: str
    digest: str
    write: Callable[[], list[Statement]]


@dataclass
class Record:
    """What the cache keeps of a part: its digest, the nodes it types and points at, its violations."""

    digest: str
    typed: str  # the nodes it owns (types), one per line (N-Triples)
    objects: str
    violations: list[Violation]

    def typed_nodes(self) -> set[str]:
        return set(self.typed.split("\n")) - {""}

    def object_nodes(self) -> set[str]:
        return set(self.objects.split("\n")) - {""}


class NotInParts(Exception):
    """The graph breaks what validating by parts rests on (see the module's docstring)."""


def seed_parts(seeds: Seeds, schema_statements: Sequence[Statement]) -> dict[str, Part]:
    """The parts of the graph of ``seeds``: each document with its claims, entities in buckets by a
    hash of their id (an added entity changes one bucket), the schema."""
    claims: dict[str, list[Claim]] = defaultdict(list)
    for c in seeds.claims:
        claims[c.document].append(c)
    digests = claims_digests(seeds.claims)
    parts: dict[str, Part] = {}
    for d in seeds.documents:
        cs = claims.pop(d.id, [])
        parts[f"document:{d.id}"] = Part(f"document:{d.id}", items_digest([d]) + digests.get(d.id, ""),
                                         lambda d=d, cs=cs: document_statements(d) + _claims(cs))
    for doc, cs in claims.items():  # claims naming a document not listed (the seeds reader reports them)
        parts[f"claims:{doc}"] = Part(f"claims:{doc}", digests[doc], lambda cs=cs: _claims(cs))
    buckets: dict[str, list] = defaultdict(list)
    for e in seeds.entities:
        buckets[f"{zlib.crc32(e.id.encode('utf-8', 'surrogatepass')) % ENTITY_BUCKETS:03d}"].append(e)
    for b, es in sorted(buckets.items()):
        parts[f"entities:{b}"] = Part(f"entities:{b}", entities_digest(es),
                                      lambda es=es: [st for e in es for st in entity_statements(e)])
    schema = sorted(schema_statements)
    parts["schema"] = Part("schema", hashlib.sha256("\n".join(" ".join(st) for st in schema).encode(
        "utf-8", "surrogatepass")).hexdigest(), lambda: list(schema))
    return parts


def _claims(cs: list[Claim]) -> list[Statement]:
    return [st for c in cs for st in claim_statements(c)]


def _version(shapes: Shapes) -> str:
    here = Path(__file__).parent
    h = hashlib.sha256(f"alskg-shacl-units-{FORMAT}-{getattr(pyrudof, '__version__', '')}".encode())
    for name in ("shacl_units.py", "shapes.py", "unitdigest.py", "rdf.py", "model.py", "namespaces.py"):
        h.update((here / name).read_bytes())
    h.update(shapes._text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def unit_shacl_problems(seeds: Seeds, schema_statements: Sequence[Statement],
                        all_statements: Callable[[], Sequence[Statement]], cache: bool = True) -> list[Problem]:
    """SHACL violations of the graph of ``seeds``, located where the curator can fix them: the same
    as ``kg.shapes.shacl_problems`` on all its statements (``all_statements``: the data graph's, asked
    for only if the graph cannot be validated by parts), with the parts an edit did not touch cached."""
    shapes = Shapes()
    parts = seed_parts(seeds, schema_statements)
    store = FileCache.open(folder="shapes") if cache else None
    # the schema's statements are in the key, not only a part: its class hierarchy is in every part's context
    key = "units-" + hashlib.sha256(f"{_version(shapes)}\0{parts['schema'].digest}\0{Path(seeds.root).resolve()}"
                                    .encode("utf-8", "surrogatepass")).hexdigest()[:40]
    old = _read_state(store, key) if store is not None else None
    try:
        records = _validate(parts, old or {}, shapes)
    except NotInParts:
        return shacl_problems(seeds, [*schema_statements, *all_statements()], cache=cache)
    if store is not None and (old is None or any(old.get(n) is not r for n, r in records.items())
                              or set(old) != set(records)):
        _write_state(store, key, records)
    return _located(seeds, sorted({v for r in records.values() for v in r.violations}))


def _validate(parts: dict[str, Part], old: dict[str, Record], shapes: Shapes) -> dict[str, Record]:
    """Every part's record: the unchanged ones from ``old``, the others validated again."""
    written: dict[str, list[Statement]] = {}

    def statements(name: str) -> list[Statement]:
        if name not in written:
            written[name] = parts[name].write()
        return written[name]

    def typed(name: str) -> set[str]:
        """The nodes a part owns: those it types (the schema: every subject it has)."""
        if name == "schema":
            return {s for s, _, _ in statements(name)}
        return {s for s, p, _ in statements(name) if p == TYPE}

    changed = {n for n in parts if n not in old or old[n].digest != parts[n].digest}
    retyped: set[str] = set()
    for n in changed | (set(old) - set(parts)):
        if n in old:
            retyped |= old[n].typed_nodes()
        if n in parts:
            retyped |= typed(n)
    todo = changed | {n for n in parts if n not in changed and old[n].object_nodes() & retyped}
    # who types each node: the records of the parts kept, the statements of the parts written again
    typed_by: dict[str, str] = {}
    for n in parts:
        for node in (typed(n) if n in todo else old[n].typed_nodes()):
            if typed_by.setdefault(node, n) != n:
                raise NotInParts(f"{node} is typed by {typed_by[node]} and by {n}")
    own = {n: typed(n) for n in todo}
    focus: dict[str, list[Statement]] = {}
    for n in sorted(todo):
        focus[n] = []
        for st in statements(n):
            if st[1] not in shapes.predicates:
                continue
            if st[0] not in own[n]:  # about a node another part types, or none: a shape reads it
                raise NotInParts(f"{n} writes {st} about a node it does not type")
            focus[n].append(st)
    pointed = {st[2] for n in todo for st in focus[n] if st[2][0] == "<"}
    sources = {typed_by[o] for o in pointed if o in typed_by} | {"schema"}
    graph = GraphParts([st for n in sorted(todo | sources) for st in statements(n)], shapes.predicates)
    records = {n: old[n] for n in parts if n not in todo}
    batch: list[str] = []
    size = 0
    names = sorted(todo)
    for i, n in enumerate(names):  # parts validated together in sessions of about CHUNK_STATEMENTS
        batch.append(n)
        size += len(focus[n])
        if i == len(names) - 1 or size >= CHUNK_STATEMENTS:
            sts = [st for m in batch for st in focus[m]]
            found = shapes.violations(sts, graph.context(sts), graph.types) if sts else []
            for m in batch:
                nodes = {s.strip("<>") for s in own[m]}
                records[m] = Record(parts[m].digest, "\n".join(sorted(own[m])),
                                    "\n".join(sorted({st[2] for st in focus[m] if st[2][0] == "<"})),
                                    [v for v in found if v.focus in nodes])
            batch, size = [], 0
    return records


def _write_state(store: FileCache, key: str, records: dict[str, Record]) -> None:
    doc = {n: [r.digest, r.typed, r.objects, [[v.focus, v.path, v.message] for v in r.violations]]
           for n, r in records.items()}
    store.put_json(key, doc)


def _read_state(store: FileCache, key: str) -> dict[str, Record] | None:
    """The records of the entry, or None if it is missing, damaged or malformed (then every part is
    validated)."""
    doc = store.get_json(key)
    if doc is None:
        return None
    try:
        out = {}
        for n, (digest, typed, objects, violations) in doc.items():
            if not all(type(x) is str for x in (n, digest, typed, objects)) or type(violations) is not list:
                return None
            vs = []
            for v in violations:
                if type(v) is not list or len(v) != 3 or not all(type(x) is str for x in v):
                    return None
                vs.append(Violation(*v))
            out[n] = Record(digest, typed, objects, vs)
        return out
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None
