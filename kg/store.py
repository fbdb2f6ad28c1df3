"""The built graph as an on-disk Oxigraph store, made once per cache entry and opened read-only after.

Loading the N-Quads into a fresh in-memory store costs every query command seconds at ×100 (and a
copy of the graph in memory). Instead, the first command that asks SPARQL of a cached graph bulk-loads
``graph.nq`` into ``<entry>/store/db`` and every later command opens it read-only (milliseconds, and
pages are read from disk as queries need them).

Safe with commands running at the same time: the store is built in a temporary folder inside the
entry and appears by one rename, so a reader sees no store or a whole one, and nobody writes to a
store after it appears (Oxigraph's read-only mode is only defined without a writer). Like the rest
of the cache it cannot lie: ``store/seal.json`` records the entry it belongs to, the N-Quads it was
loaded from, and the inode, size and change time of every file in it (a write to any of them changes
its change time), sealed with the cache's keyed MAC (``kg.cachefs``); anything that does not match is
moved aside and rebuilt. It lives inside its cache entry, so it is removed with it.

Not under an address-space limit (``RLIMIT_AS``, as the child that runs your own SPARQL sets it):
RocksDB's threads reserve address space, and a failure there aborts the process instead of raising,
so such a process loads the N-Quads in memory as before.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import cachefs

STORE = "store"
_SEAL = "seal.json"
_DB = "db"
STALE_AGE_S = 3600  # a temporary store this old belongs to no running build (x100 builds in ~20 s)
_FORMAT = f"pyoxigraph-{ox.__version__}"  # another pyoxigraph may not read this one's files


def open_store(nq_path: Path) -> Any | None:
    """A read-only Oxigraph store holding ``nq_path``, if it is the graph of a sound cache entry
    (built on first use); None for N-Quads that are not in the cache (the caller loads them itself)."""
    nq_path = Path(nq_path)
    entry = nq_path.parent
    secret = cachefs.existing_key(entry.parent)
    if nq_path.name != "graph.nq" or secret is None or _address_space_limited():
        return None
    meta = cachefs.read_sealed_json(entry / "meta.json", secret)
    if meta is None or meta.get("key") != entry.name or not _same_file(nq_path, meta.get("graph.nq")):
        return None
    expected = {"format": _FORMAT, "entry": entry.name, "graph": meta.get("sha256", {}).get("graph.nq")}
    store = _open(entry / STORE, secret, expected)
    if store is not None:
        return store
    try:
        _build(entry, nq_path, secret, expected)
    except OSError:
        return None  # a read-only or full cache: the caller loads the N-Quads in memory
    return _open(entry / STORE, secret, expected)


def _address_space_limited() -> bool:
    try:
        import resource
    except ImportError:  # not on this system: no limit either
        return False
    return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def _same_file(path: Path, recorded: object) -> bool:
    try:
        return cachefs.fingerprint(path) == recorded
    except OSError:
        return False


def _files(db: Path) -> dict[str, list[int]]:
    out = {}
    for folder, dirs, names in os.walk(db):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            out[str(path.relative_to(db))] = cachefs.fingerprint(path)
    return out


def _open(store_dir: Path, secret: bytes, expected: dict[str, Any]) -> Any | None:
    seal = cachefs.read_sealed_json(store_dir / _SEAL, secret)
    if seal is None or any(seal.get(k) != v for k, v in expected.items()):
        return None
    try:
        if _files(store_dir / _DB) != seal.get("files"):
            return None
        return ox.Store.read_only(str(store_dir / _DB))
    except OSError:
        return None


def _build(entry: Path, nq_path: Path, secret: bytes, expected: dict[str, Any]) -> None:
    """Load the N-Quads into a new store beside the entry's files and install it with one rename."""
    cachefs.remove_stale(entry, STALE_AGE_S)  # what killed builds left
    tmp = Path(tempfile.mkdtemp(prefix=cachefs.TEMP_PREFIX + "store-", dir=entry))
    try:
        store = ox.Store(str(tmp / _DB))
        store.bulk_load(path=str(nq_path), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store  # closes the database: nothing writes to it after this
        (tmp / _SEAL).write_bytes(cachefs.sealed_json(secret, {**expected, "files": _files(tmp / _DB)}))
        for _ in range(3):
            try:
                os.rename(tmp, entry / STORE)
                return
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
            if _open(entry / STORE, secret, expected) is not None:
                return  # a parallel command installed the same store first
            _move_aside(entry, entry / STORE)
        raise OSError(errno.EBUSY, "the store keeps changing", str(entry / STORE))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _move_aside(entry: Path, store_dir: Path) -> None:
    """Remove a damaged or foreign store in one step (a rename), then delete it."""
    aside = Path(tempfile.mkdtemp(prefix=cachefs.TEMP_PREFIX + "old-", dir=entry))
    try:
        with contextlib.suppress(FileNotFoundError):
            os.rename(store_dir, aside / STORE)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
