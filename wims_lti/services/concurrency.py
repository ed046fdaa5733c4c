"""Counting semaphores in Redis, shared by every worker on every host.

A semaphore is a sorted set: one member per held slot, scored with the slot's expiry time. Acquiring
drops expired members and adds ours only if fewer than `limit` remain — atomically, in one Lua script —
so a worker killed while holding a slot leaks it for at most `lease` seconds. Used to cap concurrent
adm/raw calls per WIMS server (`WimsServer.max_concurrency`) and concurrent requests per LMS platform
(`GRADE_LMS_MAX_CONCURRENCY`: Canvas charges every in-flight request against its rate-limit bucket).
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from django.conf import settings

from .locks import _client

logger = logging.getLogger(__name__)

_ACQUIRE = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3]) * 1000) + 1000)
  local held = redis.call('ZCARD', KEYS[1])
  local peak = tonumber(redis.call('GET', KEYS[2]) or '0')
  if held > peak then redis.call('SET', KEYS[2], held, 'EX', 86400) end
  return 1
end
return 0
"""


class SemaphoreTimeout(RuntimeError):
    """Every slot stayed taken for longer than we were willing to wait."""


def _keys(name: str) -> tuple[str, str]:
    return f"wims_lti:sem:{name}", f"wims_lti:sem-peak:{name}"


def semaphore_peak(name: str) -> int:
    """Most slots ever held at once (for tests and benchmarks; kept a day)."""
    value = _client(settings.REDIS_URL).get(_keys(name)[1])
    return int(value) if value else 0


def semaphore_reset(name: str) -> None:
    _client(settings.REDIS_URL).delete(*_keys(name))


@contextmanager
def redis_semaphore(name: str, *, limit: int, lease: float = 60.0, wait: float = 120.0) -> Iterator[None]:
    """Hold one of `limit` slots of `name` for the block (at most `lease` seconds if we die)."""
    client = _client(settings.REDIS_URL)
    script = client.register_script(_ACQUIRE)
    token = uuid.uuid4().hex
    key, peak_key = _keys(name)
    deadline = time.monotonic() + wait
    pause = 0.005
    while True:
        try:
            acquired = script(keys=[key, peak_key], args=[time.time(), max(1, limit), lease, token])
        except redis.exceptions.ConnectionError:
            if time.monotonic() > deadline:
                raise
            logger.warning("semaphore %s: Redis unreachable, retrying", name)
            time.sleep(0.5)
            continue
        if acquired:
            break
        if time.monotonic() > deadline:
            raise SemaphoreTimeout(f"semaphore {name!r}: no free slot within {wait}s")
        time.sleep(pause * (1 + random.random()))
        pause = min(pause * 2, 0.1)
    try:
        yield
    finally:
        with contextlib.suppress(redis.exceptions.RedisError):
            client.zrem(key, token)


def wims_slot(server_id: int, limit: int) -> contextlib.AbstractContextManager[None]:
    return redis_semaphore(f"wims:{server_id}", limit=limit, lease=settings.WIMS_SLOW_READ_TIMEOUT + 10)


def lms_slot(platform_id: int) -> contextlib.AbstractContextManager[None]:
    lease = settings.LTI_HTTP_CONNECT_TIMEOUT + settings.LTI_HTTP_READ_TIMEOUT + 10
    return redis_semaphore(f"lms:{platform_id}", limit=settings.GRADE_LMS_MAX_CONCURRENCY, lease=lease)
