import pytest
from django.test import Client


@pytest.mark.django_db
def test_health_reports_database_cache_and_broker_up() -> None:
    response = Client().get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())


@pytest.mark.django_db
def test_health_reports_503_when_the_broker_is_down(settings) -> None:
    from wims_lti.celery import app
    from wims_lti.devstack.redis_server import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    original = app.conf.broker_url
    app.conf.broker_url = dead
    try:
        response = Client().get("/health/")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
