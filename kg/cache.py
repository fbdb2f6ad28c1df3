"""The built graph cached between commands, keyed by the content of everything it depends on.

A query should not re-parse the curation files: the first command after a change builds the graph
and stores it (N-Quads plus the NetworkX projection as JSON); later commands load that. The key is
a hash of every seeds and ontology file and of the code that shapes the graph, so an edit anywhere
makes the cache stale.

The cache cannot lie: it holds data only (JSON and N-Quads; no pickle, so loading it runs no code),
``meta.json`` records the format version, the sha256 of ``network.json`` and of the read form's index,
and the inode, size and change time of ``graph.nq``, ``network.json`` and the read form's records
(checked without reading them, 170 MB of N-Quads at ×100: any write to a file changes its change
time), all sealed with the cache root's keyed MAC (``kg.cachefs``: a checksum anyone can
recompute, a MAC needs the key). An entry of another format, with a seal or a file that does not
match, or with content that does not decode to exactly the shapes a build makes (each claim's id
must be its content's hash) is rebuilt. A cache root owned by another user or writable by others is
not used. Entries appear by one rename of a uniquely named temporary folder, so parallel first runs
neither see half an entry nor leave folders behind; temporary folders of killed runs are removed
once they are old, and entries not used for a while beyond the ``KEEP_ENTRIES`` most recent are
removed (with their on-disk Oxigraph store, ``kg.store``), so a curator's edits do not fill the disk.

Beside the projection the entry keeps its read form (``kg.readform``): what warm ``path``, ``show``
and ``neighbors`` read, record by record, so they decode a few hundred claims instead of 50,000
(``load_for_answers``); its index is summed in ``meta.json`` like the projection, and the records
file is fingerprinted like the N-Quads. The content key remembers the seeds' hashes by their stat
(``content_key``), so a warm command does not read 41 MB of seeds to find its entry.

Building after an edit is incremental where it matters: ``build`` reads the seeds through the
per-file cache (``kg.seedcache``), so only the edited files are read and checked again.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg import cachefs, readform
from kg.locations import ONTOLOGY_DIR, default_cache_dir
from kg.model import Claim

if TYPE_CHECKING:  # a warm answer (kg.readform) imports neither the build nor NetworkX
    import networkx as nx

    from kg.build import Built

CACHE_FORMAT = 5  # 5: + the answers' read form; 4: meta.json sealed with a keyed MAC; 3: JSON projection; 2: a pickle
_CODE_FILES = ("build.py", "rdf.py", "network.py", "model.py", "seeds.py", "schema.py", "cache.py", "cachefs.py",
               "readform.py", "names.py")
_FILES = ("graph.nq", "network.json", readform.INDEX_NAME)  # each with its sha256 in meta.json
_UNSUMMED = (readform.RECORDS_NAME,)  # its records' digests are in the (summed) index instead
# checked by inode, size and change time on every open (a write changes them), without reading them
_FINGERPRINTED = ("graph.nq", "network.json", readform.RECORDS_NAME)
HASH_MEMO = "file-hashes.json"  # sealed: sha256 of seeds and ontology files by (device, inode, size, times)
_RACY_NS = 2_000_000_000  # a file changed this recently may change again within its ctime's granularity
_TEMP_PREFIXES = (".tmp-", ".stale-")
STALE_AGE_S = 600  # a temporary folder this old belongs to no running command
KEEP_ENTRIES = 3  # entries kept however old (the most recently used); others go once unused for ENTRY_IDLE_S
ENTRY_IDLE_S = 3600
_ENTRY_NAME = re.compile(r"^[0-9a-f]{24}$")


def content_key(seeds_dir: Path, memo: tuple[Path, bytes] | None = None) -> str:
    """Hash of every file the graph depends on (seeds, ontology, graph-shaping code).

    ``memo`` = (cache root, its key): the sha256 of a file whose device, inode, size, change and
    modification times are those recorded when it was hashed is taken from the root's sealed
    ``file-hashes.json`` instead of hashing the file again (41 MB at ×100: 0.13 s of every command).
    The change time is set by the kernel on every write and cannot be set back, so an edited file
    is always hashed again; a file changed less than two seconds before it was hashed is not
    remembered (its next write might fall in the same tick of the clock, as git's "racy" entries)."""
    known = _read_memo(memo) if memo is not None else {}
    fresh: dict[str, list[Any]] = {}
    h = hashlib.sha256(f"alskg-cache-{CACHE_FORMAT}".encode())
    roots = [(Path(seeds_dir), "seeds"), (ONTOLOGY_DIR, "ontology")]
    real_seeds = str(Path(seeds_dir).resolve())
    inside = real_seeds.rstrip(os.sep) + os.sep  # the resolved seeds folder, as a prefix
    real_dirs: dict[Path, str] = {}  # each folder resolved once, not once per file in it
    for root, tag in roots:
        # sorted by parts: the order of sorting the paths themselves (on POSIX), without 10,000 Path comparisons
        for path in sorted((p for p in root.rglob("*") if p.is_file()), key=lambda p: p.parts):
            h.update(f"{tag}/{path.relative_to(root)}".encode())
            h.update(_file_digest(path, known, fresh))
            real = _real(path, real_dirs) if tag == "seeds" else ""
            if tag == "seeds" and real != real_seeds and not real.startswith(inside):
                # a seed file that leads out of the seeds folder is refused by the reader: the same
                # bytes behind such a link must not find the entry of an earlier, valid build
                h.update(b"\0leads-out-of-the-seeds")
    here = Path(__file__).parent
    for name in _CODE_FILES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    if memo is not None and fresh:
        _write_memo(memo, {**known, **fresh})
    return h.hexdigest()[:24]


def _real(path: Path, real_dirs: dict[Path, str]) -> str:
    """``str(path.resolve())``, with the folder's resolution shared by its files (a link is resolved whole)."""
    if path.is_symlink():
        return str(path.resolve())
    folder = real_dirs.get(path.parent)
    if folder is None:
        folder = real_dirs[path.parent] = str(path.parent.resolve())
    return os.path.join(folder, path.name)


def _file_digest(path: Path, known: dict[str, list[Any]], fresh: dict[str, list[Any]]) -> bytes:
    """The sha256 of ``path``: remembered (``known``) if its stat is unchanged, else read and hashed
    (and put in ``fresh`` when it is not racy)."""
    name = os.path.abspath(path)
    try:
        st = os.stat(path)
        stamp = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    except OSError:
        stamp = None
    got = known.get(name)
    if stamp is not None and isinstance(got, list) and got[:-1] == stamp and isinstance(got[-1], str):
        try:
            return bytes.fromhex(got[-1])
        except ValueError:
            pass
    digest = hashlib.sha256(path.read_bytes()).digest()
    if stamp is not None and time.time_ns() - stamp[4] > _RACY_NS and stamp == _stamp(path):
        fresh[name] = [*stamp, digest.hex()]
    return digest


def _stamp(path: Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


MAX_MEMO_FILES = 50_000  # beyond this many remembered files the memo starts again (≈ 180 bytes each)


def _read_memo(memo: tuple[Path, bytes]) -> dict[str, list[Any]]:
    root, secret = memo
    doc = cachefs.read_sealed_json(root / HASH_MEMO, secret)  # at most 16 MB: MAX_MEMO_FILES fit
    files = doc.get("files") if doc is not None and doc.get("format") == CACHE_FORMAT else None
    return files if isinstance(files, dict) else {}


def _write_memo(memo: tuple[Path, bytes], files: dict[str, list[Any]]) -> None:
    root, secret = memo
    if len(files) > MAX_MEMO_FILES:
        files = {}
    with contextlib.suppress(OSError):  # a memo that cannot be written only costs the hashing again
        cachefs.write_whole(root / HASH_MEMO, cachefs.sealed_json(secret, {"format": CACHE_FORMAT, "files": files}))


def load_cached(seeds_dir: Path, cache_dir: Path | None = None) -> tuple[Path, nx.MultiDiGraph]:
    """Return (path of the cached N-Quads, NetworkX graph), building the cache when stale or corrupt."""
    cache_root = Path(cache_dir or default_cache_dir())
    try:
        cachefs.secure_root(cache_root)
        secret = cachefs.cache_key(cache_root)
    except OSError:  # refused (UnsafeCacheRoot: the seeds' file cache says so once) or unwritable
        return _private_copy(_build(seeds_dir, cache_root))
    entry = cache_root / content_key(seeds_dir, (cache_root, secret))
    graph = read_entry(entry, secret)
    if graph is not None:
        _mark_used(entry)
        return entry / "graph.nq", graph
    return _write_entry(cache_root, entry, _build(seeds_dir, cache_root), secret)


def build(seeds_dir: Path) -> Built:
    """``kg.build.build``, imported when a build is needed (a warm answer never imports the build)."""
    from kg.build import build as build_seeds

    return build_seeds(seeds_dir)


def _build(seeds_dir: Path, cache_root: Path) -> Built:
    """The build, reading the seeds through the per-file entries in the same cache root."""
    from kg import seedcache

    token = seedcache.ROOT.set(cache_root)
    try:
        return build(seeds_dir)
    finally:
        seedcache.ROOT.reset(token)


# ---------------------------------------------------------------- the projection as JSON


def encode_network(G: nx.MultiDiGraph) -> bytes:
    """The projection as JSON: graph attributes, nodes and edges in their order, claims in one table.

    Claims live where ``kg.network`` puts them (an edge's ``claims``, the graph's ``negated``) and are
    stored by index into the table; every other attribute must be a plain JSON value (str, number,
    bool, None, list, dict with str keys), or this raises TypeError: a new kind of attribute must be
    taught to the cache, never silently changed on the way back (a tuple would come back a list).
    """
    claims: list[dict[str, Any]] = []

    def refs(items: Any) -> list[int]:
        if not isinstance(items, list) or not all(isinstance(c, Claim) for c in items):
            raise TypeError(f"the cache stores claims as a list of Claim objects, not {items!r:.80}")
        claims.extend(c.to_dict() for c in items)
        return list(range(len(claims) - len(items), len(claims)))

    def attrs(a: dict[str, Any], claim_key: str) -> dict[str, Any]:
        return {k: refs(v) if k == claim_key else _plain(v) for k, v in a.items()}

    graph = attrs(G.graph, _NEGATED)
    nodes = [[n, _plain(a)] for n, a in G.nodes(data=True)]
    edges = [[u, v, k, attrs(a, _CLAIMS)] for u, v, k, a in G.edges(keys=True, data=True)]
    doc = {"format": CACHE_FORMAT, "claims": claims, "graph": graph, "nodes": nodes, "edges": edges}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_network(data: bytes) -> nx.MultiDiGraph:
    """The inverse of ``encode_network``; ValueError, TypeError, KeyError or IndexError for anything else."""
    import networkx as nx

    doc = json.loads(data)
    if not isinstance(doc, dict) or doc.get("format") != CACHE_FORMAT:
        raise ValueError("not a cached projection of this format")
    claims = [Claim.from_dict(c) for c in doc["claims"]]

    def pick(indices: list[int]) -> list[Claim]:
        if type(indices) is not list:
            raise TypeError("malformed claim references")
        return [claims[i] for i in indices]  # IndexError or TypeError for a bad reference

    G = nx.MultiDiGraph()
    for n, attrs in doc["nodes"]:
        if not (isinstance(n, str) and isinstance(attrs, dict)):
            raise TypeError("malformed node")
        G.add_node(n, **attrs)
    for u, v, k, attrs in doc["edges"]:
        if not (isinstance(u, str) and isinstance(v, str) and isinstance(k, str) and isinstance(attrs, dict)):
            raise TypeError("malformed edge")
        if u not in G or v not in G:
            raise ValueError("edge between unknown nodes")
        if _CLAIMS in attrs:
            attrs[_CLAIMS] = pick(attrs[_CLAIMS])
        G.add_edge(u, v, key=k, **attrs)
    graph = doc["graph"]
    if not isinstance(graph, dict):
        raise TypeError("malformed graph attributes")
    if _NEGATED in graph:
        graph[_NEGATED] = pick(graph[_NEGATED])
    G.graph.update(graph)
    return G


_CLAIMS, _NEGATED = "claims", "negated"  # where kg.network keeps Claim objects


def _plain(value: Any) -> Any:
    """``value`` itself if it is plain JSON that comes back equal and of the same types; else TypeError."""
    if isinstance(value, (str, bool, int, float)) or value is None:
        if type(value) not in (str, bool, int, float, type(None)):
            raise TypeError(f"the cache cannot store {type(value).__name__} values: {value!r:.80}")
        return value
    if type(value) is list:
        return [_plain(v) for v in value]
    if type(value) is dict and all(type(k) is str for k in value):
        return {k: _plain(v) for k, v in value.items()}
    raise TypeError(f"the cache cannot store {type(value).__name__} values: {value!r:.80}")


# ---------------------------------------------------------------- entries on disk


def load_cached_lazily(seeds_dir: Path, cache_dir: Path | None = None
                       ) -> tuple[Path, Callable[[], nx.MultiDiGraph]]:
    """Like ``load_cached``, but the projection is decoded when first asked for: a SPARQL command needs
    only the N-Quads (and the store beside them), not the ×100 graph's 50,000 claims as objects. The
    entry is checked now (seal, checksum of the projection's bytes); should the sealed bytes still not
    decode, the entry is rebuilt then."""
    cache_root = Path(cache_dir or default_cache_dir())
    secret = cachefs.existing_key(cache_root)
    entry = cache_root / content_key(seeds_dir, (cache_root, secret)) if secret is not None else None
    meta = _sound_meta(entry, secret) if entry is not None and secret is not None else None
    data = _network_bytes(entry, meta) if entry is not None and meta is not None else None
    if entry is None or data is None:
        nq_path, graph = load_cached(seeds_dir, cache_dir)
        return nq_path, lambda: graph
    _mark_used(entry)
    sound = [data]

    def network() -> nx.MultiDiGraph:
        if sound:  # the first call decodes the bytes checked above, and lets them go
            try:
                return decode_network(sound.pop())
            except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
                pass
        return load_cached(seeds_dir, cache_dir)[1]

    return entry / "graph.nq", network


def read_entry(entry: Path, secret: bytes | None = None) -> nx.MultiDiGraph | None:
    """The cached projection if the entry is complete, of this format, sealed with the cache's key
    (``secret``; default: read from the cache root) and intact; else None (rebuild)."""
    secret = secret if secret is not None else cachefs.existing_key(entry.parent)
    meta = _sound_meta(entry, secret) if secret is not None else None
    if meta is None or _index_bytes(entry, meta) is None:  # a damaged read form is rebuilt with the rest
        return None
    return _read_network(entry, meta)


def load_for_answers(seeds_dir: Path, cache_dir: Path | None = None
                     ) -> tuple[Path, Callable[[], nx.MultiDiGraph], readform.ReadForm | None]:
    """Like ``load_cached_lazily``, plus the entry's read form (``kg.readform``) for ``path``, ``show``
    and ``neighbors``: with a sound warm entry nothing of the projection is decoded until something
    asks for it (None instead of a read form when the entry was just built or has none: the answers
    then use the projection, already in memory)."""
    cache_root = Path(cache_dir or default_cache_dir())
    secret = cachefs.existing_key(cache_root)
    entry = cache_root / content_key(seeds_dir, (cache_root, secret)) if secret is not None else None
    meta = _sound_meta(entry, secret) if entry is not None and secret is not None else None
    index = _index_bytes(entry, meta) if entry is not None and meta is not None else None
    if entry is None or meta is None or index is None:
        if index is None and meta is not None and entry is not None:
            discard_entry(entry)  # sealed, but its read form is not what the seal names: rebuilt now
        nq_path, network = load_cached_lazily(seeds_dir, cache_dir)
        return nq_path, network, None
    _mark_used(entry)

    def network() -> nx.MultiDiGraph:
        data = _network_bytes(entry, meta)
        if data is not None:
            try:
                return decode_network(data)
            except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
                pass
        return load_cached(seeds_dir, cache_dir)[1]

    try:
        form = readform.ReadForm(index, entry / readform.RECORDS_NAME, network) if index != b"null" else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        discard_entry(entry)  # sealed yet unreadable: rebuilt now
        nq_path, network = load_cached_lazily(seeds_dir, cache_dir)
        return nq_path, network, None
    if form is not None:
        form.on_damage = lambda: discard_entry(entry)
    return entry / "graph.nq", network, form


def discard_entry(entry: Path) -> None:
    """Move a damaged entry out of the way in one rename and remove it (the next use rebuilds it)."""
    try:
        aside = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIXES[1], dir=entry.parent))
    except OSError:
        return
    try:
        os.rename(entry, aside / "entry")
    except OSError:
        pass
    finally:
        shutil.rmtree(aside, ignore_errors=True)


def _sound_meta(entry: Path, secret: bytes) -> dict[str, Any] | None:
    """The entry's sealed metadata if the entry is complete, of this format, and its N-Quads were
    not written since it was sealed; else None. (The projection is checked when it is read.)"""
    try:
        for name in ("meta.json", *_FILES, *_UNSUMMED):  # regular files of sane size only: a FIFO or /dev/zero never blocks
            if not _plain_file(entry / name):
                return None
        meta = cachefs.read_sealed_json(entry / "meta.json", secret)
        if meta is None or meta.get("format") != CACHE_FORMAT or meta.get("key") != entry.name:
            return None
        sums = meta["sha256"]
        if not isinstance(sums, dict) or sorted(sums) != sorted(_FILES):
            return None
        for name in _FINGERPRINTED:
            if cachefs.fingerprint(entry / name) != meta[name]:
                return None  # written since it was sealed (its sha256 or its records' are checked when read)
        return meta
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _network_bytes(entry: Path, meta: dict[str, Any]) -> bytes | None:
    """The projection's bytes if they are what the seal names; else None."""
    try:
        data = (entry / "network.json").read_bytes() if _plain_file(entry / "network.json") else b""
        return data if hashlib.sha256(data).hexdigest() == meta["sha256"]["network.json"] else None
    except (OSError, KeyError, TypeError):
        return None


def _index_bytes(entry: Path, meta: dict[str, Any]) -> bytes | None:
    """The read form's index if it is what the seal names; else None."""
    try:
        path = entry / readform.INDEX_NAME
        data = path.read_bytes() if _plain_file(path) else b""
        return data if hashlib.sha256(data).hexdigest() == meta["sha256"][readform.INDEX_NAME] else None
    except (OSError, KeyError, TypeError):
        return None


def _read_network(entry: Path, meta: dict[str, Any]) -> nx.MultiDiGraph | None:
    try:
        data = _network_bytes(entry, meta)
        return decode_network(data) if data is not None else None
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        return None


MAX_ENTRY_FILE_BYTES = 2 * 1024**3  # far above any real graph; a bound on what a damaged cache can make us read


def _plain_file(path: Path) -> bool:
    """A regular file (not a link, FIFO or device) no larger than MAX_ENTRY_FILE_BYTES."""
    st = path.lstat()
    return stat.S_ISREG(st.st_mode) and st.st_size <= MAX_ENTRY_FILE_BYTES


def _write_entry(cache_root: Path, entry: Path, built: Built, secret: bytes) -> tuple[Path, nx.MultiDiGraph]:
    graph, nq = built.network, built.nquads
    net = encode_network(graph)
    index, records = _encode_read_form(graph)
    tmp: Path | None = None
    try:
        remove_stale_temporaries(cache_root)
        tmp = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIXES[0], dir=cache_root))
        (tmp / "graph.nq").write_bytes(nq)
        (tmp / "network.json").write_bytes(net)
        (tmp / readform.INDEX_NAME).write_bytes(index)
        (tmp / readform.RECORDS_NAME).write_bytes(records)
        meta = {"format": CACHE_FORMAT, "key": entry.name, **{n: cachefs.fingerprint(tmp / n) for n in _FINGERPRINTED},
                "sha256": {"graph.nq": hashlib.sha256(nq).hexdigest(), "network.json": hashlib.sha256(net).hexdigest(),
                           readform.INDEX_NAME: hashlib.sha256(index).hexdigest()}}
        (tmp / "meta.json").write_bytes(cachefs.sealed_json(secret, meta))
        _install(cache_root, tmp, entry, secret)
        remove_unused_entries(cache_root, keep=entry.name)
        return entry / "graph.nq", graph
    except OSError:
        return _private_copy(built)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _encode_read_form(G: nx.MultiDiGraph) -> tuple[bytes, bytes]:
    """(index, records) of the answers' read form; ``null`` and no records for a projection the form
    does not know (its commands then read the whole projection)."""
    from kg.names import NameIndex, entity_prefixes
    from kg.schema import load_schema

    got = readform.encode(G, NameIndex(G), entity_prefixes()[1], load_schema().signs)
    return got if got is not None else (b"null", b"")


def _private_copy(built: Built) -> tuple[Path, nx.MultiDiGraph]:
    """An unwritable or refused cache must not stop a query: a private copy, removed when the command ends."""
    private = Path(tempfile.mkdtemp(prefix="alskg-"))
    atexit.register(shutil.rmtree, private, True)
    (private / "graph.nq").write_bytes(built.nquads)
    return private / "graph.nq", built.network


def _mark_used(entry: Path) -> None:
    """Record that an entry was just used (its folder's time), so it is not removed as unused."""
    try:
        if time.time() - entry.stat().st_mtime > 60:
            os.utime(entry)
    except OSError:
        pass


def remove_unused_entries(cache_root: Path, keep: str = "", keep_recent: int = KEEP_ENTRIES,
                          idle_s: float = ENTRY_IDLE_S) -> list[Path]:
    """Remove entries (with their stores) beyond the ``keep_recent`` most recently used that nobody
    used for ``idle_s``; ``keep`` is never removed. Each goes by one rename out of the way first, so a
    command never sees half an entry."""
    entries = []
    for item in os.scandir(cache_root):
        if _ENTRY_NAME.match(item.name) and item.name != keep and item.is_dir(follow_symlinks=False):
            try:
                entries.append((item.stat(follow_symlinks=False).st_mtime, Path(item.path)))
            except OSError:
                continue
    entries.sort(reverse=True)
    now, removed = time.time(), []
    for used, path in entries[max(keep_recent - 1, 0):]:
        if now - used < idle_s:
            continue
        aside = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIXES[1], dir=cache_root))
        try:
            os.rename(path, aside / "entry")
            removed.append(path)
        except OSError:
            pass
        finally:
            shutil.rmtree(aside, ignore_errors=True)
    return removed


def _install(cache_root: Path, tmp: Path, entry: Path, secret: bytes) -> None:
    """Rename ``tmp`` to ``entry``; if another run got there first with a sound entry, keep theirs."""
    for _ in range(3):
        try:
            os.rename(tmp, entry)
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
        if read_entry(entry, secret) is not None:
            return  # a parallel first run wrote the same content
        aside = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIXES[1], dir=cache_root))
        try:
            os.rename(entry, aside / "entry")  # a corrupt entry, moved out of the way in one step
        except FileNotFoundError:
            pass
        finally:
            shutil.rmtree(aside, ignore_errors=True)
    raise OSError(errno.EBUSY, "the cache entry keeps changing", str(entry))


def remove_stale_temporaries(cache_root: Path, max_age_s: float = STALE_AGE_S) -> list[Path]:
    """Remove temporary files and folders that killed or crashed runs left in the cache (older than ``max_age_s``)."""
    return cachefs.remove_stale(cache_root, max_age_s, _TEMP_PREFIXES)
