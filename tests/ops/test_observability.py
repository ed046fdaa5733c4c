"""JSON logs with request/task ids, Redis-backed Prometheus counters, `/metrics`, WIMS in `/health/`."""

from __future__ import annotations

import io
import json
import logging
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.correlation import set_correlation_id
from wims_lti.models import WimsServer
from wims_lti.observability import celery as obs_celery
from wims_lti.observability import metrics
from wims_lti.observability.logging import JsonFormatter, TaskIdFilter, current_task_id
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsUnreachable

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def isolated_metrics(settings: Any) -> None:
    settings.METRICS_KEY_PREFIX = f"test:{secrets.token_hex(4)}:"
    yield
    metrics.counters_clear()


def _json_logger() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(TaskIdFilter())
    from wims_lti.correlation import CorrelationIdFilter

    handler.addFilter(CorrelationIdFilter())
    log = logging.getLogger(f"test.json.{secrets.token_hex(3)}")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    return log, stream


# --- logs -------------------------------------------------------------------------------------------


def test_json_lines_carry_time_level_logger_request_id_and_extras() -> None:
    log, stream = _json_logger()
    set_correlation_id("req-abcdef")
    try:
        log.info("hello %s", "world", extra={"course": 12, "tags": ("a", object)})
        try:
            raise ValueError("boom")
        except ValueError:
            log.exception("failed")
    finally:
        set_correlation_id("-")
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["message"] == "hello world" and first["level"] == "INFO" and first["logger"] == log.name
    assert first["request_id"] == "req-abcdef" and first["course"] == 12
    assert first["tags"][0] == "a" and "task_id" not in first
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


def test_celery_signals_set_task_and_request_ids() -> None:
    headers: dict[str, Any] = {}
    set_correlation_id("req-123456")
    obs_celery._add_request_id(headers=headers)
    assert headers == {obs_celery.HEADER: "req-123456"}

    class Req:
        wims_lti_request_id = "req-123456"

    class Task:
        request = Req()

    log, stream = _json_logger()
    obs_celery._enter_task(task_id="task-42", task=Task())
    try:
        assert current_task_id() == "task-42"
        log.info("in task")
    finally:
        obs_celery._leave_task()
    line = json.loads(stream.getvalue())
    assert line["task_id"] == "task-42" and line["request_id"] == "req-123456"
    assert current_task_id() is None
    obs_celery._enter_task(task_id="task-43", task=object())  # scheduled: no request behind it
    try:
        from wims_lti.correlation import current_correlation_id

        assert current_correlation_id() == "task-43"
    finally:
        obs_celery._leave_task()


def _settings_logging(module: str, **env: str) -> dict[str, Any]:
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "h = settings.LOGGING['handlers']['console'];"
        "print(json.dumps({'format': settings.LOG_FORMAT,"
        " 'formatter': h['formatter'], 'filters': h['filters']}))"
    )
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, "REDIS_URL": "redis://127.0.0.1:1/0"}
    if module == "settings.production":
        base |= {
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
            "ALLOWED_HOSTS": "a",
            "FIELD_ENCRYPTION_KEYS": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk=",
        }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_log_format_is_plain_locally_json_in_production_and_selectable() -> None:
    assert _settings_logging("settings.local")["formatter"] == "plain"
    assert _settings_logging("settings.local", LOG_FORMAT="json")["formatter"] == "json"
    prod = _settings_logging("settings.production")
    assert prod["formatter"] == "json" and prod["filters"] == ["correlation", "task"]
    assert _settings_logging("settings.production", LOG_FORMAT="plain")["formatter"] == "plain"


def test_a_request_logs_one_json_object_per_line_with_its_request_id(db: None, settings: Any) -> None:
    log, stream = _json_logger()
    # Log something inside a real request: the API's 500 path logs with the request's correlation id.
    from unittest import mock

    with mock.patch("wims_lti.api.auth.logger", log):
        from wims_lti.services.api_tokens import api_token_create

        _t, raw = api_token_create(name="x", scopes=["courses:read"])
        with mock.patch("wims_lti.api.selectors.courses_linked", side_effect=RuntimeError("x")):
            Client().get(
                "/api/v0/courses", headers={"Authorization": f"Bearer {raw}", "X-Request-ID": "req-logline1"}
            )
    line = json.loads(stream.getvalue().splitlines()[0])
    assert line["request_id"] == "req-logline1" and line["level"] == "ERROR"


# --- metrics ----------------------------------------------------------------------------------------


def _scrape(client: Client, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


@pytest.mark.django_db
def test_counters_add_up_in_redis_and_are_exposed(isolated_metrics: None) -> None:
    metrics.count_launch("lti13", 302)
    metrics.count_launch("lti13", 403)
    metrics.count_launch("lti11", 500)
    metrics.count_lms_post("ok")
    metrics.count_sync_failure("wims_unreachable")
    metrics.count_sync_failure("wims_unreachable")
    samples = _scrape(Client())
    assert samples[("wims_lti_launches_total", (("kind", "lti13"), ("outcome", "ok")))] == 1
    assert samples[("wims_lti_launches_total", (("kind", "lti13"), ("outcome", "refused")))] == 1
    assert samples[("wims_lti_launches_total", (("kind", "lti11"), ("outcome", "error")))] == 1
    assert samples[("wims_lti_lms_posts_total", (("outcome", "ok"),))] == 1
    assert samples[("wims_lti_sync_failures_total", (("reason", "wims_unreachable"),))] == 2
    with pytest.raises(ValueError):
        metrics.counter_inc("wims_lti_lms_posts", job="x")


def test_counters_from_another_process_are_seen(isolated_metrics: None, settings: Any) -> None:
    """Web workers and Celery workers are separate processes: their counts must add up."""
    code = (
        "import django; django.setup(); from django.conf import settings;"
        f"settings.METRICS_KEY_PREFIX = {settings.METRICS_KEY_PREFIX!r};"
        "from wims_lti.observability.metrics import count_lms_post;"
        "count_lms_post('ok'); count_lms_post('ok')"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "REDIS_URL": settings.REDIS_URL,
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    metrics.count_lms_post("ok")
    assert metrics.counter_values("wims_lti_lms_posts") == {("ok",): 3}


def test_a_redis_outage_never_breaks_what_is_counted(isolated_metrics: None, settings: Any) -> None:
    settings.METRICS_REDIS_URL = "redis://127.0.0.1:1/0"
    metrics.reset_client()
    try:
        metrics.count_lms_post("ok")  # no exception
        assert metrics.count_wims_call("checkident", lambda: 5) == 5
    finally:
        settings.METRICS_REDIS_URL = ""
        metrics.reset_client()


@pytest.mark.django_db
def test_adm_raw_calls_are_counted_by_job_and_outcome(
    isolated_metrics: None, emulator_target: WimsTarget
) -> None:
    emulator_target.client().checkident()
    dead = WimsClient("http://127.0.0.1:1/wims.cgi", "x", "y", read_retries=0, connect_timeout=0.5)
    with pytest.raises(WimsUnreachable):
        dead.checkident()
    values = metrics.counter_values("wims_lti_wims_calls")
    assert values[("checkident", "ok")] == 1
    assert values[("checkident", "WimsUnreachable")] == 1


@pytest.mark.django_db
def test_launches_are_counted_by_the_middleware(isolated_metrics: None) -> None:
    Client().post("/lti/launch/", {"id_token": "garbage"})
    values = metrics.counter_values("wims_lti_launches")
    assert sum(v for (kind, _o), v in values.items() if kind == "lti13") == 1
    assert ("lti13", "ok") not in values
    Client().get("/lti/launch/")  # not a launch (GET): not counted
    assert sum(metrics.counter_values("wims_lti_launches").values()) == 1


@pytest.mark.django_db
def test_metrics_are_for_loopback_without_proxy_or_the_token(settings: Any, isolated_metrics: None) -> None:
    settings.METRICS_TOKEN = ""
    assert Client().get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 403
    assert Client().get("/metrics", headers={"X-Forwarded-For": "1.2.3.4"}).status_code == 403
    settings.METRICS_ALLOW_LOOPBACK = False
    assert Client().get("/metrics").status_code == 403
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    remote = Client(REMOTE_ADDR="10.1.2.3")
    assert remote.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"}).status_code == 200
    assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert remote.post("/metrics").status_code in (403, 405)


# --- health: WIMS servers ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_health_reports_each_wims_server_and_stays_200_when_one_is_down(
    settings: Any, emulator_target: WimsTarget
) -> None:
    from django.core.cache import cache

    cache.delete("health:wims")
    WimsServer.objects.create(
        name="up", url=emulator_target.url, ident=emulator_target.ident, passwd=emulator_target.passwd
    )
    WimsServer.objects.create(name="down", url="http://127.0.0.1:1/wims.cgi", ident="x", passwd="abcd")
    WimsServer.objects.create(
        name="badident", url=emulator_target.url, ident=emulator_target.ident, passwd="wrongpassword1"
    )
    response = Client().get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["wims"]["up"]["ok"] is True
    assert body["wims"]["down"] == {"ok": False, "error": "WimsUnreachable", "ms": body["wims"]["down"]["ms"]}
    assert body["wims"]["badident"]["ok"] is False
    # Cached: a new server shows up only once the cache expires.
    WimsServer.objects.create(name="later", url="http://127.0.0.1:1/x", ident="x", passwd="abcd")
    assert "later" not in Client().get("/health/").json()["wims"]
    cache.delete("health:wims")
    assert "later" in Client().get("/health/").json()["wims"]
    cache.delete("health:wims")


@pytest.mark.django_db
def test_health_wims_probe_is_short(settings: Any) -> None:
    """A WIMS that accepts the connection but never answers costs HEALTH_WIMS_TIMEOUT, not 30 s."""
    import socket
    import time

    from django.core.cache import cache

    cache.delete("health:wims")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    settings.HEALTH_WIMS_TIMEOUT = 0.5
    try:
        WimsServer.objects.create(
            name="silent",
            url=f"http://127.0.0.1:{silent.getsockname()[1]}/wims.cgi",
            ident="x",
            passwd="abcd",
        )
        started = time.monotonic()
        body = Client().get("/health/").json()
        assert time.monotonic() - started < 3
        assert body["wims"]["silent"] == {
            "ok": False,
            "error": "WimsTimeout",
            "ms": body["wims"]["silent"]["ms"],
        }
    finally:
        silent.close()
        cache.delete("health:wims")
