"""The adm/raw password never shows: not in logs, repr(), exception messages, or error excerpts."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.wims.replay_server import HTML_TYPE, PLAIN_TYPE, ReplayServer, error, ok, raw, wrong_code
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsError, WimsValidationError

pytestmark = pytest.mark.integration

PASSWD = "Zq8AdmRawPw"
USER_PASSWORD = "Stud3ntPw"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


def _echoing_html(request: Any) -> bytes:
    page = (DATA / "unbalanced.html").read_bytes()
    return page.replace(b"@@PASSWD@@", request.form["passwd"].encode())


def _echo_everything(request: Any) -> bytes:
    """A broken server that echoes the raw request body (with the password) in plain text."""
    return b"Internal trace: " + request.body + b" passwd=" + request.form["passwd"].encode()


SCENARIOS: list[tuple[str, list[Any], Callable[[WimsClient], Any]]] = [
    ("wims error", [error("class 9999991 not existing")], lambda c: c.checkclass(9999991, "rc")),
    ("bad password", [error("Identification Failure : bad login/pwd")], lambda c: c.checkident()),
    ("code mismatch", [wrong_code()], lambda c: c.checkident()),
    ("unbalanced html", [raw(b"", status=450, content_type=HTML_TYPE)], lambda c: c.checkident()),
    ("echoing plain text", [raw(b"", content_type=PLAIN_TYPE)], lambda c: c.checkident()),
    ("invalid json", [raw('{"status": "OK", bad json ' + PASSWD)], lambda c: c.checkident()),
    ("plain error", [raw("ERROR\nidentification failure " + PASSWD + "\n", content_type=PLAIN_TYPE)],
     lambda c: c.checkident()),
    ("5xx", [raw(PASSWD, status=500)] * 3, lambda c: c.checkident()),
    ("timeout", [raw("x", delay=0.6)] * 3, lambda c: c.gettime()),
    ("user password", [error("nothing done")],
     lambda c: c.moduser(1111111, "rc", "jdoe", {"password": USER_PASSWORD})),
]  # fmt: skip


@pytest.mark.parametrize(("name", "replies", "action"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_password_never_leaks(
    replay: ReplayServer,
    caplog: pytest.LogCaptureFixture,
    name: str,
    replies: list[Any],
    action: Callable[[WimsClient], Any],
) -> None:
    for canned in replies:
        if name == "unbalanced html":
            canned.body = _echoing_html
        elif name == "echoing plain text":
            canned.body = _echo_everything
        replay.enqueue(canned)
    client = WimsClient(replay.url, "lti", PASSWD, read_timeout=0.2, read_retries=2, retry_backoff=0.001)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(WimsError) as info:
        action(client)
    assert PASSWD in replay.requests[0].form["passwd"]  # it was really sent
    exc = info.value
    texts = [
        caplog.text,
        repr(client),
        str(vars(client)),
        str(exc),
        repr(exc),
        repr(exc.args),
        repr(vars(exc)),
    ]
    for text in texts:
        assert PASSWD not in text
        assert USER_PASSWORD not in text


def test_password_not_in_debug_logs_of_successful_calls(
    replay: ReplayServer, caplog: pytest.LogCaptureFixture
) -> None:
    replay.enqueue(ok(message="Modifications done", nb_modifs="1"), ok(class_id="7654321"))
    client = WimsClient(replay.url, "lti", PASSWD)
    caplog.set_level(logging.DEBUG)
    client.moduser(1111111, "rc", "jdoe", {"firstname": "Jo", "password": USER_PASSWORD})
    client.addclass(
        "rc",
        {"description": "Cls", "institution": "Uni", "supervisor": "Sue Per", "email": "s@example.org",
         "password": "Cla55pw", "lang": "en"},
        {"lastname": "Per", "firstname": "Sue", "password": "Sup3rpw"},
    )  # fmt: skip
    assert "moduser" in caplog.text and "addclass" in caplog.text and "firstname=Jo" in caplog.text
    for secret in (PASSWD, USER_PASSWORD, "Cla55pw", "Sup3rpw"):
        assert secret not in caplog.text
    assert "password=***" in caplog.text


def test_password_not_in_connection_errors(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = WimsClient(f"http://127.0.0.1:{port}/wims/wims.cgi", "lti", PASSWD, retry_backoff=0.001)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(WimsError) as info:
        client.checkident()
    assert PASSWD not in caplog.text and PASSWD not in str(info.value) and PASSWD not in repr(client)


def test_validation_errors_do_not_echo_passwords() -> None:
    client = WimsClient("http://127.0.0.1:1/wims/wims.cgi", "lti", PASSWD)
    with pytest.raises(WimsValidationError) as info:
        client.adduser(
            1111111, "rc", "jdoe", {"firstname": "J", "lastname": "D", "password": "bad pass word"}
        )
    assert "bad pass word" not in str(info.value) and info.value.field == "password"
