"""A 500 page never shows a secret, in any setting (issue 10, item 3): with DEBUG on, Django's technical
page lists every frame's locals, the request and the settings — the adm/raw password sat in the client's
and the HTTP stack's frames, and a password inside a URL setting was shown as is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from urllib3.connectionpool import HTTPConnectionPool

from tests.fixtures.lti_env import LtiEnv
from wims_lti.models import Course

pytestmark = pytest.mark.django_db(transaction=True)

URL_PASSWORD = "RedisUrlPassw0rd"


@pytest.fixture
def wims_transport_crash(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Call it to have a bug deep in the HTTP stack while an adm/raw request (password in its body) is
    being sent."""
    original = HTTPConnectionPool._make_request

    def crash(self: HTTPConnectionPool, conn: Any, method: str, url: str, body: Any = None, **kw: Any) -> Any:
        if body and b"adm%2Fraw" in (body if isinstance(body, bytes) else str(body).encode()):
            raise RuntimeError("simulated bug in the HTTP stack")
        return original(self, conn, method, url, body=body, **kw)

    yield lambda: monkeypatch.setattr(HTTPConnectionPool, "_make_request", crash)


def secrets_of(env: LtiEnv) -> list[str]:
    course = Course.objects.get()
    return [
        env.wims.passwd,
        course.class_password,
        course.supervisor_password,
        str(settings.SECRET_KEY),
        URL_PASSWORD,
    ]


@pytest.mark.parametrize("debug", [True, False], ids=["debug-on", "debug-off"])
def test_a_crash_inside_the_wims_client_shows_no_secret(
    lti_env: LtiEnv, wims_transport_crash: Callable[[], None], debug: bool
) -> None:
    env = lti_env
    env.enter(env.teacher)  # the class (with its passwords) exists; the crash hits the student's adduser
    wims_transport_crash()
    broker = f"redis://wims:{URL_PASSWORD}@127.0.0.1:1/0"
    with override_settings(DEBUG=debug, CELERY_BROKER_URL=broker, METRICS_REDIS_URL=broker):
        response = env.launch(env.student)
    assert response.status_code == 500
    page = response.text
    if debug:
        assert "simulated bug in the HTTP stack" in page and "Traceback" in page  # the technical page
    else:
        assert response.headers["X-Correlation-ID"] in page and "Traceback" not in page
    for secret in secrets_of(env):
        assert secret and secret not in page
    assert "passwd=" not in page and "password=" not in page.lower()
    assert "id_token" not in page or "eyJ" not in page  # the launch's JWT is a credential too
