"""Process helpers on Linux `/proc`: identity (PID + start time), liveness, descendants, ending by PID.

A PID alone can be reused after its process is gone, so a process is identified by (pid, start time):
that is what the runstack state file stores and what stale-process cleanup checks before signalling.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
_PR_SET_PDEATHSIG = 1


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 is the state, 1 the ppid)."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return raw[raw.rfind(")") + 2 :].split()


def start_time(pid: int) -> int | None:
    """Start time of PID in clock ticks since boot (field 22 of /proc/PID/stat), None if gone."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None


def is_running(pid: int, started: int | None = None) -> bool:
    """True if PID exists, is not a zombie and (when `started` is given) is the same process."""
    fields = _stat_fields(pid)
    if not fields or fields[0] in ("Z", "X"):
        return False
    return started is None or int(fields[19]) == started


def parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def cmdline(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def descendants(pid: int) -> list[int]:
    """Every live process below PID (children, grandchildren, ...), from one scan of /proc."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        ppid = parent_of(int(entry.name))
        if ppid is not None:
            children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return [p for p in found if is_running(p)]


def group_alive(pgid: int) -> bool:
    """True if any process is left in process group PGID."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_gone(pid: int, started: int | None, timeout: float) -> bool:
    """Wait until PID (not our child: cannot be reaped here) is gone or a zombie."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid, started):
            return True
        time.sleep(0.05)
    return not is_running(pid, started)


def end_foreign_process(pid: int, started: int | None, timeout: float = 10.0) -> None:
    """End a process we did not spawn in this run (a leftover): SIGTERM, wait, then SIGKILL its group.

    Only called for a (pid, start time) pair we recorded ourselves, so the PID cannot be someone else's.
    """
    if not is_running(pid, started):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not wait_gone(pid, started, timeout):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_gone(pid, started, 5)
    # Leftovers we spawned were session leaders: their PID is their group (celery's pool processes).
    if os.getpgid(os.getpid()) != pid:
        kill_group(pid)


def die_with_parent() -> Callable[[], None]:
    """A `preexec_fn` making the child get SIGTERM when this process dies (Linux PR_SET_PDEATHSIG).

    Built in the parent (libc is loaded before the fork); the child checks that its parent is still
    the one that forked it, closing the race where the parent died before prctl() ran.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec
