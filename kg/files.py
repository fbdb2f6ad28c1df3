"""Writing outputs all or nothing: one file by one rename, a whole output folder by one swap.

Readers never see half a file or a folder mixing two builds. ``write_atomic`` writes a file beside
its target and renames it over the target; ``write_all`` writes every output into a temporary
folder beside the output folder and swaps it in with one rename, so an interrupted build (an error,
Ctrl-C, a kill) leaves the previous output as it was, and files no longer produced (the page of a
removed document) are gone. Leftovers of an interrupted earlier build are removed by the next one.

Because a build replaces its whole folder, the targets are checked first: ``-o`` must name a
regular file or nothing (never a device, FIFO or folder: renaming over ``/dev/full`` would replace
the device), and ``--out`` must be a folder alskg may own: not empty, not the current folder, not in
or around the seeds or ontology, and either new, empty or holding nothing but an earlier build.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from kg.model import AlskgError

# What ``alskg build`` writes (``kg.serialize.render_outputs`` and ``viz.pages.iter_pages``): an existing
# folder holding anything else is not an earlier build, and is never replaced.
OUTPUT_FILES = ("alskg.ttl", "alskg.trig", "alskg.nq", "alskg.jsonld", "alskg.graphml", "alskg.kgx.json", "stats.json")
PAGES_DIR = "html"
MANIFEST = ".alskg-build"  # the list of files a build wrote, kept in the output folder
KGX_DIR = "kgx"  # kg.kgx.kgx_files: nodes/edges as JSON Lines and TSV, prefixes.json, graph-metadata.json
_SUBFOLDER_SUFFIXES = {PAGES_DIR: (".html",), KGX_DIR: (".jsonl", ".tsv", ".json")}
_NEW, _OLD = "alskg-new", "alskg-old"  # sibling folders of one build: .<out>.alskg-new-<pid>-<random>
LEFTOVER_AGE_S = 3600  # a leftover whose process may still run is removed only once it is this old


def check_output_file(path: Path | str, make_parents: bool = False) -> Path:
    """Refuse an ``-o`` target that is empty, exists but is not a regular file, or sits in a missing folder."""
    if str(path) == "":
        raise AlskgError("the output file name is empty; give a file name, or - for standard output")
    path = Path(path)
    try:
        st = os.stat(path)  # follows a link: a link to a device is as bad as the device
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise AlskgError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise AlskgError(f"cannot write {path}: it exists and is {_kind(st.st_mode)}, not a regular file")
    if not path.parent.is_dir() and not make_parents:
        raise AlskgError(f"cannot write {path}: folder {path.parent} does not exist")
    return path


def write_atomic(path: Path | str, data: bytes, make_parents: bool = False) -> None:
    """Write to a temporary file beside the target, then rename: readers never see half a file.

    The target must be a regular file or not exist (``check_output_file``). A missing folder is an
    error unless ``make_parents`` (a typo in ``-o`` should not create folders). Every failure names
    the target as given, never the temporary file (which the user did not ask for).
    """
    shown = path
    path = check_output_file(path, make_parents)
    if path.is_symlink():  # write the file the link points to; never replace the link with a file
        real = path.resolve()
        if path.exists() and not real.exists():  # /proc/self/fd/N of a pipe or a deleted file: no path
            raise AlskgError(f"cannot write {shown}: it leads to {real}, which is not a file alskg can replace"
                             " (write to a file name, or use - for standard output)")
        path = check_output_file(real, make_parents)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        check_output_file(path, make_parents)  # again: something may have appeared there meanwhile
        os.replace(tmp, path)
    except OSError as exc:
        raise AlskgError(f"cannot write {shown}: {exc.strerror or exc} (alskg writes a new file beside the"
                         f" target, in {path.parent}, and renames it over the target; that folder must take"
                         " new files)") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def check_output_folder(out_dir: Path | str, protected: Iterable[Path | str] = ()) -> Path:
    """Refuse an ``--out`` folder a build must not replace; return it resolved (links followed).

    ``protected`` are folders whose contents the build reads (the seeds, the ontology): the output
    may be neither one of them, nor inside, nor around one.
    """
    if str(out_dir).strip() == "":
        raise AlskgError("--out is empty; give the folder to write the outputs to (e.g. --out build)")
    shown = Path(out_dir)
    out = shown.resolve()
    cwd = Path.cwd().resolve()
    if out == cwd or out in cwd.parents:
        raise AlskgError(f"--out {shown} is the current folder or holds it; a build replaces its output folder,"
                         " so give a folder of its own (e.g. --out build)")
    for p in protected:
        guarded = Path(p).resolve()
        relation = ("is" if out == guarded else "is inside" if guarded in out.parents
                    else "holds" if out in guarded.parents else "")
        if relation:
            raise AlskgError(f"--out {shown} {relation} {p}, which the build reads (a build replaces its output"
                             " folder); write the outputs elsewhere")
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise AlskgError(f"cannot write to output folder {shown}: it exists and is not a folder")
        foreign = _foreign_entry(out)
        if foreign is not None:
            raise AlskgError(f"--out {shown} holds {foreign}, which no alskg build wrote; a build replaces its"
                             " output folder, so give a new or empty folder, or one an earlier build wrote")
    return out


def write_all(files: Mapping[str, bytes] | Iterable[tuple[str, bytes]], out_dir: Path | str,
              protected: Iterable[Path | str] = ()) -> list[Path]:
    """Write every output into a fresh folder beside ``out_dir``, then swap it in with one rename.

    ``files`` maps names to bytes, or yields (name, bytes) pairs: a build at scale renders its outputs
    one by one as they are written, so only one of them is in memory at a time. Either the whole new
    folder is in place afterwards, or (on any error while rendering or writing, or an interruption) the
    old one is untouched.
    """
    out = check_output_folder(out_dir, protected)
    items = iter(sorted(files.items())) if isinstance(files, Mapping) else iter(files)
    names: list[str] = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(out)
        new = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_NEW}-{os.getpid()}-", dir=out.parent))
    except OSError as exc:
        raise AlskgError(f"cannot write to output folder {out_dir}: {exc.strerror or exc}") from None
    try:
        os.chmod(new, 0o755)
        for name, data in items:
            _check_name(name)
            if name in names or name == MANIFEST:
                raise AlskgError(f"refusing to write output {name!r} twice")
            _write_new(new / name, data)
            names.append(name)
            del data
        names.sort()
        # the manifest: what this build wrote, so a later build replaces this folder only if nothing else is in it
        _write_new(new / MANIFEST, ("\n".join(names) + "\n").encode("utf-8"))
        _fsync_dir(new)
        _swap_in(new, out)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise AlskgError(f"cannot write to output folder {out_dir}: {exc.strerror or exc}{where};"
                         " the previous output is unchanged") from None
    finally:
        shutil.rmtree(new, ignore_errors=True)  # after a swap: the old output; after an error: the partial new one
    return [Path(out_dir) / name for name in names]


def remove_leftovers(out: Path) -> list[Path]:
    """Remove the temporary folders of interrupted builds of ``out`` (whose process is gone, or old)."""
    removed = []
    prefixes = (f".{out.name}.{_NEW}-", f".{out.name}.{_OLD}-")
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return removed
    for entry in entries:
        prefix = next((p for p in prefixes if entry.name.startswith(p)), None)
        if prefix is None or not entry.is_dir(follow_symlinks=False):
            continue
        pid = entry.name[len(prefix):].split("-")[0]
        try:
            age = time.time() - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if (pid.isdigit() and not _alive(int(pid))) or age > LEFTOVER_AGE_S:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _foreign_entry(out: Path) -> str | None:
    """The first thing in ``out`` an alskg build does not write (None: new, empty or an earlier build).

    A folder a build wrote carries its manifest: then every file must be listed in it (a page or note
    a user added beside the outputs is never deleted by the next build). Without a manifest (builds
    before it existed), only the known output names count as ours."""
    manifest = out / MANIFEST
    if manifest.is_file() and not manifest.is_symlink() and manifest.stat().st_size < 1_000_000:
        listed = set(manifest.read_text(encoding="utf-8", errors="replace").split("\n")) | {MANIFEST}
        for path in sorted(out.rglob("*")):
            rel = path.relative_to(out).as_posix()
            temp_of_ours = path.name.startswith(".") and any(
                rel.startswith(f"{Path(n).parent.as_posix() + '/' if '/' in n else ''}.{Path(n).name}.") for n in listed)
            if path.is_symlink() or (path.is_file() and rel not in listed and not temp_of_ours) \
                    or not (path.is_file() or path.is_dir()):
                return rel
        return None
    def ours(name: str, known: Iterable[str]) -> bool:
        # temporary files of the old per-file writer (``.alskg.ttl.x1y2``) count as ours too
        return name in known or any(name.startswith(f".{k}.") for k in known) or name.startswith(".probe.")

    for entry in sorted(os.scandir(out), key=lambda e: e.name):
        if entry.name in _SUBFOLDER_SUFFIXES and entry.is_dir(follow_symlinks=False):
            suffixes = _SUBFOLDER_SUFFIXES[entry.name]
            for page in os.scandir(entry.path):
                if not (page.is_file(follow_symlinks=False) and (page.name.endswith(suffixes) or page.name.startswith("."))):
                    return f"{entry.name}/{page.name}"
        elif not (entry.is_file(follow_symlinks=False) and ours(entry.name, OUTPUT_FILES)):
            return entry.name
    return None


def _check_name(name: str) -> None:
    """An output name is a relative path that stays inside the output folder."""
    if any(part in ("", ".", "..") for part in name.split("/")) or "\x00" in name or os.sep != "/" and os.sep in name:
        raise AlskgError(f"refusing to write output {name!r}: it would land outside the output folder")


def _write_new(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    for folder in [path, *(p for p in path.rglob("*") if p.is_dir())]:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _swap_in(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is; afterwards ``new`` names the old output (or nothing)."""
    try:
        os.rename(new, out)  # no output yet (or an empty folder): one plain rename
        return
    except OSError as exc:
        if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
            raise
    if _exchange(new, out):
        return
    # No atomic exchange here (not Linux, or the file system lacks it): two renames, the old kept aside
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.{_OLD}-{os.getpid()}-", dir=out.parent))
    os.rename(out, old / "out")
    os.rename(new, out)
    os.rename(old / "out", new)
    old.rmdir()


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
