"""Redis locks with a short lease, renewed while held: freed within seconds when their holder dies.

A plain lock must outlive the longest work done under it (a score read of a big class, a roster with
thousands of accounts made ahead), so a worker SIGKILLed while holding it blocks everyone for that long.
Here the lease is short (`ttl`) and a thread renews it every `ttl / 3` while the block runs.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings

from wims_lti.services.locks import LockTimeout
from wims_lti.services.locks import _client as redis_client

logger = logging.getLogger(__name__)


@contextmanager
def renewed_lock(name: str, *, ttl: float, wait: float) -> Iterator[None]:
    """Hold `wims_lti:lock:<name>`; raises `LockTimeout` after `wait` seconds."""
    lock = redis_client(settings.REDIS_URL).lock(
        f"wims_lti:lock:{name}", timeout=ttl, blocking_timeout=wait, thread_local=False
    )
    if not lock.acquire():
        raise LockTimeout(f"lock {name!r} is busy")
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl / 3):
            try:
                lock.reacquire()
            except redis.exceptions.RedisError as exc:  # lost or Redis away: the holder carries on
                logger.warning("lock %s not renewed: %s", name, exc)

    thread = threading.Thread(target=renew, name=f"lock-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        with contextlib.suppress(redis.exceptions.RedisError):  # expired meanwhile
            lock.release()
