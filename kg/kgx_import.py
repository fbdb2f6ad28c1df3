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


def _records(path: Path, progress: Callable[[int], None] | None) -> Iterator[dict[str, Any]]:
    """Records of one KGX file (.jsonl, .tsv, or KGX .json with "nodes"/"edges"), reporting bytes read."""
    if not path.exists():
        raise AlskgError(f"KGX file not found: {path}")
    if not path.is_file() or path.resolve().is_char_device():
        raise AlskgError(f"{path} is not a regular file (a FIFO or a device is never read as KGX)")
    suffix = "".join(path.suffixes[-2:]) if path.name.endswith(".kgx.json") else path.suffix
    try:
        if suffix == ".jsonl":
            with path.open(encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if progress:
                        progress(len(line.encode("utf-8")))
                    if line.strip():
                        rec = json.loads(line)
                        if not isinstance(rec, dict):
                            raise AlskgError(f"{path}:{n}: a KGX JSON Lines record must be an object")
                        yield rec
        elif suffix == ".tsv":
            with path.open(encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f, delimiter="\t"):
                    if progress:
                        progress(sum(len(v or "") for v in row.values()) + len(row))
                    yield {k: _tsv_value(k, v) for k, v in row.items() if k and v not in (None, "")}
        elif suffix in (".json", ".kgx.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            if progress:
                progress(path.stat().st_size)
            if not isinstance(data, dict):
                raise AlskgError(f"{path}: a KGX JSON file is an object with 'nodes' and 'edges'")
            yield from ({**r, "_kind": "node"} for r in data.get("nodes", []))
            yield from ({**r, "_kind": "edge"} for r in data.get("edges", []))
        else:
            raise AlskgError(f"{path}: not a KGX file (use .jsonl, .tsv or .json)")
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise AlskgError(f"{path}: not readable KGX: {exc}") from None
    except RecursionError:
        raise AlskgError(f"{path}: not readable KGX: nested too deeply") from None


def _tsv_value(key: str, value: str) -> Any:
    if key in ("category", "synonym", "xref", "publications", "provided_by") or LIST_DELIMITER in value:
        return value.split(LIST_DELIMITER)
    return value


def read_kgx(paths: list[Path], name: str | None = None,
             progress: Callable[[int], None] | None = None) -> ForeignGraph:
    """Read nodes and edges from KGX files; a record with subject and object is an edge."""
    graph = ForeignGraph(name or Path(paths[0]).name.split("_")[0].split(".")[0])
    for path in map(Path, paths):
        for rec in _records(path, progress):
            kind = rec.pop("_kind", None) or ("edge" if {"subject", "predicate", "object"} & set(rec) else "node")
            if kind == "edge":
                if not all(isinstance(rec.get(k), str) and rec.get(k) for k in ("subject", "predicate", "object")):
                    raise AlskgError(f"{path}: an edge needs subject, predicate and object: {str(rec)[:120]}")
                graph.edges.append(rec)
            else:
                if not isinstance(rec.get("id"), str) or not rec["id"]:
                    raise AlskgError(f"{path}: a node needs an id: {str(rec)[:120]}")
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
