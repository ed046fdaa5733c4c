"""Redis down (issue 10, item 7), on the live tool with the tests' own Redis stopped by its PID: /health/
answers its JSON 503 naming the cache and the broker, the JWKS, static files and teacher pages still
work, launches say "try again shortly" (503, in the user's language, with a correlation id), and
everything works again when Redis is back, without restarting anything."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests

from tests.fixtures.lti_env import LtiEnv
from tests.plugins.services import session_redis
from wims_lti.devstack.redis_server import RedisServer
from wims_lti.lti.devplatform import DevBrowser

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@contextmanager
def redis_stopped() -> Iterator[RedisServer]:
    """Stop the session's redis-server (by its PID), then start it again on the same port and data."""
    server = session_redis()
    if server is None:
        pytest.skip("REDIS_URL was given from outside: the tests did not start that Redis")
    port, data_dir, tmp = server.port, server.data_dir, server._tmp
    pid = server.pid
    server._tmp = None  # keep the data directory across the restart
    server.stop()
    assert pid is not None
    try:
        yield server
    finally:
        server.port, server.data_dir, server._tmp = port, data_dir, tmp
        server.start()


def assert_try_again_page(response: requests.Response, *, french: bool = False) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:500])
    assert "text/html" in response.headers["Content-Type"]
    if french:
        assert "Réessayez dans quelques instants" in response.text
    else:
        assert "Try again in a few moments" in response.text
    assert response.headers["X-Correlation-ID"] in response.text


def test_with_redis_down_the_tool_degrades_clearly_and_recovers(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    env.enter(env.student)
    dashboard = env.teacher_page(env.teacher).url
    with redis_stopped():
        health = requests.get(env.tool_url + "/health/", timeout=20)
        assert health.status_code == 503 and health.headers["Content-Type"] == "application/json"
        checks = health.json()["checks"]
        assert checks["cache"]["ok"] is False and checks["broker"]["ok"] is False
        assert checks["database"]["ok"] is True
        jwks = requests.get(env.tool_url + "/lti/jwks/", timeout=10)
        assert jwks.status_code == 200 and jwks.json()["keys"]
        css = requests.get(env.tool_url + "/static/wims_lti/base.css", timeout=10)
        assert css.status_code == 200
        assert_try_again_page(env.launch(env.student))
        french = DevBrowser()
        french.session.headers["Accept-Language"] = "fr"
        initiation = env.platform.start_launch(env.student, env.course, env.link)
        assert_try_again_page(french.launch(initiation, platform_url=env.server.url), french=True)
        # The teacher pages need no Redis (signed tokens, the database, WIMS): they keep working.
        assert requests.get(dashboard, timeout=20).status_code == 200
        metrics = requests.get(env.tool_url + "/metrics", timeout=10)
        assert metrics.status_code == 503
    # Back: no restart of the tool.
    assert requests.get(env.tool_url + "/health/", timeout=20).status_code == 200
    env.enter(env.student)
    assert requests.get(dashboard, timeout=20).status_code == 200
