"""Faults of a misbehaving WIMS, for tests and benchmarks: silent, or dripping its answer byte by byte.

`server.faults.silent()` — every adm/raw request is read and never answered (until `clear()` or
`seconds`); `server.faults.drip(5.0)` — the whole answer (status line included) is sent one byte every
5 s, so no read timeout ever fires. `jobs` limits a fault to some jobs. `held` counts the requests the
fault is holding right now (tests wait on it to know slow requests are in flight), `received` the jobs
it caught.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    kind: str  # "silent" | "drip"
    jobs: frozenset[str] | None = None  # None: every job
    interval: float = 5.0  # drip: seconds between two bytes
    seconds: float = 3600.0  # silent: how long a request is held at most

    def applies_to(self, job: str) -> bool:
        return self.jobs is None or job in self.jobs


class WimsFaults:
    def __init__(self) -> None:
        self._fault: Fault | None = None
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.held = 0
        self.received: list[str] = []  # the job of every request a fault caught

    def silent(self, *, jobs: set[str] | None = None, seconds: float = 3600.0) -> None:
        self._set(Fault("silent", frozenset(jobs) if jobs else None, seconds=seconds))

    def drip(self, interval: float = 5.0, *, jobs: set[str] | None = None) -> None:
        self._set(Fault("drip", frozenset(jobs) if jobs else None, interval=interval))

    def clear(self) -> None:
        """No more faults; requests being held are let go (a silent one is closed unanswered)."""
        with self._lock:
            self._fault = None
            self._released.set()

    def _set(self, fault: Fault) -> None:
        with self._lock:
            self._fault = fault
            self._released = threading.Event()

    def current(self, job: str) -> tuple[Fault, threading.Event] | None:
        with self._lock:
            if self._fault is None or not self._fault.applies_to(job):
                return None
            self.received.append(job)
            return self._fault, self._released

    def hold(self, delta: int) -> None:
        with self._lock:
            self.held += delta
