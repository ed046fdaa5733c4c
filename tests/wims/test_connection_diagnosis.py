"""`manage.py wims_server check` names the line of WIMS's `.connections/IDENT` that refuses the bridge.

The real WIMS 4.29a (shared, its connection file untouched) shows the refusals a client can provoke from
outside: a wrong password, an unknown ident, another User-Agent, another source address (127.0.0.2 is
loopback too, but not in its ident_site). The emulator, configured like a misconfigured file, shows the
ones only the file can cause (ident_protocol=https, ident_type other than json, ident_deny), answering
with the real WIMS's messages (its var.check)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError
from requests.adapters import HTTPAdapter

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.models import WimsServer
from wims_lti.services.servers import wims_client_for
from wims_lti.wims.emulator import EmulatorServer

pytestmark = pytest.mark.django_db


class _FromAddress(HTTPAdapter):
    """Connects from another local address (the whole 127/8 is loopback on Linux)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _server(target: WimsTarget, *, ident: str | None = None, passwd: str | None = None) -> WimsServer:
    return WimsServer.objects.create(
        name="main", url=target.url, ident=ident or target.ident, passwd=passwd or target.passwd
    )


def _check_fails(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    with pytest.raises(CommandError) as caught:
        call_command("wims_server", "check", "--name", "main")
    out = json.loads(capsys.readouterr().out)
    assert out["checkident"]["ok"] is False
    return out["checkident"], str(caught.value)


def test_a_working_connection_is_accepted(wims_target: WimsTarget, capsys: Any) -> None:
    _server(wims_target)
    call_command("wims_server", "check", "--name", "main")
    assert json.loads(capsys.readouterr().out)["checkident"] == "Connection accepted"


def test_a_wrong_password_points_to_ident_password(wims_target: WimsTarget, capsys: Any) -> None:
    _server(wims_target, passwd="notthepassword1")
    result, message = _check_fails(capsys)
    assert result["line"] == "ident_password"
    assert result["file"] == f"WIMS_HOME/log/classes/.connections/{wims_target.ident}"
    assert "bad login/pwd" in message and "ident_password" in message
    assert "notthepassword1" not in message + json.dumps(result)


def test_an_unknown_ident_points_to_the_file_and_its_type(wims_target: WimsTarget, capsys: Any) -> None:
    """The real WIMS answers an unknown ident in plain text, a wrong password of a known one in JSON."""
    _server(wims_target, ident="nosuchident")
    result, message = _check_fails(capsys)
    assert result["line"] == "ident_type"
    assert ".connections/nosuchident exists" in result["advice"] and "ident_type=json" in result["advice"]
    assert "the file WIMS_HOME/log/classes/.connections/nosuchident on the WIMS server" in message


def test_another_source_address_points_to_ident_site(wims_target: WimsTarget, capsys: Any) -> None:
    server = _server(wims_target)
    wims_client_for(server).session.mount("http://", _FromAddress("127.0.0.2"))
    result, message = _check_fails(capsys)
    assert result["line"] == "ident_site"
    assert "'127.0.0.2' is a bad IP" in message
    assert "connect from 127.0.0.2" in result["advice"]


def test_another_user_agent_points_to_ident_agent(
    wims_target: WimsTarget, capsys: Any, settings: Any
) -> None:
    settings.WIMS_USER_AGENT = "curl/8.0"
    _server(wims_target)
    result, _ = _check_fails(capsys)
    assert result["line"] == "ident_agent"
    assert "“curl”" in result["advice"] and "ident_agent=curl" in result["advice"]
    assert "rewrites" not in result["advice"]  # WIMS saw what the bridge sent


@pytest.fixture
def misconfigured() -> Iterator[EmulatorServer]:
    server = EmulatorServer(ident="lti", passwd="emulatorsecret1").start()
    yield server
    server.stop()


def _emulated(server: EmulatorServer) -> WimsServer:
    return WimsServer.objects.create(name="main", url=server.url, ident="lti", passwd="emulatorsecret1")


def test_ident_protocol_https_over_http(misconfigured: EmulatorServer, capsys: Any) -> None:
    misconfigured.emulator.protocol = "https"
    _emulated(misconfigured)
    result, message = _check_fails(capsys)
    assert result["line"] == "ident_protocol" and "bad Protocol" in message
    assert "https://" in result["advice"]


def test_an_ident_of_another_type_than_json(misconfigured: EmulatorServer, capsys: Any) -> None:
    misconfigured.emulator.ident_type = "wims"
    _emulated(misconfigured)
    result, _ = _check_fails(capsys)
    assert result["line"] == "ident_type" and "set ident_type=json" in result["advice"]
    # The same file with a wrong password: plain text, like an unknown ident.
    WimsServer.objects.filter(name="main").update(passwd="wrongpassword1")
    result, _ = _check_fails(capsys)
    assert result["line"] == "ident_type"


def test_ident_deny_checkident(misconfigured: EmulatorServer, capsys: Any) -> None:
    misconfigured.emulator.deny_jobs = ("checkident", "delclass")
    _emulated(misconfigured)
    result, message = _check_fails(capsys)
    assert result["line"] == "ident_allow / ident_deny" and "illegal job" in message


def test_ident_site_on_the_emulator(misconfigured: EmulatorServer, capsys: Any) -> None:
    misconfigured.emulator.allowed_ips = ("10.1.2.3",)
    _emulated(misconfigured)
    result, _ = _check_fails(capsys)
    assert result["line"] == "ident_site" and "127.0.0.1" in result["advice"]


def test_nothing_listening_points_to_the_url(capsys: Any) -> None:
    WimsServer.objects.create(
        name="main", url="http://127.0.0.1:9/wims/wims.cgi", ident="lti", passwd="abcd1234"
    )
    result, message = _check_fails(capsys)
    assert result["line"] == "" and "connection refused" in result["advice"]
    assert "To fix: the URL http://127.0.0.1:9/wims/wims.cgi" in message
    assert "HTTPConnectionPool" not in result["advice"]


def test_a_url_that_is_not_wims(live_server: Any, capsys: Any) -> None:
    WimsServer.objects.create(name="main", url=live_server.url + "/health/", ident="lti", passwd="abcd1234")
    result, _ = _check_fails(capsys)
    assert "/wims/wims.cgi" in result["advice"] and result["line"] == ""


def test_the_emulator_refuses_like_the_real_wims(
    real_wims: WimsTarget, misconfigured: EmulatorServer
) -> None:
    """The refusals both can show, byte for byte the same messages and content types."""
    emulator = WimsTarget("emulator", misconfigured.url, "lti", "emulatorsecret1")
    for change in ({"passwd": "wrong1"}, {"ident": "nosuchident"}):
        replies = []
        for target in (real_wims, emulator):
            raw = WimsTarget(target.name, target.url, change.get("ident", target.ident), target.passwd)
            if "passwd" in change:
                raw.passwd = change["passwd"]
            reply = raw.raw("checkident", code="fixedcode")
            replies.append((reply.headers["Content-Type"].split(";")[0].strip(), reply.text.strip()))
        assert replies[0] == replies[1], change
    agents = []
    for target in (real_wims, emulator):
        body = {"module": "adm/raw", "ident": target.ident, "passwd": target.passwd, "code": "c1"}
        body["job"] = "checkident"
        agents.append(requests.post(target.url, data=body, headers={"User-Agent": "curl/8"}, timeout=10).text)
    assert agents[0].replace("\n", "") == agents[1].replace("\n", "")
