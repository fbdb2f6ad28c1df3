"""Read another graph's KGX files and join it to alskg by CURIE, so paths run across both.

Engineers hold Hetionet, PrimeKG or their own graphs as KGX (nodes and edges as JSON Lines, TSV or
one KGX JSON file). A foreign node whose id is one of an alskg entity's verified ids (``HGNC:11179``,
``CL:0000129``, …) or its ``ALSKG:<id>`` *is* that entity; any other node joins as a node of its own,
named by its CURIE. Foreign edges join the projection marked ``source="kgx:<name>"`` and carry no
claims (they have no quote here); paths show them as coming from that graph, and the curated
graph's own claims, quotes and negations are untouched. Nothing foreign enters the RDF or the cache.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from kg.model import AlskgError

LIST_DELIMITER = "|"
FOREIGN_TYPE = "External"  # a foreign node whose category has no alskg type


@dataclass
class ForeignGraph:
    """Nodes and edges read from KGX files, and the name their edges are marked with."""

    name: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)


MAX_NUMBER_DIGITS = 1000  # a longer number in a KGX file is a mistake (Python refuses ints over 4,300 digits)


class _LongNumber(Exception):
    """A number too long to be data, found while parsing JSON (its text, to locate it)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _LongNumber(text)
    return int(text)


def _json(text: str, where: str, line_offset: int = 0) -> Any:
    """One JSON value, every failure an ``AlskgError`` naming ``where`` and the line (``line_offset`` +
    the line inside ``text``)."""
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise AlskgError(f"{where}:{line_offset + exc.lineno}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    except _LongNumber as exc:
        line = line_offset + text.count("\n", 0, max(text.find(exc.text), 0)) + 1
        raise AlskgError(f"{where}:{line}: a number of {len(exc.text):,} digits (at most {MAX_NUMBER_DIGITS:,}); "
                         "numbers that long are not data (write it as text, in quotes, if it is an id)") from None
    except RecursionError:
        raise AlskgError(f"{where}:{line_offset + 1}: not readable KGX: nested too deeply") from None


def _records(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, record) for each record of one KGX file (.jsonl, .tsv, or KGX .json with "nodes"/"edges"),
    reporting bytes read; ``where`` is the file and line, for messages.

    Every failure is one ``AlskgError`` naming the file and, where there is one, the line."""
    if not path.exists():
        raise AlskgError(f"KGX file not found: {path}")
    if not path.is_file() or path.resolve().is_char_device():
        raise AlskgError(f"{path} is not a regular file (a FIFO or a device is never read as KGX)")
    suffix = "".join(path.suffixes[-2:]) if path.name.endswith(".kgx.json") else path.suffix
    if suffix == ".jsonl":
        with path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if progress:
                    progress(len(raw))
                line = _decode(raw, path, n).rstrip("\r\n")  # an error is then on this line, not after it
                if line.strip():
                    rec = _json(line, str(path), n - 1)
                    if not isinstance(rec, dict):
                        raise AlskgError(f"{path}:{n}: a KGX JSON Lines record must be an object")
                    yield f"{path}:{n}", rec
    elif suffix == ".tsv":
        yield from _tsv_records(path, progress)
    elif suffix in (".json", ".kgx.json"):
        data = _json(_decode(path.read_bytes(), path, 1), str(path))
        if progress:
            progress(path.stat().st_size)
        if not isinstance(data, dict):
            raise AlskgError(f"{path}: a KGX JSON file is an object with 'nodes' and 'edges'")
        for kind in ("nodes", "edges"):
            records = data.get(kind, [])
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise AlskgError(f"{path}: '{kind}' must be a list of objects")
            yield from ((f"{path} ({kind} item {i})", {**r, "_kind": kind[:-1]}) for i, r in enumerate(records, 1))
    else:
        raise AlskgError(f"{path}: not a KGX file (use .jsonl, .tsv or .json)")


def _decode(raw: bytes, path: Path, first_line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + raw.count(b"\n", 0, exc.start)
        raise AlskgError(f"{path}:{line}: not UTF-8 text (byte {raw[exc.start]:#04x}); KGX files are UTF-8") from None


def _tsv_records(path: Path, progress: Callable[[int], None] | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """KGX TSV: a header row, then one record a row with as many cells (KGX quotes cells as CSV does)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        try:
            header = next(reader, None)
            if header is None:
                return
            for row in reader:
                if progress:
                    progress(sum(len(v) for v in row) + len(row))
                if not row:
                    continue
                if len(row) != len(header):
                    raise AlskgError(f"{path}:{reader.line_num}: {len(row)} cells, but the header has {len(header)}"
                                     " (a tab too many or too few?)")
                yield f"{path}:{reader.line_num}", {k: _tsv_value(k, v) for k, v in zip(header, row, strict=True)
                                                    if k and v != ""}
        except csv.Error as exc:
            raise AlskgError(f"{path}:{reader.line_num}: not readable KGX TSV ({exc})") from None
        except UnicodeDecodeError as exc:
            raise AlskgError(f"{path}:{reader.line_num + 1}: not UTF-8 text ({exc.reason}); KGX files are UTF-8") from None


def _tsv_value(key: str, value: str) -> Any:
    if key in ("category", "synonym", "xref", "publications", "provided_by") or LIST_DELIMITER in value:
        return value.split(LIST_DELIMITER)
    return value


def read_kgx(paths: list[Path], name: str | None = None,
             progress: Callable[[int], None] | None = None) -> ForeignGraph:
    """Read nodes and edges from KGX files; a record with subject and object is an edge."""
    graph = ForeignGraph(name or Path(paths[0]).name.split("_")[0].split(".")[0])
    for path in map(Path, paths):
        for where, rec in _records(path, progress):
            kind = rec.pop("_kind", None) or ("edge" if {"subject", "predicate", "object"} & set(rec) else "node")
            if kind == "edge":
                if not all(isinstance(rec.get(k), str) and rec.get(k) for k in ("subject", "predicate", "object")):
                    raise AlskgError(f"{where}: an edge needs subject, predicate and object (as text): {str(rec)[:120]}")
                graph.edges.append(rec)
            else:
                if not isinstance(rec.get("id"), str) or not rec["id"]:
                    raise AlskgError(f"{where}: a node needs an id (as text): {str(rec)[:120]}")
                graph.nodes.append(rec)
    return graph


def merge(G: nx.MultiDiGraph, foreign: ForeignGraph, category_types: dict[str, str]) -> nx.MultiDiGraph:
    """A copy of the projection with the foreign graph joined by CURIE (see the module docstring).

    ``category_types`` maps a Biolink category (``biolink:Gene``) to an alskg type, for foreign nodes.
    """
    H = G.copy()
    by_curie: dict[str, str] = {}
    for eid, d in G.nodes(data=True):
        by_curie[f"ALSKG:{eid}"] = eid
        for x in d.get("xrefs", ()):
            by_curie.setdefault(x, eid)
    known = {n["id"]: n for n in foreign.nodes}

    def node_for(curie: str) -> str:
        if curie in by_curie:
            return by_curie[curie]
        if curie not in H:
            rec = known.get(curie, {})
            cats = rec.get("category") or []
            cats = cats if isinstance(cats, list) else [cats]
            name = rec.get("name") or curie
            synonyms = rec.get("synonym") or []
            H.add_node(curie, type=next((category_types[c] for c in cats if c in category_types), FOREIGN_TYPE),
                       label_en=str(name), label_ja="", labels_ja=[],
                       synonyms=sorted(str(s) for s in (synonyms if isinstance(synonyms, list) else [synonyms])),
                       xrefs=[curie], note=f"from the KGX graph {foreign.name}", source=f"kgx:{foreign.name}")
        return curie

    for n in foreign.nodes:
        node_for(n["id"])
    source = f"kgx:{foreign.name}"
    for e in foreign.edges:
        u, v = node_for(e["subject"]), node_for(e["object"])
        predicate = e["predicate"].split(":", 1)[-1]
        key = f"{predicate} ({foreign.name})"
        H.add_edge(u, v, key=key, predicate=predicate, claims=[], source=source)
    H.graph.setdefault("foreign", []).append(foreign.name)
    return H
