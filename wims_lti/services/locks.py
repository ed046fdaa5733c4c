"""Cross-process locks in the shared Redis (web processes and workers on several hosts)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import redis
from django.conf import settings

from wims_lti.wims.budget import current_budget


class LockTimeout(RuntimeError):
    """Another process held the lock for longer than we were willing to wait."""


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


@contextmanager
def redis_lock(name: str, *, timeout: float = 180, wait: float = 170) -> Iterator[None]:
    """Hold `name` (auto-released after `timeout` s if the holder dies); wait at most `wait` s for it,
    and never longer than what is left of the current WIMS budget (a launch answers in time)."""
    budget = current_budget()
    if budget is not None:
        wait = min(wait, budget.remaining())
    lock = _client(settings.REDIS_URL).lock(f"wims_lti:lock:{name}", timeout=timeout, blocking_timeout=wait)
    if not lock.acquire():
        raise LockTimeout(f"lock {name!r} is busy")
    try:
        yield
    finally:
        with contextlib.suppress(redis.exceptions.LockError):  # expired meanwhile
            lock.release()
