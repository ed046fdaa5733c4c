"""WIMS's overload page ("We are too busy", HTTP 450, HTML), as the shared real WIMS 4.29a answered under
load (tests/wims/data/busy.html, recorded from it): a transient refusal, retried for read-only jobs, and
said as such by `wims_server check` (not "this URL is not WIMS")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.wims.replay_server import HTML_TYPE, ReplayServer, ok, raw
from wims_lti.models import WimsServer
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsBusy, WimsUnreachable

BUSY = (Path(__file__).parent / "data" / "busy.html").read_text("latin-1")


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


def _busy() -> Any:
    return raw(BUSY, status=450, content_type=HTML_TYPE)


def test_a_busy_wims_is_retried_for_read_only_jobs(replay: ReplayServer) -> None:
    client = WimsClient(replay.url, "lti", "secret1", read_retries=2, retry_backoff=0.001)
    replay.enqueue(_busy(), ok(message="Connection accepted"))
    assert client.checkident().message == "Connection accepted"
    replay.enqueue(_busy(), _busy(), _busy())
    with pytest.raises(WimsBusy) as caught:
        client.checkident()
    assert isinstance(caught.value, WimsUnreachable) and "too busy" in str(caught.value)
    assert len(replay.requests) == 5


def test_a_busy_wims_is_not_retried_for_writes(replay: ReplayServer) -> None:
    client = WimsClient(replay.url, "lti", "secret1", read_retries=2, retry_backoff=0.001)
    replay.enqueue(_busy())
    with pytest.raises(WimsBusy):
        client.adduser("1234567", "rc", "jdoe", {"lastname": "Doe", "firstname": "J", "password": "pw"})
    assert len(replay.requests) == 1


@pytest.mark.django_db
def test_wims_server_check_says_wims_is_overloaded(replay: ReplayServer, settings: Any, capsys: Any) -> None:
    settings.WIMS_READ_RETRIES = 0
    WimsServer.objects.create(name="main", url=replay.url, ident="lti", passwd="secret1")
    replay.enqueue(_busy())
    with pytest.raises(CommandError, match="To fix: the URL"):
        call_command("wims_server", "check", "--name", "main")
    result = json.loads(capsys.readouterr().out)["checkident"]
    assert "overloaded" in result["advice"] and "not as WIMS" not in result["advice"]
