"""An overall deadline for one HTTP request to WIMS (connect + send + headers + body).

requests' timeouts are per socket operation: a WIMS that sends one byte every 5 s never trips a 30 s
read timeout and holds the caller for as long as it likes. Here every request runs under a `Deadline`:
the sockets of the connection serving it are registered with one shared watchdog thread, which shuts
them down when the deadline passes. The blocked read then fails at once (requests raises), the caller
sees `deadline.expired` and reports a timeout; the broken connection is dropped from the pool.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current: ContextVar[Deadline | None] = ContextVar("wims_http_deadline", default=None)


class Deadline:
    """`with Deadline(seconds):` — the requests sent inside are cut when `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = max(0.0, seconds)
        self.at = time.monotonic() + self.seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._token: Any = None

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    def attach(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if not any(known is sock for known in self._sockets):
                self._sockets.append(sock)
            expired = self.expired
        if expired:
            _shutdown(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def __enter__(self) -> Deadline:
        self._token = _current.set(self)
        _watchdog.watch(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _watchdog.forget(self)
        _current.reset(self._token)
        with self._lock:
            self._sockets.clear()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread for every deadline of the process (no thread per request)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._active: set[int] = set()
        self._ids = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._cond:
            key = next(self._ids)
            deadline._watch_key = key  # type: ignore[attr-defined]
            self._active.add(key)
            heapq.heappush(self._heap, (deadline.at, key, deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="wims-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()

    def forget(self, deadline: Deadline) -> None:
        with self._cond:
            self._active.discard(getattr(deadline, "_watch_key", -1))

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._cond.wait(timeout=60)
                    continue
                at, key, deadline = self._heap[0]
                delay = at - time.monotonic()
                if delay > 0:
                    self._cond.wait(timeout=delay)
                    continue
                heapq.heappop(self._heap)
                self._active.discard(key)
            deadline.expire()


_watchdog = _Watchdog()


class _DeadlineMixin:
    """Registers the connection's socket with the current deadline, for new and reused connections."""

    sock: socket.socket | None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        deadline = _current.get()
        if deadline is not None:
            deadline.attach(self.sock)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = _current.get()
        if deadline is not None:
            deadline.attach(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_DeadlineMixin, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections honour the current `Deadline`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def mount_deadlines(session: requests.Session) -> requests.Session:
    adapter = DeadlineAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    with Deadline(seconds) as current:
        yield current
