"""Issue 13, re-test: ``kill -9`` of ``alskg serve`` left its Oxigraph server running and listening.
Children now die with their parent (PR_SET_PDEATHSIG, armed from one long-lived spawner thread), also
after a restart from a request thread, whose end must not take the new Oxigraph with it. Real
``alskg serve`` subprocesses; the SPARQL child of ``alskg query`` the same."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from helpers import ALSKG, ask_server, free_port
from kg import children

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(not children.DIES_WITH_PARENT, reason="needs Linux's PR_SET_PDEATHSIG")]


def _children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that may never come in a container counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _oxigraph_of(pid: int, not_this: int = 0, wait_s: float = 60) -> int:
    end = time.monotonic() + wait_s
    while time.monotonic() < end:
        found = [c for c in _children_of(pid) if _comm(c).startswith("oxigraph") and c != not_this]
        if found:
            return found[0]
        time.sleep(0.1)
    pytest.fail(f"no Oxigraph child of {pid} within {wait_s} s")




def _wait_answering(port: int, proc: subprocess.Popen) -> None:
    end = time.monotonic() + 90
    while time.monotonic() < end:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if ask_server(port, timeout=60)[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail("alskg serve did not answer")


def _gone_within(pid: int, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One cache for the module, so each ``alskg serve`` starts from a built graph and store."""
    return tmp_path_factory.mktemp("serve-cache")


@pytest.fixture()
def serve(real_seeds, cache):
    port = free_port()
    env = {**os.environ, "ALSKG_CACHE": str(cache)}
    proc = subprocess.Popen([*ALSKG, "serve", "--seeds", str(real_seeds), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    leftovers: list[int] = []
    try:
        _wait_answering(port, proc)
        yield proc, port, leftovers
    finally:
        for pid in [*leftovers, *_children_of(proc.pid)]:  # never leave an Oxigraph behind, even if a test fails
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_kill_9_of_serve_takes_oxigraph_with_it(serve):
    proc, _, leftovers = serve
    ox = _oxigraph_of(proc.pid)
    leftovers.append(ox)
    proc.kill()
    proc.wait()
    assert _gone_within(ox, 5), "the Oxigraph server outlived alskg serve (kill -9)"


def test_an_oxigraph_restarted_from_a_request_thread_lives_on_and_dies_with_serve(serve):
    proc, port, leftovers = serve
    first = _oxigraph_of(proc.pid)
    os.kill(first, signal.SIGKILL)
    status, body = ask_server(port, timeout=60)  # its request thread finds Oxigraph dead and restarts it (or the supervisor does)
    assert status == 200 and b"true" in body
    second = _oxigraph_of(proc.pid, not_this=first)
    leftovers.append(second)
    time.sleep(1.0)  # the request's connection is closed: its thread has ended
    assert _alive(second), "the restarted Oxigraph died with the request thread that started it"
    assert ask_server(port, timeout=60)[0] == 200
    proc.kill()
    proc.wait()
    assert _gone_within(second, 5), "the restarted Oxigraph outlived alskg serve (kill -9)"


def test_a_child_started_from_a_short_lived_thread_outlives_the_thread():
    started: list[subprocess.Popen] = []
    t = threading.Thread(target=lambda: started.append(children.popen([sys.executable, "-c", "import time; time.sleep(30)"])))
    t.start()
    t.join()
    (child,) = started
    try:
        time.sleep(0.5)
        assert child.poll() is None, "killed when the thread that asked for it ended"
    finally:
        child.kill()
        child.wait()


def test_the_sparql_child_dies_with_alskg_query(real_seeds, cache):
    """``alskg query -`` with a runaway query, killed with SIGKILL: its SPARQL child must not run on
    (before, only the child's own alarm ended it, up to --timeout-s seconds later)."""
    env = {**os.environ, "ALSKG_CACHE": str(cache)}
    proc = subprocess.Popen([*ALSKG, "query", "-", "--timeout-s", "600", "--seeds", str(real_seeds)],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    assert proc.stdin is not None
    proc.stdin.write(b"SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g")
    proc.stdin.close()
    child = 0
    try:
        end = time.monotonic() + 120
        while not child and time.monotonic() < end:
            child = next(iter(_children_of(proc.pid)), 0)
            time.sleep(0.1)
        assert child, "alskg query started no SPARQL child"
        time.sleep(1)
        proc.kill()
        proc.wait()
        assert _gone_within(child, 5), "the SPARQL child outlived alskg query (kill -9)"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if child and _alive(child):
            os.kill(child, signal.SIGKILL)


class _Interrupted(Exception):
    pass


def _interrupt(signum, frame):
    raise _Interrupted


@pytest.mark.parametrize("delay_ms", [1, 10, 100])
def test_a_signal_during_a_restart_leaves_no_oxigraph_behind(real_kg, delay_ms):
    """SIGTERM in ``alskg serve`` raises in the main thread wherever it is, also in the middle of
    starting a new Oxigraph; whatever was started must still be stopped by ``stop()``."""
    from kg.server import Upstream, prepare_store

    def oxigraphs() -> set[int]:
        return {c for c in _children_of(os.getpid()) if _comm(c).startswith("oxigraph")}

    before = oxigraphs()  # another test's server may be running in this process
    up = Upstream(prepare_store(real_kg.nq_path), timeout_s=5, max_memory_mb=4096, wait_s=20)
    up.start()
    first = up.proc
    assert first is not None
    first.kill()
    first.wait()
    previous = signal.signal(signal.SIGALRM, _interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, delay_ms / 1000)
        try:
            up.ensure()  # the restart the signal interrupts (or not, if it comes late)
            time.sleep(1)
        except _Interrupted:
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
        up.stop()
    time.sleep(0.5)  # a start still under way in the spawner ends it when it registers
    mine = oxigraphs() - before
    for pid in mine:
        os.kill(pid, signal.SIGKILL)
    assert not mine, "an Oxigraph started during the interrupted restart was left running"


def test_a_restart_after_stop_starts_nothing(real_kg):
    """A request thread that finds Oxigraph dead while ``alskg serve`` is stopping (its SIGTERM
    handler already ran ``stop()``) must not start a new one that outlives the stop."""
    from contextlib import suppress

    from kg.model import AlskgError
    from kg.server import Upstream, prepare_store

    before = {c for c in _children_of(os.getpid()) if _comm(c).startswith("oxigraph")}
    up = Upstream(prepare_store(real_kg.nq_path), timeout_s=5, max_memory_mb=4096, wait_s=20)
    up.start()
    up.stop()
    with suppress(AlskgError):
        up.ensure()
    with suppress(AlskgError):
        up.restart(up.port)
    time.sleep(0.3)
    left = {c for c in _children_of(os.getpid()) if _comm(c).startswith("oxigraph")} - before
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "a restart after stop() left an Oxigraph running"


def test_the_supervisor_says_how_oxigraph_died(real_kg):
    import resource

    from kg.server import Upstream, prepare_store

    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, hard))  # inherited: the crash leaves no core file
    up = Upstream(prepare_store(real_kg.nq_path), timeout_s=5, max_memory_mb=4096, wait_s=20)
    try:
        up.start()
        assert up.proc is not None
        # SIGABRT: what a failed allocation ends in (a SIGSEGV sent from outside Rust survives once)
        os.kill(up.proc.pid, signal.SIGABRT)
        up.proc.wait(timeout=20)
        assert up.ensure() is True
        assert up.last_death == "killed by signal 6 (SIGABRT)"
    finally:
        up.stop()
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
