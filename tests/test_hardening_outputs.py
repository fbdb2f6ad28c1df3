"""Outputs all or nothing (issue 13, "Outputs"): a build swaps in a whole folder, targets are checked first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import REPO, invoke
from kg.files import LEFTOVER_AGE_S, check_output_file, check_output_folder, write_all, write_atomic
from kg.model import AlskgError


def _tree(folder: Path) -> dict[str, bytes]:
    """The outputs in a folder (the build's manifest, .alskg-build, aside)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".alskg-build"}


def _siblings(folder: Path) -> list[str]:
    """Temporary folders of builds of ``folder`` beside it."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


# ---------------------------------------------------------------- alskg build: one swap


def test_the_page_of_a_removed_document_is_gone_after_the_next_build(mini_seeds, tmp_path):
    out = tmp_path / "out"
    r = invoke("build", "--seeds", str(mini_seeds), "--out", str(out))
    assert r.returncode == 0, r.stderr
    doc = "muse-cells-2020"
    assert (out / "html" / f"{doc}.html").is_file()
    (out / "html" / ".index.html.x1y2z3").write_bytes(b"temp file of an older writer")
    tsv = mini_seeds / "documents.tsv"
    tsv.write_text("".join(line for line in tsv.read_text(encoding="utf-8").splitlines(keepends=True)
                           if not line.startswith(doc + "\t")), encoding="utf-8")
    r = invoke("build", "--seeds", str(mini_seeds), "--out", str(out))
    assert r.returncode == 0, r.stderr
    pages = sorted(p.name for p in (out / "html").iterdir())
    assert f"{doc}.html" not in pages and "index.html" in pages
    assert not [p for p in out.rglob(".*") if p.name != ".alskg-build"], "no temporary file is left in the output"
    assert _siblings(out) == [], "no temporary folder is left beside the output"


def test_a_failure_while_writing_leaves_the_previous_output_untouched(tmp_path):
    out = tmp_path / "out"
    write_all({"alskg.ttl": b"old", "html/a.html": b"old page"}, out)
    before = _tree(out)
    # "html" as a file, then "html/b.html" inside it: the second write fails half-way through the build
    with pytest.raises(AlskgError, match="previous output is unchanged"):
        write_all({"alskg.ttl": b"new", "html": b"a file where a folder must be", "html/b.html": b"new"}, out)
    assert _tree(out) == before
    assert _siblings(out) == []


def test_outputs_rendered_while_writing_fail_cleanly(tmp_path):
    """``alskg build`` renders its outputs one by one as they are written: a render that fails after some
    were written, or a name given twice, leaves the previous output as it was and nothing beside it."""
    out = tmp_path / "out"
    write_all({"alskg.ttl": b"old"}, out)

    def failing():
        yield "alskg.nq", b"written first"
        raise AlskgError("the JSON-LD writer failed")

    with pytest.raises(AlskgError, match="JSON-LD writer failed"):
        write_all(failing(), out)
    with pytest.raises(AlskgError, match="twice"):
        write_all(iter([("a.ttl", b"1"), ("a.ttl", b"2")]), out)
    assert _tree(out) == {"alskg.ttl": b"old"} and _siblings(out) == []
    assert write_all(iter([("b.ttl", b"b"), ("a.ttl", b"a")]), out) == [out / "a.ttl", out / "b.ttl"]
    assert _tree(out) == {"a.ttl": b"a", "b.ttl": b"b"}


def test_a_build_killed_while_writing_leaves_the_old_output_and_the_next_build_cleans_up(tmp_path):
    out = tmp_path / "out"
    write_all({"alskg.ttl": b"old"}, out)
    child = ("import sys; from kg.files import write_all; "
             "write_all({f'html/p{i:05}.html': bytes(512) for i in range(20000)}, sys.argv[1])")
    proc = subprocess.Popen([sys.executable, "-c", child, str(out)], env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 60
        while not any(n.startswith(".out.alskg-new-") for n in _siblings(out)):
            assert proc.poll() is None and time.monotonic() < deadline, "the child never started writing"
            time.sleep(0.002)
        time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the child finished before it was killed"
    assert _tree(out) == {"alskg.ttl": b"old"}, "a kill during writing must leave the old output as it was"
    assert _siblings(out), "the killed build left its partial folder beside the output"
    write_all({"alskg.ttl": b"new"}, out)
    assert _tree(out) == {"alskg.ttl": b"new"}
    assert _siblings(out) == [], "the next build removes what the killed one left"


def test_a_leftover_of_a_running_build_is_kept_until_it_is_old(tmp_path):
    out = tmp_path / "out"
    mine = tmp_path / f".out.alskg-new-{os.getppid()}-abc"  # a live process: maybe still writing
    mine.mkdir()
    write_all({"alskg.ttl": b"x"}, out)
    assert mine.exists()
    old = time.time() - LEFTOVER_AGE_S - 60
    os.utime(mine, (old, old))
    write_all({"alskg.ttl": b"y"}, out)
    assert not mine.exists()


@pytest.mark.parametrize("name", ["../escape.html", "/abs.html", "html/../../x", "", "a/./b"])
def test_an_output_name_cannot_leave_the_output_folder(tmp_path, name):
    with pytest.raises(AlskgError, match="outside the output folder"):
        write_all({name: b"x"}, tmp_path / "out")
    assert sorted(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- --out


def test_an_empty_out_is_refused(mini_seeds, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for value in ("", " "):
        r = invoke("build", "--seeds", str(mini_seeds), "--out", value, "--no-html")
        assert r.returncode == 1 and "--out is empty" in r.stderr and "Traceback" not in r.stderr
    r = invoke("build", "--seeds", str(mini_seeds), "--out", ".", "--no-html")
    assert r.returncode == 1 and "current folder" in r.stderr
    assert sorted(here.iterdir()) == []


@pytest.mark.parametrize("where", ["seeds", "seeds/claims", "seeds/new/out", "parent"])
def test_out_inside_or_around_the_seeds_is_refused(mini_seeds, where):
    out = {"seeds": mini_seeds, "parent": mini_seeds.parent}.get(where) or mini_seeds / where.removeprefix("seeds/")
    before = _tree(mini_seeds)
    r = invoke("build", "--seeds", str(mini_seeds), "--out", str(out), "--no-html")
    assert r.returncode == 1 and "which the build reads" in r.stderr and "Traceback" not in r.stderr
    assert _tree(mini_seeds) == before


def test_out_through_a_link_into_the_seeds_is_refused(mini_seeds, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(mini_seeds / "claims")
    with pytest.raises(AlskgError, match="which the build reads"):
        check_output_folder(link, [mini_seeds])


def test_a_folder_holding_other_files_is_never_replaced(mini_seeds, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"months of work")
    r = invoke("build", "--seeds", str(mini_seeds), "--out", str(out), "--no-html")
    assert r.returncode == 1 and "thesis.docx" in r.stderr
    assert _tree(out) == {"thesis.docx": b"months of work"}


def test_an_empty_existing_folder_is_used(mini_seeds, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    r = invoke("build", "--seeds", str(mini_seeds), "--out", str(out), "--no-html")
    assert r.returncode == 0, r.stderr
    assert (out / "alskg.ttl").is_file()


# ---------------------------------------------------------------- -o FILE


def _not_regular(tmp_path: Path, kind: str) -> Path:
    if kind in ("/dev/null", "/dev/full"):
        return Path(kind)
    target = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "link-to-device":
        target.symlink_to("/dev/null")
    return target


@pytest.mark.parametrize("kind", ["/dev/null", "/dev/full", "fifo", "folder", "link-to-device"])
@pytest.mark.parametrize("command", ["export", "viz"])
def test_o_refuses_a_target_that_is_not_a_regular_file(mini_seeds, tmp_path, kind, command):
    target = _not_regular(tmp_path, kind)
    before = os.lstat(target)
    r = invoke(command, "--seeds", str(mini_seeds), "-o", str(target))
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr, r.stderr
    assert "not a regular file" in r.stderr or "is a directory" in r.stderr
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary file is left"


def test_write_atomic_itself_refuses_a_device(tmp_path):
    with pytest.raises(AlskgError, match="character device"):
        write_atomic(Path("/dev/null"), b"x")
    with pytest.raises(AlskgError, match="empty"):
        check_output_file("")


def test_o_replaces_a_regular_file(mini_seeds, tmp_path):
    target = tmp_path / "g.ttl"
    target.write_text("old")
    r = invoke("export", "--seeds", str(mini_seeds), "-o", str(target))
    assert r.returncode == 0, r.stderr
    assert target.read_text(encoding="utf-8").startswith("@prefix")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.dictionaries(st.text(st.sampled_from("ab/._"), min_size=1, max_size=8), st.binary(max_size=8),
                             min_size=1, max_size=4))
def test_write_all_is_all_or_nothing_for_any_names(tmp_path_factory, names):
    """Whatever names are asked for: either exactly these files are written, or a clear error and no change."""
    base = tmp_path_factory.mktemp("w")
    out = base / "out"
    write_all({"alskg.ttl": b"old"}, out)
    try:
        write_all(names, out)
    except AlskgError:
        assert _tree(out) == {"alskg.ttl": b"old"}
    else:
        assert _tree(out) == {Path(n).as_posix(): d for n, d in names.items()}
    assert _siblings(out) == []
