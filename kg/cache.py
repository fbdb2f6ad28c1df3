"""The built graph cached between commands, keyed by the content of everything it depends on.

A query should not re-parse the curation files: the first command after a change builds the graph
and stores it (N-Quads plus a pickled NetworkX projection); later commands load that. The key is a
hash of every seeds and ontology file and of the code that shapes the graph, so an edit anywhere
makes the cache stale; a cache whose files no longer match their recorded checksums is corrupt and
is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import networkx as nx

from kg.build import Built, build
from kg.locations import ONTOLOGY_DIR, default_cache_dir

CACHE_FORMAT = 2
_CODE_FILES = ("build.py", "rdf.py", "network.py", "model.py", "seeds.py", "schema.py")


def content_key(seeds_dir: Path) -> str:
    """Hash of every file the graph depends on (seeds, ontology, graph-shaping code)."""
    h = hashlib.sha256(f"alskg-cache-{CACHE_FORMAT}".encode())
    roots = [(Path(seeds_dir), "seeds"), (ONTOLOGY_DIR, "ontology")]
    for root, tag in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            h.update(f"{tag}/{path.relative_to(root)}".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    here = Path(__file__).parent
    for name in _CODE_FILES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()[:24]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_cached(seeds_dir: Path, cache_dir: Path | None = None) -> tuple[Path, nx.MultiDiGraph]:
    """Return (path of the cached N-Quads, NetworkX graph), building the cache when stale or corrupt."""
    cache_root = Path(cache_dir or default_cache_dir())
    entry = cache_root / content_key(seeds_dir)
    graph = _read_entry(entry)
    if graph is not None:
        return entry / "graph.nq", graph
    return _write_entry(cache_root, entry, build(seeds_dir))


def _read_entry(entry: Path) -> nx.MultiDiGraph | None:
    meta_path = entry / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        for name in ("graph.nq", "network.pickle"):
            if _digest(entry / name) != meta["sha256"][name]:
                return None
        with (entry / "network.pickle").open("rb") as f:
            graph = pickle.load(f)
        return graph if isinstance(graph, nx.MultiDiGraph) else None
    except (OSError, ValueError, KeyError, TypeError, pickle.UnpicklingError, EOFError, AttributeError):
        return None


def _write_entry(cache_root: Path, entry: Path, built: Built) -> tuple[Path, nx.MultiDiGraph]:
    graph, nq = built.network, built.nquads
    pick = pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_root))
        (tmp / "graph.nq").write_bytes(nq)
        (tmp / "network.pickle").write_bytes(pick)
        meta = {"sha256": {"graph.nq": hashlib.sha256(nq).hexdigest(),
                           "network.pickle": hashlib.sha256(pick).hexdigest()}}
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        os.replace(tmp, entry)
        return entry / "graph.nq", graph
    except OSError:
        # An unwritable cache must not stop a query: fall back to a private temporary copy.
        tmpdir = Path(tempfile.mkdtemp(prefix="alskg-"))
        (tmpdir / "graph.nq").write_bytes(nq)
        return tmpdir / "graph.nq", graph
