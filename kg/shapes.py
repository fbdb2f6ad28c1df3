"""SHACL validation of the built graph with rudof (``pyrudof``, a Rust engine), document by document,
mapped back to curation file and line.

The seeds reader already checks most rules with better messages; SHACL is the independent check
that the graph itself — what users query — has the shape the ontology promises.

Why per document: ``ontology/shapes.ttl`` uses only predicate paths, so whether a node conforms
depends on the statements whose subject it is, plus the ``rdf:type`` (and ``rdfs:subClassOf``) of
the nodes those statements point at (``sh:class``), plus the nodes ``sh:node`` sends it to (a claim's
qualifiers, which belong to the same document). So the graph splits into independent parts: one
document with its claims and their qualifiers, and the remaining subjects (entities, the schema) one by one; whole groups go
into parts of a fixed size (a rudof session costs ≈ 70 ms to start). Each part is validated alone
and only its own nodes' results are kept; the cost is linear in the graph, memory is bounded by the
part size, and one document's result can be
computed (and cached) on its own — ``document_shape_problems``. ``shacl_problems`` keeps each
unit's result in the cache root (``shapes/``), keyed by everything rudof reads for it, so after an
edit to one claims file only that document is validated again. rudof reports the same violations
as pyshacl on this shapes file (checked on the curated graph and on mutated copies when it was
adopted; ``tests/test_hardening_speed.py`` keeps checking the constructs it uses).

rudof does not use ``sh:message``; the message of the shape that failed is looked up here from
the shapes file, by the focus node's class and the result path, as pyshacl reported it.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pyrudof
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SH

from kg.locations import ONTOLOGY_DIR
from kg.model import AlskgError, Problem, Seeds
from kg.namespaces import ALS, CLAIM, DOC, ENT, PROV
from kg.rdf import Statement, claim_statements, document_statements
from kg.seedcache import FileCache

TYPE, SUBCLASS = f"<{RDF.type}>", f"<{RDFS.subClassOf}>"
DERIVED, QUALIFIER = f"<{PROV.wasDerivedFrom}>", f"<{ALS.qualifier}>"
_SHAPE_PREFIX = re.compile(r"^Shape _:\w+: ")  # rudof's own messages name blank nodes that differ run by run
_BLANK = re.compile(r"_:\w+")
CHUNK_STATEMENTS = 20_000  # statements per part validated in one rudof session
CACHE_FORMAT = 1  # of the cached SHACL results (``shacl_problems``)


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result: the node that failed, the path (``None`` for a node-level constraint), why."""

    focus: str
    path: str
    message: str


class Shapes:
    """``ontology/shapes.ttl`` loaded once into rudof, with the messages rudof does not report."""

    def __init__(self, shapes_path: Path = ONTOLOGY_DIR / "shapes.ttl"):
        text = shapes_path.read_text(encoding="utf-8")
        g = Graph().parse(data=text, format="turtle")
        self.targets: dict[str, set[str]] = defaultdict(set)  # target class → node shapes
        self.messages: dict[tuple[str, str], str] = {}  # (node shape, path or "None") → sh:message
        for shape in g.subjects(RDF.type, SH.NodeShape):
            for cls in g.objects(shape, SH.targetClass):
                self.targets[str(cls)].add(str(shape))
            if (msg := g.value(shape, SH.message)) is not None:
                self.messages[(str(shape), "None")] = str(msg)
            for prop in g.objects(shape, SH.property):
                if (msg := g.value(prop, SH.message)) is not None:
                    self.messages[(str(shape), str(g.value(prop, SH.path)))] = str(msg)
        if any(True for _ in g.subjects(SH.closed, None)) or any(True for _ in g.subjects(SH.sparql, None)):
            raise AlskgError(f"{shapes_path}: closed shapes and SPARQL constraints are not supported (the graph"
                             " is validated document by document, and they read beyond a node's own statements)")
        for path in g.objects(None, SH.path):
            if not isinstance(path, URIRef):
                raise AlskgError(f"{shapes_path}: only predicate paths are supported (the graph is validated"
                                 f" document by document), found {path!r}")
        # only these statements can change a result (no shape is closed, every path is one predicate)
        self.predicates = frozenset({f"<{p}>" for p in g.objects(None, SH.path)} | {TYPE, SUBCLASS})
        self._text = text

    def violations(self, focus: Sequence[Statement], context: Iterable[Statement],
                   types: dict[str, set[str]]) -> list[Violation]:
        """Validate the subjects of ``focus`` (all their statements must be in it); ``context`` holds
        the typing the constraints need; ``types`` maps a node (N-Triples) to its classes, superclasses
        included, to find the message of the shape that failed."""
        subjects = {s for s, _, _ in focus}
        data = "\n".join(f"{s} {p} {o} ." for s, p, o in (*focus, *context))
        # a new rudof session per part: a reused one slows down with every validation (2 s per
        # document after fifty, whatever is reset), a new one costs a few milliseconds
        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        rudof.read_shacl(self._text)
        rudof.read_data(data, format=pyrudof.RDFFormat.NTriples, reader_mode=pyrudof.ReaderMode.Strict)
        report = rudof.validate_shacl()
        out = set()
        for v in report.violations:
            node = f"<{v.focus_node}>"
            if node not in subjects:
                continue  # a node typed only for a sh:class check: it is validated in its own part
            path = str(v.path).strip("<>") if v.path else "None"
            shapes = {s for c in types.get(node, ()) for s in self.targets.get(c.strip("<>"), ())}
            message = next((self.messages[(s, path)] for s in sorted(shapes) if (s, path) in self.messages),
                           _BLANK.sub("[]", _SHAPE_PREFIX.sub("", str(v.message).strip('"'))))
            out.add(Violation(str(v.focus_node), path, message))
        return sorted(out)


class GraphParts:
    """The statements of a graph grouped for validation by parts: by subject, the typing of every
    node, and the ``rdfs:subClassOf`` statements every part carries."""

    def __init__(self, statements: Iterable[Statement], predicates: frozenset[str] | None = None):
        """``predicates``: keep only statements with these predicates (``Shapes.predicates``: the others
        cannot change a result, and leaving them out makes validation a third cheaper)."""
        self.by_subject: dict[str, list[Statement]] = defaultdict(list)
        self.typing: dict[str, list[Statement]] = defaultdict(list)  # node → its rdf:type statements
        for st in statements:
            if predicates is None or st[1] in predicates:
                self.by_subject[st[0]].append(st)
                if st[1] == TYPE:
                    self.typing[st[0]].append(st)
        for sts in self.typing.values():
            sts.sort()  # the schema's come from an rdflib graph, in an order that varies run by run
        self.subclass = sorted({st for sts in self.by_subject.values() for st in sts if st[1] == SUBCLASS})

    @cached_property
    def types(self) -> Mapping[str, set[str]]:
        """Node → its classes and their superclasses (N-Triples IRIs), worked out for a node when it
        is first asked for (only the nodes of a failed result are: a message is looked up by class)."""
        sup: dict[str, set[str]] = defaultdict(set)
        for s, _, o in self.subclass:
            sup[s].add(o)
        return _Types(self.typing, sup)

    def context(self, focus: Sequence[Statement]) -> list[Statement]:
        """The typing ``focus`` needs: ``rdf:type`` of every node it points at, and the class hierarchy."""
        out = list(self.subclass)
        typing = self.typing
        for o in sorted({o for _, _, o in focus if o[0] == "<" and o in typing}):
            out.extend(typing[o])
        return out


class _Types(Mapping):
    """Node → its classes and superclasses, computed per node on first use."""

    def __init__(self, typing: Mapping[str, list[Statement]], sup: Mapping[str, set[str]]):
        self._typing, self._sup, self._memo = typing, sup, {}

    def __getitem__(self, node: str) -> set[str]:
        if node not in self._memo:
            todo = [o for _, _, o in self._typing.get(node, ())]
            seen: set[str] = set()
            while todo:
                c = todo.pop()
                if c not in seen:
                    seen.add(c)
                    todo.extend(self._sup.get(c, ()))
            self._memo[node] = seen
        if not self._memo[node]:
            raise KeyError(node)
        return self._memo[node]

    def __iter__(self) -> Iterator[str]:
        return (n for n in self._typing if n in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def document_focus(seeds: Seeds, document: str) -> list[Statement]:
    """One document's own statements: the document, its claims and their qualifiers (not the direct
    triples the claims assert: their subjects are entities, validated with the entities)."""
    doc = next(d for d in seeds.documents if d.id == document)
    out = document_statements(doc)
    for c in seeds.claims:
        if c.document == document:
            node, prefix = f"<{CLAIM[c.id]}>", f"<{CLAIM[c.id]}-q"
            out += [st for st in claim_statements(c) if st[0] == node or st[0].startswith(prefix)]
    return out


def document_shape_problems(seeds: Seeds, document: str, parts: GraphParts, shapes: Shapes | None = None) -> list[Problem]:
    """The SHACL problems of one document (its node, claims and qualifiers), located in the curation
    files; ``parts`` supplies the typing of the entities it points at. Independent of every other
    document, so the result can be cached per document."""
    shapes = shapes or Shapes()
    focus = [st for st in document_focus(seeds, document) if st[1] in shapes.predicates]
    found = shapes.violations(focus, parts.context(focus), parts.types)
    return _located(seeds, found)


def shacl_problems(seeds: Seeds, statements: Iterable[Statement], cache: bool = True) -> list[Problem]:
    """SHACL violations of the whole graph (schema and data statements), each located at the entity
    or claim it concerns: every document on its own (its node, the claims derived from it, their
    qualifiers), then the other subjects in fixed-size chunks.

    With ``cache`` each of those units' results is kept in the cache root (``shapes/``, sealed like
    the seeds' per-file entries), keyed by everything rudof reads for it: its statements, the typing
    of the nodes they point at, the class hierarchy, the shapes file and this code. After an edit to
    one claims file only that document's unit is validated again; the missed units are validated
    together in parts of about ``CHUNK_STATEMENTS`` statements, as without the cache."""
    shapes = Shapes()
    parts = GraphParts(statements, shapes.predicates)
    units = _units(parts)
    store = FileCache.open(folder="shapes") if cache else None
    version = _version(shapes)
    keys = [_unit_key(version, focus, parts.context(focus)) for focus, _ in units] if store else []
    found: dict[int, list[Violation]] = {}
    if store:
        for i, key in enumerate(keys):
            if (got := _cached(store, key)) is not None:
                found[i] = got
    todo = [i for i in range(len(units)) if i not in found]
    batch: list[int] = []
    size = 0
    for n, i in enumerate(todo):  # missed units into parts of about CHUNK_STATEMENTS statements
        batch.append(i)
        size += len(units[i][0])
        if n == len(todo) - 1 or size >= CHUNK_STATEMENTS:
            part = [st for j in batch for st in units[j][0]]
            violations = shapes.violations(part, parts.context(part), parts.types)
            for j in batch:
                found[j] = [v for v in violations if f"<{v.focus}>" in units[j][1]]
                if store:
                    store.put_json(keys[j], [[v.focus, v.path, v.message] for v in found[j]])
            batch, size = [], 0
    return _located(seeds, sorted({v for vs in found.values() for v in vs}))


def _units(parts: GraphParts) -> list[tuple[list[Statement], set[str]]]:
    """(statements, subjects) of each unit validated and cached on its own: a document with its
    claims and their qualifiers (a node in the first document it is in), then the other subjects
    (entities, the schema) in sorted order, in units of about ``CHUNK_STATEMENTS`` statements."""
    members: dict[str, list[str]] = defaultdict(list)  # document node → its claims and their qualifiers
    for subject, sts in parts.by_subject.items():
        for _, p, o in sts:
            if p == DERIVED:
                members[o].append(subject)
                members[o] += [q for _, p2, q in sts if p2 == QUALIFIER]
    units: list[tuple[list[Statement], set[str]]] = []
    done: set[str] = set()
    for doc in sorted(members):
        nodes = [n for n in dict.fromkeys([doc, *members[doc]]) if n not in done]
        done.update(nodes)
        units.append(([st for n in nodes for st in parts.by_subject.get(n, ())], set(nodes)))
    rest: tuple[list[Statement], set[str]] = ([], set())
    for subject in sorted(set(parts.by_subject) - done):
        rest[0].extend(sorted(parts.by_subject[subject]))  # the schema's statements come in no fixed order
        rest[1].add(subject)
        if len(rest[0]) >= CHUNK_STATEMENTS:
            units.append(rest)
            rest = ([], set())
    if rest[0]:
        units.append(rest)
    return units


def _version(shapes: Shapes) -> bytes:
    """What every unit's result depends on besides its statements: the shapes file and this code."""
    h = hashlib.sha256(f"alskg-shapes-{CACHE_FORMAT}-{getattr(pyrudof, '__version__', '')}".encode())
    h.update(Path(__file__).read_bytes())
    h.update(shapes._text.encode("utf-8", "surrogatepass"))
    return h.digest()


def _unit_key(version: bytes, focus: Sequence[Statement], context: Sequence[Statement]) -> str:
    """The key of a unit's entry: everything rudof reads to validate it (and the messages' typing)."""
    h = hashlib.sha256(version)
    h.update("\n".join(" ".join(st) for st in focus).encode("utf-8", "surrogatepass"))
    h.update(b"\n\0context\0\n")
    h.update("\n".join(" ".join(st) for st in context).encode("utf-8", "surrogatepass"))
    return "shapes-" + h.hexdigest()[:40]


def _cached(store: FileCache, key: str) -> list[Violation] | None:
    rows = store.get_json(key)
    if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == 3 and all(type(x) is str for x in r) for r in rows):
        return None
    return [Violation(*r) for r in rows]


def _located(seeds: Seeds, found: list[Violation]) -> list[Problem]:
    # Curated places are recorded relative to the seeds' parent (``Location``); problems print them
    # from the seeds folder as the user gave it, as the seeds reader's own problems do.
    given = Path(seeds.root).parent

    def shown(file: str) -> str:
        return str(given / file)

    if not found:
        return []
    wanted = {v.focus.split("-q")[0] for v in found}  # only the places of the nodes that failed
    where = {str(ENT[e.id]): (shown(e.where.file), e.where.line) for e in seeds.entities if str(ENT[e.id]) in wanted}
    where.update({str(CLAIM[c.id]): (shown(c.where.file), c.where.line) for c in seeds.claims
                  if str(CLAIM[c.id]) in wanted})
    where.update({str(DOC[d.id]): (str(Path(seeds.root) / "documents.tsv"), 1) for d in seeds.documents})
    return [
        Problem(*where.get(v.focus.split("-q")[0], ("(graph)", 0)),
                f"SHACL: {v.message} (node {v.focus}, path {v.path})", "see ontology/shapes.ttl for the rule")
        for v in found
    ]
