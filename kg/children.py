"""Child processes that die with alskg, even when alskg is killed with SIGKILL.

Why: ``kill -9`` of ``alskg serve`` runs no cleanup, so the Oxigraph server it started would keep
running and listening. On Linux the kernel can signal a child when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), but "parent" there means the *thread* that forked it: a child
started from a request thread would be killed as soon as that thread ends (and a restart in a
request thread is exactly what the server's supervisor does). So every child is started from one
thread that lives as long as the process, the spawner. In the child, between fork and exec,
the death signal is armed and the parent is checked to be still the one that started it (it may
have died in between; then the child exits at once).

The spawner also closes a race with signals: ``on_start`` runs in the spawner thread right after
the child starts, so a SIGTERM that raises in the main thread while it waits can never leave a
child that nobody registered. Elsewhere than Linux children start normally (no death signal).
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Any:
    """libc's prctl, looked up before any fork (the child must not load libraries)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


_prctl = _load_prctl()
DIES_WITH_PARENT = _prctl is not None


def _arm(parent_pid: int) -> Callable[[], None]:
    def in_child() -> None:  # between fork and exec: no imports, no locks
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before the signal was armed
            os._exit(1)
    return in_child


class _Spawner:
    """One long-lived daemon thread that runs every start of a child process."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], dict[str, Any], threading.Event]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _loop(self) -> None:
        while True:
            job, box, done = self._jobs.get()
            try:
                box["value"] = job()
            except BaseException as exc:  # noqa: BLE001 - handed back to the thread that asked
                box["error"] = exc
            finally:
                done.set()

    def call(self, job: Callable[[], Any]) -> Any:
        if threading.current_thread() is self._thread:
            return job()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="alskg-spawner", daemon=True)
                self._thread.start()
        box: dict[str, Any] = {}
        done = threading.Event()
        self._jobs.put((job, box, done))
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["value"]


_SPAWNER = _Spawner()


def popen(args: list[str], on_start: Callable[[subprocess.Popen], None] | None = None,
          **kwargs: Any) -> subprocess.Popen:
    """``subprocess.Popen(args, **kwargs)`` started from the spawner thread, killed (SIGKILL) by the
    kernel when this process dies. ``on_start(proc)`` runs in the spawner right after the start:
    register the child there, so an exception in the calling thread cannot lose it."""
    parent = os.getpid()

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(args, preexec_fn=_arm(parent), **kwargs)  # noqa: PLW1509 - see _arm
        if on_start is not None:
            on_start(proc)
        return proc

    return _SPAWNER.call(start)
