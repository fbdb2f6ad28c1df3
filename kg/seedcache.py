"""Per-file results of reading the seeds, cached so that editing one claims file re-reads one file.

Reading the seeds is mostly per file: parsing a YAML file, the text gate on its fields and the checks
of each claim against its document, the schema and the entities it names. ``kg.seeds.read_seeds``
runs that part through this cache, one entry per curation file; the checks across files (duplicate
ids and claims, shared names, contradictions, unused entities) run over everything every time.

An entry is keyed by what is known before the file is read: the code that reads it, the schema, the
file's path and bytes, and the facts about the other files that the reader was given (whether some
documents or entities could not be read). What the per-file checks looked at in the rest of the seeds
is recorded while they run, not guessed: the document ids, entities and document texts are handed to
them through ``Recorder`` mappings that note every key asked for (and whether the whole mapping was
listed, as a "did you mean" hint does). An entry is used only if every recorded fact still holds, so an
edit to one document or entity re-reads exactly the files whose checks looked at it.

Entries are data (JSON) sealed with the cache root's keyed MAC (``kg.cachefs``); any mismatch, damage
or other format is a miss, and the file is read again. Entries live in ``<cache>/files/``, are written
whole (temporary file and rename), and ones unused for ``MAX_AGE_S`` are removed.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import json
import operator
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg import cachefs
from kg.locations import default_cache_dir
from kg.model import Claim, Context, Entity, Location, NoClaim, Problem, Qualifier

FORMAT = 2  # 2: a claim is a row of its fields (``_claim_row``), not an object with their names
MAX_AGE_S = 14 * 24 * 3600  # an entry unused this long is removed when another is written
MAX_ENTRY_BYTES = 64 * 1024 * 1024
ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("alskg_seed_cache_root", default=None)
"""The cache root to use instead of the default (``kg.cache`` sets it while it builds into its own root)."""
_CODE_FILES = ("seeds.py", "seedcache.py", "textgate.py", "text.py", "model.py", "schema.py", "cachefs.py")


def code_digest() -> str:
    """The reading code's version: its source files' bytes (an edit to the reader is a miss)."""
    here = Path(__file__).parent
    h = hashlib.sha256(f"alskg-seed-files-{FORMAT}".encode())
    for name in _CODE_FILES:
        h.update(name.encode() + b"\0" + (here / name).read_bytes())
    return h.hexdigest()


def stable_digest(value: Any) -> str:
    """A digest of a value that does not depend on set order or hash seeds (for the schema)."""
    return hashlib.sha256(repr(_stable(value)).encode("utf-8")).hexdigest()


def _stable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, [(f.name, _stable(getattr(value, f.name))) for f in dataclasses.fields(value)])
    if isinstance(value, dict):
        return sorted((repr(_stable(k)), _stable(v)) for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return sorted(repr(_stable(v)) for v in value)
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    return repr(value)


# ---------------------------------------------------------------- what the per-file checks looked at


class Recorder(Mapping):
    """A read-only view of a mapping that records what was read: each key asked for, whether it was
    there and a digest of its value; whether the mapping was empty; whether it was listed whole."""

    def __init__(self, data: Mapping[str, Any], digest: Callable[[str], str | None]):
        self._data = data
        self._digest = digest
        self.keys_read: dict[str, str | None] = {}
        self.listed = False
        self.asked_empty = False

    def _note(self, key: object) -> None:
        if isinstance(key, str) and key not in self.keys_read:
            self.keys_read[key] = self._digest(key)

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return self._data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        self.listed = True
        return iter(self._data)

    def __len__(self) -> int:
        self.listed = True
        return len(self._data)

    def __bool__(self) -> bool:
        self.asked_empty = True
        return bool(self._data)

    def facts(self) -> dict[str, Any]:
        return {"keys": self.keys_read, "listed": self.listed, "empty": self.asked_empty}


class Sources:
    """The parts of the seeds that a file's checks may look at: name → (mapping, digest of an item by
    its key, None when absent). Digests are computed once per item."""

    def __init__(self, mappings: dict[str, tuple[Mapping[str, Any], Callable[[str], str | None]]]):
        self.mappings = mappings
        self._memo: dict[str, dict[str, str | None]] = {name: {} for name in mappings}
        self._whole: dict[str, str] = {}

    def digest(self, name: str, key: str) -> str | None:
        memo = self._memo[name]
        if key not in memo:
            memo[key] = self.mappings[name][1](key)
        return memo[key]

    def recorders(self) -> dict[str, Recorder]:
        return {name: Recorder(data, lambda k, name=name: self.digest(name, k))
                for name, (data, _) in self.mappings.items()}

    def whole(self, name: str) -> str:
        """A digest of one mapping as a whole (computed once)."""
        if name not in self._whole:
            h = hashlib.sha256()
            for key in sorted(self.mappings[name][0]):
                h.update(f"{key}\0{self.digest(name, key)}\0".encode("utf-8", "surrogatepass"))
            self._whole[name] = h.hexdigest()
        return self._whole[name]

    def facts(self, recorders: dict[str, Recorder]) -> dict[str, Any]:
        out = {}
        for name, rec in recorders.items():
            facts = rec.facts()
            facts["whole"] = self.whole(name) if rec.listed else None
            facts["empty"] = (not self.mappings[name][0]) if rec.asked_empty else None
            out[name] = facts
        return out

    def still_hold(self, facts: Any) -> bool:
        if not isinstance(facts, dict) or sorted(facts) != sorted(self.mappings):
            return False
        for name, f in facts.items():
            data = self.mappings[name][0]
            keys = f["keys"]
            if not isinstance(keys, dict):
                return False
            for key, want in keys.items():
                if self.digest(name, key) != want:
                    return False
            if f["whole"] is not None and f["whole"] != self.whole(name):
                return False
            if f["empty"] is not None and f["empty"] != (not data):
                return False
        return True


_ENTITY_CONTENT = operator.attrgetter(*(f.name for f in dataclasses.fields(Entity) if f.name != "where"))


def entity_digest(e: Entity) -> str:
    """An entity's content (not where it was written: moving it in its file changes no check). Every
    field but the place, read at once (``dataclasses.replace`` made a new entity: a third of the time
    of re-reading the seeds after one edit went into these digests)."""
    return hashlib.sha256(repr(_ENTITY_CONTENT(e)).encode("utf-8", "surrogatepass")).hexdigest()[:32]


# ---------------------------------------------------------------- one file's result


@dataclass
class FileResult:
    """What reading one curation file gave: its items, its problems, whether it was unreadable, and
    the facts about the rest of the seeds its checks looked at."""

    entities: list[Entity] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    no_claims: list[NoClaim] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # paths (relative to the seeds) it found unreadable
    facts: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        doc = {"entities": [_fields(e) for e in self.entities], "claims": [_claim_row(c) for c in self.claims],
               "no_claims": [_fields(n) for n in self.no_claims], "problems": [p.to_dict() for p in self.problems],
               "unreadable": self.unreadable, "facts": self.facts}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")

    @classmethod
    def decode(cls, data: bytes) -> FileResult:
        doc = json.loads(data.decode("utf-8", "surrogatepass"))
        return cls([_entity(d) for d in doc["entities"]], [_claim(d) for d in doc["claims"]],
                   [_no_claim(d) for d in doc["no_claims"]], [_problem(d) for d in doc["problems"]],
                   list(_texts(doc["unreadable"])), doc["facts"])


def _fields(obj: Any) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = str(v) if isinstance(v, Location) else list(v) if isinstance(v, tuple) else v
    return out


def _restored(cls: type, fields: dict[str, Any]) -> Any:
    """An instance of a frozen dataclass with ``fields`` set at once, as pickle and ``copy`` restore one
    (its ``__init__`` sets each field through ``object.__setattr__``: most of the time of decoding an
    entry went there). ``fields`` is in the order of the class's fields, as ``__init__`` sets them."""
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def _location(text: str) -> Location:
    file, _, line = text.rpartition(":")
    return _restored(Location, {"file": file, "line": int(line)})


def _text(v: Any) -> str:
    if type(v) is not str:
        raise TypeError("malformed entry")
    return v


def _maybe(v: Any) -> str | None:
    return None if v is None else _text(v)


def _texts(v: Any) -> tuple[str, ...]:
    if type(v) is not list:
        raise TypeError("malformed entry")
    return tuple(_text(x) for x in v)


def _entity(d: dict[str, Any]) -> Entity:
    return _restored(Entity, {"id": _text(d["id"]), "type": _text(d["type"]), "en": _text(d["en"]),
                              "ja": _texts(d["ja"]), "synonyms": _texts(d["synonyms"]), "xrefs": _texts(d["xrefs"]),
                              "variant_of": _maybe(d["variant_of"]), "product_of": _maybe(d["product_of"]),
                              "note": _text(d["note"]), "where": _location(_text(d["where"]))})



_CLAIM_FIELDS = tuple(f.name for f in dataclasses.fields(Claim))
_NO_CONTEXT = Context()


def _claim_row(c: Claim) -> list[Any]:
    """A claim as stored: its id, then its fields in the class's order, each as ``Claim.to_dict``
    writes it (a row parses a third faster than an object repeating every field's name)."""
    d = c.to_dict()
    return [d["id"], *(d[name] for name in _CLAIM_FIELDS)]


def _claim(row: list[Any]) -> Claim:
    """A claim of an entry, as ``Claim.from_dict`` makes it but with the id the entry holds, not hashed
    again: the entry was written from this claim by this code (the code is in every key) and is sealed,
    so its id is as trustworthy as its other fields. Hashing it again (and through ``cached_property``'s
    lock) was a third of the time of reading the seeds after one edit."""
    if type(row) is not list or len(row) != len(_CLAIM_FIELDS) + 1:
        raise TypeError("malformed entry")
    fields = dict(zip(_CLAIM_FIELDS, row[1:], strict=True))  # the class's order, values as stored
    fields["qualifiers"] = tuple(Qualifier.from_dict(q) for q in fields["qualifiers"]) if fields["qualifiers"] else ()
    fields["context"] = Context.from_dict(fields["context"]) if fields["context"] else _NO_CONTEXT
    fields["where"] = _location(_text(fields["where"]))
    fields["id"] = _text(row[0])
    return _restored(Claim, fields)


def _no_claim(d: dict[str, Any]) -> NoClaim:
    return _restored(NoClaim, {"document": _text(d["document"]), "quote": _text(d["quote"]),
                               "reason": _text(d["reason"]), "where": _location(_text(d["where"]))})


def _problem(d: dict[str, Any]) -> Problem:
    if type(d["line"]) is not int:
        raise TypeError("malformed entry")
    return Problem(_text(d["file"]), d["line"], _text(d["message"]), _text(d["hint"]), _text(d["kind"]))


# ---------------------------------------------------------------- entries on disk


_WARNED: set[str] = set()


class FileCache:
    """Sealed per-file entries in ``<root>/files``; every failure to read or write one is a miss."""

    def __init__(self, root: Path, secret: bytes, folder: str = "files"):
        self.folder = root / folder
        self.secret = secret
        self._pruned = False

    @classmethod
    def open(cls, cache_dir: Path | None = None, folder: str = "files") -> FileCache | None:
        """The cache under ``cache_dir`` (default: the user's), or None if it is unsafe or unwritable:
        reading the seeds then simply reads every file. ``folder``: the kind of entry (``files`` for
        the seeds' files, ``shapes`` for the SHACL results of ``kg.shapes``), one folder each."""
        try:
            root = cachefs.secure_root(Path(cache_dir or ROOT.get() or default_cache_dir()))
            cache = cls(root, cachefs.cache_key(root), folder)
            cache.folder.mkdir(mode=0o700, exist_ok=True)
            return cache
        except cachefs.UnsafeCacheRoot as exc:
            said = f"{exc.strerror}: {exc.filename}"
            if said not in _WARNED:  # once per process: the seeds and the SHACL step both open it
                _WARNED.add(said)
                print(f"alskg: warning: not using the cache: {said}", file=sys.stderr)
            return None
        except OSError:
            return None

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> FileResult | None:
        """The entry for ``key`` if it is intact and sealed with this cache's key; else None."""
        body = self.get_bytes(key)
        if body is None:
            return None
        try:
            return FileResult.decode(body)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
            return None

    def get_bytes(self, key: str) -> bytes | None:
        """The body of the entry for ``key`` if it is intact and sealed with this cache's key; else None."""
        path = self._path(key)
        raw = cachefs.read_regular(path, MAX_ENTRY_BYTES)
        if raw is None:
            return None
        seal, _, body = raw.partition(b"\n")
        if not cachefs.same_mac(cachefs.mac(self.secret, str(FORMAT).encode(), key.encode(), body), seal.decode("ascii", "replace")):
            return None
        with contextlib.suppress(OSError):
            if time.time() - path.stat().st_mtime > 24 * 3600:
                os.utime(path)  # still in use: not pruned
        return body

    def get_json(self, key: str) -> Any:
        """The entry's body decoded as JSON (what ``put_json`` wrote), or None if it is missing, damaged
        or not JSON; the caller still checks its shape."""
        body = self.get_bytes(key)
        if body is None:
            return None
        try:
            return json.loads(body.decode("utf-8", "surrogatepass"))
        except (ValueError, RecursionError):
            return None

    def put_json(self, key: str, doc: Any) -> None:
        """Write ``doc`` as compact JSON (lone surrogates kept, as the seeds' text may hold them), sealed."""
        self.put_bytes(key, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))

    def put(self, key: str, result: FileResult) -> None:
        self.put_bytes(key, result.encode())

    def put_bytes(self, key: str, body: bytes) -> None:
        """Write the entry for ``key`` whole, sealed; a failure to write costs speed, never correctness."""
        seal = cachefs.mac(self.secret, str(FORMAT).encode(), key.encode(), body)
        try:
            cachefs.write_whole(self._path(key), seal.encode("ascii") + b"\n" + body)
        except OSError:
            return  # a full or read-only disk costs speed, never correctness
        if not self._pruned:
            self._pruned = True
            self.prune()

    def prune(self, max_age_s: float = MAX_AGE_S) -> None:
        """Remove entries unused for ``max_age_s`` and temporary files of killed runs."""
        now = time.time()
        try:
            items = list(os.scandir(self.folder))
        except OSError:
            return
        for item in items:
            try:
                age = now - item.stat(follow_symlinks=False).st_mtime
                temp = item.name.startswith(cachefs.TEMP_PREFIX)
                if age > max_age_s or (temp and age > 600):
                    os.unlink(item.path)
            except OSError:
                continue


def file_key(code: str, schema: str, kind: str, rel: str, data: bytes, flags: str) -> str:
    """The key of one file's entry: everything known about it before it is read."""
    h = hashlib.sha256()
    for part in (code, schema, kind, rel, flags):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    h.update(data)
    return h.hexdigest()[:40]
