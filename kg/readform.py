"""The answer read form of a cache entry: what ``path``, ``show`` and ``neighbors`` read, and no more.

A warm command used to decode the whole projection (``network.json``: 44 MB and 49,900
``Claim.from_dict`` at ×100, ≈ 3.4 s) and then build a name index and an adjacency from it (≈ 1.25 s),
to answer a question that touches a few hundred claims. A command must not decode what it does not
use, so the cache entry keeps, beside the projection, two files written from the same graph:

* ``answers.json`` (the index, 5.7 MB at ×100): node ids and types, the undirected adjacency (sorted
  neighbour rows), the edge table (grouped by subject in the projection's edge order: object,
  predicate, source; and each node's in-edges), the ends of every negated claim, the schema's effect
  signs and entity IRI prefix, and the offset and sha256 of every record below; integer tables are
  base64 of machine integers (one C call to decode, where JSON numbers cost tens of milliseconds);
* ``answers.bin`` (the records): each node's attributes, each edge's claims, each negated claim, each
  bucket of the exact name index (folded name → {entity: strength}) and the claims naming each
  entity as model or species, as one JSON record each.

The index is named by the entry's sealed ``meta.json`` (its sha256), and names the digest of every
record, so a record is checked when it is read (``DamagedEntry`` otherwise: the caller discards the
entry, which is rebuilt, and answers from the full projection), and every claim read back must hash
to its id (``Claim.from_dict``). Data only: JSON and byte offsets, no pickle, nothing that runs code.

Only the exact name tier is stored: a name that misses it (typed loosely, or unknown, for the
suggestions) falls back to the full ``kg.names.NameIndex`` over the decoded projection, which gives
the same answer. Analytics, pages and ``kg.load().network`` keep using the full projection.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import os
import stat
import sys
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.model import Claim
from kg.names import AmbiguousName, NameIndex, strongest
from kg.paths import HUB_SHARE, PathFinder
from kg.results import Link
from kg.text import fold

if TYPE_CHECKING:
    import networkx as nx

READ_FORM_FORMAT = 1
INDEX_NAME, RECORDS_NAME = "answers.json", "answers.bin"
_DIGEST = 32  # hex characters of sha256 kept per record (128 bits: a sealed index names them)
_EDGE_ATTRS = {"predicate", "claims", "source"}  # what kg.network puts on an edge
_NAMES_PER_BUCKET = 8
MAX_INDEX_BYTES = 1024**3


class DamagedEntry(Exception):  # noqa: N818 — a state of the cache, not a user error
    """A record of the read form does not match the digest its sealed index names."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:_DIGEST]


def _bucket(key: str, n: int) -> int:
    return zlib.crc32(key.encode("utf-8")) % n


# ---------------------------------------------------------------- writing


def encode(G: nx.MultiDiGraph, names: NameIndex, ent_iri: str, signs: dict[str, int]) -> tuple[bytes, bytes] | None:
    """(index, records) for the projection ``G``; None when ``G`` has edge or graph attributes this
    form does not know (then commands read the full projection, as before)."""
    ids = list(G.nodes)
    at = {n: i for i, n in enumerate(ids)}
    if set(G.graph) - {"negated", "documents"}:
        return None
    records = bytearray()

    def put(obj: Any, offsets: list[int], digests: list[str]) -> None:
        data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        offsets.append(len(records))
        digests.append(_digest(data))
        records.extend(data)

    node_at: list[int] = []
    node_sha: list[str] = []
    for n in ids:
        put(G.nodes[n], node_at, node_sha)
    node_at.append(len(records))
    preds: dict[str, int] = {}
    sources: dict[str, int] = {}
    edge_start, edge_v, edge_pred, edge_src = [0] * (len(ids) + 1), [], [], []
    edge_at: list[int] = []
    edge_sha: list[str] = []
    into: list[list[int]] = [[] for _ in ids]
    und: list[set[int]] = [set() for _ in ids]
    context: dict[str, set[str]] = {}
    last = 0
    for e, (u, v, k, data) in enumerate(G.edges(keys=True, data=True)):
        if set(data) - _EDGE_ATTRS or k != data.get("predicate") or at[u] < last:
            return None
        last = at[u]
        edge_start[at[u] + 1] = e + 1
        edge_v.append(at[v])
        edge_pred.append(preds.setdefault(data["predicate"], len(preds)))
        edge_src.append(sources.setdefault(data.get("source", "claims"), len(sources)))
        claims = data.get("claims", [])
        for c in claims:
            if (c.subject, c.object) != (u, v):
                return None  # show reads an entity's claims from its edges: true of kg.network's edges only
        put([c.to_dict() for c in claims], edge_at, edge_sha)
        into[at[v]].append(e)
        if u != v:
            und[at[u]].add(at[v])
            und[at[v]].add(at[u])
    edge_at.append(len(records))
    for i in range(1, len(edge_start)):  # nodes without out-edges start where the previous ended
        edge_start[i] = max(edge_start[i], edge_start[i - 1])
    negated = list(G.graph.get("negated", ()))
    neg_at: list[int] = []
    neg_sha: list[str] = []
    for c in negated:
        put(c.to_dict(), neg_at, neg_sha)
    neg_at.append(len(records))
    for c in [*(c for _, _, d in G.edges(data=True) for c in d.get("claims", ())), *negated]:
        for eid in {c.model, c.species} - {None}:
            context.setdefault(eid, set()).add(c.id)
    index = names.exact_index()
    n_buckets = max(1, len(index) // _NAMES_PER_BUCKET)
    buckets: list[dict[str, dict[str, int]]] = [{} for _ in range(n_buckets)]
    for key in sorted(index):
        buckets[_bucket(key, n_buckets)][key] = index[key]
    name_at: list[int] = []
    name_sha: list[str] = []
    for b in buckets:
        put(b, name_at, name_sha)
    name_at.append(len(records))
    context_data = json.dumps({k: sorted(v) for k, v in sorted(context.items())}, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
    context_at = [len(records), len(records) + len(context_data)]
    records.extend(context_data)
    und_rows = [sorted(s, key=ids.__getitem__) for s in und]
    doc = {"format": READ_FORM_FORMAT, "byteorder": sys.byteorder, "ent_iri": ent_iri, "signs": signs,
           "documents": G.graph.get("documents", {}), "ids": ids, "types": [G.nodes[n].get("type", "") for n in ids],
           "node_at": ints(node_at), "node_sha": "".join(node_sha),
           "und_at": ints(_offsets(und_rows)), "und": ints([j for row in und_rows for j in row]),
           "edge_start": ints(edge_start), "edge_v": ints(edge_v), "edge_pred": ints(edge_pred),
           "edge_src": ints(edge_src), "preds": list(preds), "sources": list(sources), "edge_at": ints(edge_at),
           "edge_sha": "".join(edge_sha), "into_at": ints(_offsets(into)), "into": ints([e for row in into for e in row]),
           "neg_s": ints([at[c.subject] for c in negated]), "neg_o": ints([at[c.object] for c in negated]),
           "neg_at": ints(neg_at), "neg_sha": "".join(neg_sha), "context_at": context_at,
           "context_sha": _digest(context_data), "name_at": ints(name_at), "name_sha": "".join(name_sha)}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), bytes(records)


_INT_TABLES = ("node_at", "und_at", "und", "edge_start", "edge_v", "edge_pred", "edge_src", "edge_at", "into_at",
               "into", "neg_s", "neg_o", "neg_at", "name_at")


def ints(values: list[int]) -> str:
    """A table of integers as base64 of 64-bit machine integers: decoded in one C call, where a JSON
    list of 100,000 numbers takes milliseconds (the cache is local, so the byte order is this machine's)."""
    return base64.b64encode(array("q", values).tobytes()).decode("ascii")


def int_table(text: str) -> array[int]:
    """The inverse of ``ints``."""
    return array("q", base64.b64decode(text.encode("ascii"), validate=True))


def _offsets(rows: list[list[int]]) -> list[int]:
    """Where each row starts in the rows laid end to end, and where the last ends (a CSR index)."""
    out = [0]
    for row in rows:
        out.append(out[-1] + len(row))
    return out


# ---------------------------------------------------------------- reading


class ReadForm:
    """An opened read form: the index decoded, the records read (and checked) one at a time."""

    def __init__(self, index: bytes, records: Path, full: Callable[[], nx.MultiDiGraph]):
        doc = json.loads(index)
        if not isinstance(doc, dict) or doc.get("format") != READ_FORM_FORMAT or doc.get("byteorder") != sys.byteorder:
            raise ValueError("not a read form of this format")
        for key in _INT_TABLES:
            doc[key] = int_table(doc[key])
        self.doc = doc
        self.ids: list[str] = doc["ids"]
        n, e, k = len(self.ids), len(doc["edge_v"]), len(doc["neg_s"])
        sizes = {"types": n, "node_at": n + 1, "und_at": n + 1, "into_at": n + 1, "edge_start": n + 1,
                 "edge_pred": e, "edge_src": e, "edge_at": e + 1, "into": e, "neg_o": k, "neg_at": k + 1}
        if any(len(doc[key]) != size for key, size in sizes.items()):
            raise ValueError("read form tables of different lengths")
        if (len(doc["node_sha"]), len(doc["edge_sha"]), len(doc["neg_sha"])) != (n * _DIGEST, e * _DIGEST, k * _DIGEST):
            raise ValueError("read form digests missing")
        self.at = {x: i for i, x in enumerate(self.ids)}
        self.full = full  # the whole projection, decoded on first need (a loose name, a damaged record)
        self.on_damage: Callable[[], None] = lambda: None  # the cache discards the entry (rebuilt on next use)
        self._fd = _open_regular(records)

    def record(self, offsets: list[int], digests: str, i: int) -> Any:
        start, end = offsets[i], offsets[i + 1]
        if not 0 <= start <= end:
            raise DamagedEntry("bad record offsets")
        try:
            data = os.pread(self._fd, end - start, start)
        except OSError as exc:
            raise DamagedEntry(str(exc)) from exc
        if _digest(data) != digests[i * _DIGEST:(i + 1) * _DIGEST]:
            raise DamagedEntry("a record of the read form does not match its digest")
        return json.loads(data)

    def close(self) -> None:
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:  # a library user may load many graphs: each read form's file goes with it
        self.close()

    def node(self, i: int) -> dict[str, Any]:
        d = self.doc
        return self.record(d["node_at"], d["node_sha"], i)

    def edge_claims(self, e: int) -> tuple[Claim, ...]:
        d = self.doc
        return tuple(_claim(c) for c in self.record(d["edge_at"], d["edge_sha"], e))

    def negated_claim(self, k: int) -> Claim:
        d = self.doc
        return _claim(self.record(d["neg_at"], d["neg_sha"], k))

    def name_hits(self, key: str) -> dict[str, int]:
        d = self.doc
        n = len(d["name_at"]) - 1
        if n < 1:
            return {}
        got = self.record(d["name_at"], d["name_sha"], _bucket(key, n)).get(key, {})
        if not isinstance(got, dict):
            raise DamagedEntry("malformed name record")
        return got

    @cached_property
    def graph(self) -> StoredGraph:
        return StoredGraph(self)

    @cached_property
    def finder(self) -> StoredFinder:
        return StoredFinder(self)

    @cached_property
    def names(self) -> StoredNames:
        return StoredNames(self)


def _claim(d: Any) -> Claim:
    try:
        return Claim.from_dict(d)  # ValueError unless its id is its content's hash
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DamagedEntry(f"a claim of the read form does not decode: {exc}") from exc


def _open_regular(path: Path) -> int:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("the read form's records are not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd


class _Nodes(Mapping[str, dict[str, Any]]):
    """``G.nodes`` of the projection: each node's attributes read when first asked for."""

    def __init__(self, form: ReadForm):
        self.form = form
        self._memo: dict[str, dict[str, Any]] = {}

    def __getitem__(self, eid: str) -> dict[str, Any]:
        got = self._memo.get(eid)
        if got is None:
            i = self.form.at[eid]  # KeyError for an unknown node, as NetworkX
            try:
                got = self.form.node(i)
                if not isinstance(got, dict):
                    raise DamagedEntry("malformed node record")
            except DamagedEntry:
                # labels are also read while an answer is printed, outside ``kg.graph.KG``'s guard: the
                # entry goes (rebuilt) and the label comes from the projection
                self.form.on_damage()
                got = self.form.full().nodes[eid]
            self._memo[eid] = got
        return got

    def __contains__(self, eid: object) -> bool:
        return eid in self.form.at

    def __iter__(self) -> Iterator[str]:
        return iter(self.form.ids)

    def __len__(self) -> int:
        return len(self.form.ids)


class _GraphAttrs(Mapping[str, Any]):
    """``G.graph``: the document titles, and every negated claim when asked for (decoded then)."""

    def __init__(self, form: ReadForm):
        self.form = form

    def __getitem__(self, key: str) -> Any:
        if key == "documents":
            return self.form.doc["documents"]
        if key == "negated":
            return [self.form.negated_claim(k) for k in range(len(self.form.doc["neg_s"]))]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("negated", "documents"))

    def __len__(self) -> int:
        return 2


class StoredGraph:
    """What the answers (``kg.paths``, ``kg.entity``, ``kg.results.entity_ref``) read of a projection:
    ``nodes``, ``graph``, membership, the node count; and one entity's facts for ``show``."""

    def __init__(self, form: ReadForm):
        self.form = form
        self.nodes = _Nodes(form)
        self.graph = _GraphAttrs(form)

    def __contains__(self, eid: object) -> bool:
        return eid in self.form.at

    def __iter__(self) -> Iterator[str]:
        return iter(self.form.ids)

    def __len__(self) -> int:
        return len(self.form.ids)

    def number_of_nodes(self) -> int:
        return len(self.form.ids)

    def entity_iri(self, eid: str) -> str:
        return self.form.doc["ent_iri"] + eid

    def entity_facts(self, eid: str) -> tuple[list[tuple[str, str, str, str]], list[Claim], list[str]]:
        """(every edge at ``eid`` as (subject, predicate, object, source), every claim with ``eid`` as
        subject or object, negated ones too, the ids of claims naming it as model or species)."""
        f, d = self.form, self.form.doc
        i = f.at[eid]
        edges = sorted({*range(d["edge_start"][i], d["edge_start"][i + 1]), *_row(d, "into", i)})
        facts = [(f.ids[_subject(d, e)], d["preds"][d["edge_pred"][e]], f.ids[d["edge_v"][e]],
                  d["sources"][d["edge_src"][e]]) for e in edges]
        claims = [c for e in edges for c in f.edge_claims(e)]
        claims += [f.negated_claim(k) for k, (s, o) in enumerate(zip(d["neg_s"], d["neg_o"], strict=True)) if i in (s, o)]
        return facts, claims, list(self._context.get(eid, ()))

    @cached_property
    def _context(self) -> dict[str, list[str]]:
        """Entity → ids of the claims naming it as model or species (one record: only ``show`` reads it)."""
        d = self.form.doc
        got = self.form.record(d["context_at"], d["context_sha"], 0)
        if not isinstance(got, dict):
            raise DamagedEntry("malformed context record")
        return got


def _row(d: dict[str, Any], table: str, i: int) -> array[int]:
    """Row ``i`` of a table laid out as CSR (``table`` flat, ``table_at`` the offsets)."""
    at = d[table + "_at"]
    return d[table][at[i]:at[i + 1]]


def _subject(d: dict[str, Any], e: int) -> int:
    """The subject row of edge ``e`` (edges are grouped by subject: ``edge_start`` is their CSR)."""
    return bisect.bisect_right(d["edge_start"], e) - 1


class _Links(Mapping[tuple[str, str], list[Link]]):
    """``PathFinder.links``: the links from u to v, their claims read when the pair is first asked for."""

    def __init__(self, form: ReadForm):
        self.form = form
        self._memo: dict[tuple[str, str], list[Link]] = {}

    def edges(self, u: str, v: str) -> list[int]:
        f, d = self.form, self.form.doc
        i, j = f.at.get(u), f.at.get(v)
        if i is None or j is None or i == j:
            return []
        vs = d["edge_v"]
        return [e for e in range(d["edge_start"][i], d["edge_start"][i + 1]) if vs[e] == j]

    def ends(self, u: str, v: str) -> list[tuple[str, str]]:
        d = self.form.doc
        return [(d["preds"][d["edge_pred"][e]], d["sources"][d["edge_src"][e]]) for e in self.edges(u, v)]

    def __getitem__(self, pair: tuple[str, str]) -> list[Link]:
        got = self._memo.get(pair)
        if got is None:
            u, v = pair
            d = self.form.doc
            edges = self.edges(u, v)
            if not edges:
                raise KeyError(pair)
            got = self._memo[pair] = [Link(u, d["preds"][d["edge_pred"][e]], v, d["sources"][d["edge_src"][e]],
                                           self.form.edge_claims(e)) for e in edges]
        return got

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and len(pair) == 2 and bool(self.edges(*pair))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        f, d = self.form, self.form.doc
        seen: set[tuple[int, int]] = set()
        for i in range(len(f.ids)):
            for e in range(d["edge_start"][i], d["edge_start"][i + 1]):
                j = d["edge_v"][e]
                if i != j and (i, j) not in seen:
                    seen.add((i, j))
                    yield f.ids[i], f.ids[j]

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _PairsOf(Mapping[str, list[tuple[str, str]]]):
    """``PathFinder.pairs_of``: a node's (u, v) pairs in the order the projection's edges list them."""

    def __init__(self, form: ReadForm):
        self.form = form

    def __getitem__(self, n: str) -> list[tuple[str, str]]:
        f, d = self.form, self.form.doc
        i = f.at.get(n)
        if i is None:
            raise KeyError(n)
        first: dict[tuple[int, int], int] = {}
        out = range(d["edge_start"][i], d["edge_start"][i + 1])
        for e in sorted({*out, *_row(d, "into", i)}):
            pair = (i if e in out else _subject(d, e), d["edge_v"][e])
            if pair[0] != pair[1]:
                first.setdefault(pair, e)
        if not first:
            raise KeyError(n)
        return [(f.ids[u], f.ids[v]) for (u, v), _ in sorted(first.items(), key=lambda x: x[1])]

    def __iter__(self) -> Iterator[str]:
        return (n for n in self.form.ids if n in self)

    def __contains__(self, n: object) -> bool:
        try:
            self[n]  # type: ignore[index]
        except KeyError:
            return False
        return True

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Negated(Mapping[frozenset[str], list[Claim]]):
    """``PathFinder.negated``: negated claims by the pair of entities they relate, read when asked for."""

    def __init__(self, form: ReadForm):
        self.form = form
        d = form.doc
        self._by_pair: dict[frozenset[str], list[int]] = {}
        for k, (s, o) in enumerate(zip(d["neg_s"], d["neg_o"], strict=True)):
            self._by_pair.setdefault(frozenset((form.ids[s], form.ids[o])), []).append(k)
        self._memo: dict[frozenset[str], list[Claim]] = {}

    def __getitem__(self, pair: frozenset[str]) -> list[Claim]:
        got = self._memo.get(pair)
        if got is None:
            got = self._memo[pair] = [self.form.negated_claim(k) for k in self._by_pair[pair]]
        return got

    def __iter__(self) -> Iterator[frozenset[str]]:
        return iter(self._by_pair)

    def __len__(self) -> int:
        return len(self._by_pair)


class StoredFinder(PathFinder):
    """``kg.paths.PathFinder`` over the read form: the adjacency from integer lists, links and their
    claims read per pair when a search first needs them (the same values, in the same order, as a
    ``PathFinder`` built from the decoded projection)."""

    def __init__(self, form: ReadForm):  # not super().__init__: that one builds from a NetworkX graph
        self.form = form
        self.G = form.graph
        ids, d = form.ids, form.doc
        at, flat = d["und_at"], d["und"]
        self.und = {ids[i]: [ids[j] for j in flat[at[i]:at[i + 1]]] for i in range(len(ids)) if at[i] != at[i + 1]}
        self._sorted_und = self.und
        self.links = _Links(form)
        self.pairs_of = _PairsOf(form)
        self.negated = _Negated(form)
        self.degree = {n: len(self.und.get(n, ())) for n in ids}
        n = max(len(ids), 1)
        self.hubs = frozenset(x for x, deg in self.degree.items() if deg >= HUB_SHARE * n)
        self.signs = dict(d["signs"])

    @cached_property
    def _sorted_out(self) -> dict[str, list[str]]:  # type: ignore[override]
        ids, d = self.form.ids, self.form.doc
        out = {}
        for i, n in enumerate(ids):
            vs = {ids[d["edge_v"][e]] for e in range(d["edge_start"][i], d["edge_start"][i + 1])} - {n}
            if vs:
                out[n] = sorted(vs)
        return out

    @property
    def out(self) -> dict[str, list[str]]:  # type: ignore[override]
        return self._sorted_out

    def link_ends(self, u: str, v: str) -> list[tuple[str, str, str]]:
        return [(u, p, v) for p, _ in self.links.ends(u, v)]

    def type_of(self, n: str) -> str | None:
        i = self.form.at.get(n)
        return self.form.doc["types"][i] if i is not None else None

    def negated_ends(self) -> list[tuple[str, str]]:
        ids, d = self.form.ids, self.form.doc
        return [(ids[s], ids[o]) for s, o in zip(d["neg_s"], d["neg_o"], strict=True)]

    def negated_claim(self, k: int) -> Claim:
        return self.form.negated_claim(k)


class StoredNames:
    """``kg.names.NameIndex`` over the read form: an exact name (id, CURIE, label, synonym, folded)
    is one record read; anything else asks the full index over the decoded projection (same answer)."""

    def __init__(self, form: ReadForm):
        self.form = form
        self.notes: list[str] = []

    @cached_property
    def _full(self) -> NameIndex:
        index = NameIndex(self.form.full())
        index.notes = self.notes  # one list: the CLI prints the notes of whichever index resolved
        return index

    def _hits(self, name: str) -> dict[str, int]:
        return self.form.name_hits(fold(name))

    def lookup(self, name: str) -> list[str]:
        return strongest(self._hits(name))

    def resolve(self, name: str) -> str:
        ids = self.lookup(name)
        if len(ids) == 1:
            return ids[0]
        if ids:
            nodes = self.form.graph.nodes
            raise AmbiguousName(name, [(i, nodes[i].get("label_en", i)) for i in ids])
        return self._full.resolve(name)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        return self._full.suggest(name, n)

    def kind_of_match(self, name: str, eid: str) -> str:
        return self._full.kind_of_match(name, eid)
