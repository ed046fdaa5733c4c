"""Real services for the whole test session, started before Django settings are read.

Loaded with `-p tests.plugins.services` (pyproject.toml), so it runs before pytest-django imports
`settings.test`: when REDIS_URL is not given, a real redis-server is started on a free loopback port
and REDIS_URL points to it. The process is ended by PID when the session ends.
"""

from __future__ import annotations

import atexit
import os

# Importing wims_lti loads its Celery app, which defaults DJANGO_SETTINGS_MODULE to settings.local for
# `celery -A wims_lti`; pytest-django prefers the environment over pyproject.toml, so pin it first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

from wims_lti.devstack.redis_server import RedisServer

_redis: RedisServer | None = None

if not os.environ.get("REDIS_URL"):
    _redis = RedisServer().start()
    os.environ["REDIS_URL"] = _redis.url
    atexit.register(_redis.stop)


def session_redis() -> RedisServer | None:
    """The redis-server this session started (None when REDIS_URL was given from outside)."""
    return _redis
