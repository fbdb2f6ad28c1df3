"""The cache root: who may write it, the secret that seals its entries, and writing a file whole.

Every cache entry alskg reads back (the built graph, the per-file results of reading the seeds, the
on-disk Oxigraph store) is sealed with a keyed MAC (HMAC-SHA256) under a random key kept in the
cache root (``key``, created 0600). A checksum alone proves nothing: whoever can rewrite an entry can
recompute it. A MAC cannot be recomputed without the key, so forging an entry needs read access to
the key, not just write access to one file.

Like ssh with ``~/.ssh``, a cache root that is not owned by this user or that others may write (group
or world-writable) is refused (``UnsafeCacheRoot``): anyone who can write there could replace the key
and the entries together. A key file of the wrong owner, mode or size is replaced by a new key, which
makes every entry sealed under the old one a mismatch, rebuilt on use.

This protects against other local users and damaged files; it does not protect against this user (or
root), who can always read the key and rewrite the cache: see docs/SECURITY.md.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import secrets
import shutil
import stat
import tempfile
import time
from pathlib import Path

KEY_NAME = "key"
KEY_BYTES = 32
TEMP_PREFIX = ".tmp-"  # every temporary file or folder in the cache starts so (removed when old)


class UnsafeCacheRoot(OSError):
    """The cache root is owned by someone else or writable by others: not used."""


def secure_root(root: Path) -> Path:
    """Create ``root`` (0700) if missing and check it like ssh does: a real folder, owned by this user,
    not writable by group or others. Raises UnsafeCacheRoot (an OSError) otherwise."""
    root = Path(root)
    with contextlib.suppress(FileExistsError):  # a file or a link there: refused below
        os.makedirs(root, mode=0o700, exist_ok=True)
    st = os.lstat(root)
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeCacheRoot(errno.ENOTDIR, "the cache root is not a folder (or is a link)", str(root))
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise UnsafeCacheRoot(errno.EPERM, "the cache root is owned by another user", str(root))
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UnsafeCacheRoot(errno.EPERM, "the cache root is writable by group or others "
                                           "(chmod go-w it, or set ALSKG_CACHE to a private folder)", str(root))
    return root


def cache_key(root: Path) -> bytes:
    """The root's secret (created on first use); a key file that is not a private regular file of
    ``KEY_BYTES`` bytes owned by this user is replaced, invalidating every entry sealed with it."""
    path = Path(root) / KEY_NAME
    key = _read_key(path)
    if key is not None:
        return key
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=root)  # 0600 by construction
    try:
        os.write(fd, secrets.token_bytes(KEY_BYTES))
        os.fsync(fd)
        os.close(fd)
        fd = -1
        try:
            os.link(tmp, path)  # first writer wins; a parallel first run reads the winner's key
        except FileExistsError:
            if _read_key(path) is None:
                os.replace(tmp, path)  # the existing key file is unsafe: a new key replaces it
                tmp = ""
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    key = _read_key(path)
    if key is None:
        raise UnsafeCacheRoot(errno.EPERM, "the cache key cannot be kept private", str(path))
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (not stat.S_ISREG(st.st_mode) or st.st_size != KEY_BYTES or st.st_mode & 0o077
                or (hasattr(os, "getuid") and st.st_uid != os.getuid())):
            return None
        data = os.read(fd, KEY_BYTES + 1)
        return data if len(data) == KEY_BYTES else None
    finally:
        os.close(fd)


def mac(key: bytes, *parts: bytes) -> str:
    """HMAC-SHA256 of the parts, each length-prefixed (so no two sequences of parts collide)."""
    h = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def same_mac(expected: str, got: object) -> bool:
    return isinstance(got, str) and hmac.compare_digest(expected, got)


def write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and one rename: a reader
    sees the old file or the new one, never half; the temporary file is removed on any failure."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def fingerprint(path: Path) -> list[int]:
    """What changes whenever a file's content does, read without reading the file: inode, size and
    change time (``ctime`` is set by the kernel on every write and cannot be set back by any user)."""
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(errno.EINVAL, "not a regular file", str(path))
    return [st.st_ino, st.st_size, st.st_ctime_ns]


def sealed_json(secret: bytes, doc: dict) -> bytes:
    """``doc`` as JSON with a ``mac`` member sealing every other member (keys sorted, so the bytes
    are canonical)."""
    body = {k: v for k, v in doc.items() if k != "mac"}
    return json.dumps({**body, "mac": _json_mac(secret, body)}, sort_keys=True, indent=1).encode() + b"\n"


def read_sealed_json(path: Path, secret: bytes, max_bytes: int = 16 * 1024 * 1024) -> dict | None:
    """The JSON object in ``path`` if it is a regular file whose ``mac`` seals the rest; else None."""
    data = read_regular(path, max_bytes)
    if data is None:
        return None
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    body = {k: v for k, v in doc.items() if k != "mac"}
    return body if same_mac(_json_mac(secret, body), doc.get("mac")) else None


def _json_mac(secret: bytes, body: dict) -> str:
    """The seal of a JSON object: the MAC of its one canonical serialisation."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return mac(secret, b"sealed-json", canonical)


def read_regular(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (not a link, FIFO or device: opened without
    following links and without blocking) of at most ``max_bytes``; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return None
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(max_bytes + 1)
    except OSError:
        return None
    finally:
        os.close(fd)


def existing_key(root: Path) -> bytes | None:
    """The root's key if the root is safe and the key exists and is private; never creates either."""
    try:
        st = os.lstat(root)
    except OSError:
        return None
    if (not stat.S_ISDIR(st.st_mode) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
            or (hasattr(os, "getuid") and st.st_uid != os.getuid())):
        return None
    return _read_key(Path(root) / KEY_NAME)


def remove_stale(folder: Path, max_age_s: float, prefixes: tuple[str, ...] = (TEMP_PREFIX,)) -> list[Path]:
    """Remove temporary files and folders (names starting with ``prefixes``) that killed or crashed
    runs left in ``folder``, once older than ``max_age_s`` (a younger one may still be being written)."""
    removed = []
    now = time.time()
    try:
        items = list(os.scandir(folder))
    except OSError:
        return removed
    for item in items:
        if not item.name.startswith(prefixes):
            continue
        try:
            if now - item.stat(follow_symlinks=False).st_mtime < max_age_s:
                continue
            if item.is_dir(follow_symlinks=False):
                shutil.rmtree(item.path)
            else:
                os.unlink(item.path)
        except OSError:
            continue
        removed.append(Path(item.path))
    return removed
