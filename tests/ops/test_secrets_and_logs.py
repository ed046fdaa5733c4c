"""Issue 16, hole 9: secrets write-only in the admin, no token in any log line (Django's logs and
gunicorn's access log), OIDC state that lives minutes, and login initiations limited per client IP."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.contrib.auth.models import User

from tests.fixtures.lti_env import LtiEnv, html_forms
from tests.teacher.helpers import token_of
from wims_lti.models import Platform

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "lti11-secret-never-shown-9f8e7d"


def _admin_session(live_server: Any) -> requests.Session:
    User.objects.create_superuser("admin16", "admin16@example.org", "adminpass16")
    session = requests.Session()
    page = session.get(f"{live_server.url}/admin/login/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert csrf
    done = session.post(
        f"{live_server.url}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": csrf.group(1), "username": "admin16", "password": "adminpass16"},
        headers={"Referer": f"{live_server.url}/admin/login/"},
        timeout=30,
    )
    assert done.status_code == 200 and "logout" in done.text.lower()
    return session


def _save(session: requests.Session, page: requests.Response, **changes: str) -> requests.Response:
    form = next(f for f in html_forms(page.text) if f.id == "platform_form")
    data = {**form.fields, **changes}
    data.pop("generate_lti11_secret", None)
    data.update({k: v for k, v in changes.items() if k == "generate_lti11_secret"})
    return session.post(page.url, data=data, headers={"Referer": page.url}, timeout=30)


def test_the_lti11_secret_is_write_only_in_the_admin(live_server: Any, lti_env: LtiEnv) -> None:
    platform = lti_env.registration
    platform.lti11_consumer_key, platform.lti11_secret = "moodle-key", SECRET
    platform.save()
    session = _admin_session(live_server)
    change_url = f"{live_server.url}/admin/wims_lti/platform/{platform.pk}/change/"
    page = session.get(change_url, timeout=30)
    assert page.status_code == 200 and SECRET not in page.text
    saved = _save(session, page, name="Renamed")  # the secret field left empty: kept
    assert "errorlist" not in saved.text, re.findall(r"errorlist.{0,300}", saved.text)
    assert saved.status_code == 200 and SECRET not in saved.text
    platform.refresh_from_db()
    assert (platform.name, platform.lti11_secret) == ("Renamed", SECRET)
    # Replaced by a generated one: shown once, on the page after the save, never again.
    shown = _save(session, session.get(change_url, timeout=30), generate_lti11_secret="on")
    platform.refresh_from_db()
    assert platform.lti11_secret != SECRET and platform.lti11_secret in shown.text
    assert "no-store" in shown.headers["Cache-Control"]
    assert platform.lti11_secret not in session.get(change_url, timeout=30).text
    # Issuer and keys of a registration are the tenant's: read-only here.
    assert 'name="keyset_url"' not in session.get(change_url, timeout=30).text


def test_no_token_in_django_log_lines(lti_env: LtiEnv, caplog: pytest.LogCaptureFixture) -> None:
    env = lti_env
    token = token_of(env.teacher_page(env.teacher).url)
    caplog.set_level(logging.INFO)
    forged = token[:-4] + "AAAA"
    assert requests.get(f"{env.tool_url}/teacher/{forged}/grades/", timeout=30).status_code == 403
    assert requests.get(f"{env.tool_url}/teacher/{token}/nope/", timeout=30).status_code == 404
    assert (
        requests.get(f"{env.tool_url}/lti/register/{token}/?registration_token=abc123xyz", timeout=30).ok
        is False
    )
    text = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "/teacher/[redacted]" in text
    for secret in (token, forged, "abc123xyz"):
        assert secret not in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_gunicorn_access_log_has_no_token() -> None:
    """gunicorn as deployed (docker/gunicorn.conf.py, also used by deploy/systemd): its access lines."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "WEB_CONCURRENCY": "1",
        "PROMETHEUS_MULTIPROC_DIR": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wims_lti.wsgi:application", "--config", "docker/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        token = "eyJwIjoxLCJjIjoyfQ:1tSecretTokenValue:AbCdEf123"
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/teacher/{token}/?state=st4te",
                    timeout=10,
                    headers={"Referer": f"/teacher/{token}/"},
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and proc.poll() is None, "gunicorn did not start"
                time.sleep(0.3)
        assert response.status_code == 403
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    access = [line for line in output.splitlines() if "GET /teacher/" in line]
    assert access, output[-2000:]
    assert "/teacher/[redacted]" in access[0]
    assert token not in output and "SecretTokenValue" not in output and "st4te" not in output


def _state_keys(client: redis.Redis) -> dict[str, int]:
    return {key.decode(): int(client.ttl(key)) for key in client.scan_iter(match="*lti1p3-*")}


def test_oidc_state_lives_minutes_and_logins_are_rate_limited(lti_env: LtiEnv, settings: Any) -> None:
    env = lti_env
    client = redis.Redis.from_url(django_settings.REDIS_URL)
    before = set(_state_keys(client))
    initiation = env.platform.start_launch(env.student, env.course, env.link)
    login = requests.post(initiation.url, data=initiation.params, allow_redirects=False, timeout=30)
    assert login.status_code == 302
    new = {k: ttl for k, ttl in _state_keys(client).items() if k not in before}
    assert new and all(0 < ttl <= 600 for ttl in new.values()), new
    # Per client IP: over the limit, a 429 page in the user's language, and no state stored.
    settings.LTI_LOGIN_RATE_LIMIT = 3
    settings.LTI_LOGIN_RATE_WINDOW = 3600
    answers = []
    for _ in range(4):
        initiation = env.platform.start_launch(env.student, env.course, env.link)
        keys = set(_state_keys(client))
        answers.append(
            requests.post(
                initiation.url,
                data=initiation.params,
                headers={"Accept-Language": "fr"},
                allow_redirects=False,
                timeout=30,
            )
        )
    assert [a.status_code for a in answers][-1] == 429
    assert "Trop de lancements" in answers[-1].text
    assert set(_state_keys(client)) == keys  # the refused one stored nothing
    assert urljoin(env.tool_url, "/") in env.tool_url + "/"
    assert Platform.objects.exists()
