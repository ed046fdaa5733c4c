"""`manage.py wims`: exit codes 0/1/2, JSON output, data1 fields, and no password in the output."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.fixtures.wims_servers import WimsTarget
from tests.wims.replay_server import PLAIN_TYPE, ReplayServer, error, ok, raw
from wims_lti.management.commands.wims import parse_assignments
from wims_lti.wims.errors import WimsValidationError

ROOT = Path(__file__).resolve().parent.parent
PASSWD = "CliSecret77"


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


def run(*args: str) -> tuple[int, str, str]:
    """call_command in-process; the exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("wims", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def run_process(*args: str, passwd: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test"}
    env.pop("WIMS_PASSWD", None)
    if passwd is not None:
        env["WIMS_PASSWD"] = passwd
    return subprocess.run(
        [sys.executable, "manage.py", "wims", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/wims/wims.cgi"


def test_parse_assignments() -> None:
    params, data1, data2 = parse_assignments(
        ["qclass=123", "quser=jdoe", "data1.firstname=Jo", "data1.lastname=A=B", "data2.password=x"]
    )
    assert params == {"qclass": "123", "quser": "jdoe"}
    assert data1 == {"firstname": "Jo", "lastname": "A=B"} and data2 == {"password": "x"}
    assert parse_assignments(["data1=10.0.0.1"])[1] == "10.0.0.1"
    for bad in (["noequals"], ["data1=x", "data1.a=b"], ["data2=text"]):
        with pytest.raises(WimsValidationError):
            parse_assignments(bad)


@pytest.mark.integration
def test_data1_fields_and_params_are_sent(replay: ReplayServer) -> None:
    replay.enqueue(ok(message="user jdoe correctly added", user_id="jdoe"))
    code, out, err = run(
        "--url", replay.url, "--ident", "lti", "--passwd", PASSWD, "adduser",
        "qclass=1111111", "rclass=rc", "quser=jdoe",
        "data1.firstname=Łukasz", "data1.lastname=O'Neil, Jr.", "data1.password=pw1234",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["user_id"] == "jdoe"
    form = replay.requests[0].form
    assert form["job"] == "adduser" and form["quser"] == "jdoe" and form["qclass"] == "1111111"
    assert form["data1"] == "firstname=Lukasz\nlastname=O'Neil Jr.\npassword=pw1234"
    assert PASSWD not in out + err


@pytest.mark.integration
def test_text_job_prints_text_and_alias_job(replay: ReplayServer) -> None:
    replay.enqueue(raw('login\n"#"\n\n"jdoe"\n', content_type=PLAIN_TYPE), ok(qclass="1111111"))
    code, out, _ = run(
        "--url", replay.url, "--ident", "lti", "--passwd", PASSWD, "getcsv", "qclass=1111111", "rclass=r"
    )
    assert code == 0 and out == 'login\n"#"\n\n"jdoe"\n'
    args = ["--url", replay.url, "--ident", "lti", "--passwd", PASSWD]
    code, _, _ = run(*args, "restoreclassbackups", "qclass=1111111", "data1=2026")
    assert code == 0 and replay.requests[1].form["job"] == "restoreclassbackup"


@pytest.mark.integration
def test_wims_error_exits_1_with_the_message_on_stderr(replay: ReplayServer) -> None:
    replay.enqueue(error("class 9999991 not existing"))
    code, out, err = run(
        "--url", replay.url, "--ident", "lti", "--passwd", PASSWD, "checkclass", "qclass=9999991"
    )
    assert code == 1 and out == ""
    assert "class 9999991 not existing" in err and "WimsClassNotFound" in err


@pytest.mark.integration
def test_protocol_error_exits_2(replay: ReplayServer) -> None:
    replay.enqueue(raw("<html>oops " + PASSWD + "</html>", content_type="text/html"))
    code, out, err = run("--url", replay.url, "--ident", "lti", "--passwd", PASSWD, "checkident")
    assert code == 2 and "WimsInvalidResponse" in err
    assert PASSWD not in out + err


@pytest.mark.parametrize("assignment", ["qclass=12/34", "quser=a.b", "qsheet=abc", "noequals"])
def test_validation_error_exits_2_before_sending(assignment: str) -> None:
    args = ["--url", "http://127.0.0.1:1/wims/wims.cgi", "--ident", "lti", "--passwd", PASSWD]
    code, _, err = run(*args, "getuser", assignment)
    assert code == 2 and "WimsValidationError" in err


def test_missing_password_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIMS_PASSWD", raising=False)
    code, _, err = run("--url", "http://127.0.0.1:1/wims/wims.cgi", "--ident", "lti", "checkident")
    assert code == 2 and "WIMS_PASSWD" in err


@pytest.mark.real_wims
def test_checkident_in_process(real_wims: WimsTarget) -> None:
    code, out, err = run(
        "--url", real_wims.url, "--ident", real_wims.ident, "--passwd", real_wims.passwd, "checkident"
    )
    assert code == 0, err
    reply = json.loads(out)
    assert reply["status"] == "OK" and reply["message"] == "Connection accepted"
    assert real_wims.passwd not in out + err


@pytest.mark.real_wims
def test_subprocess_checkident_with_password_from_env(real_wims: WimsTarget) -> None:
    done = run_process(
        "--url", real_wims.url, "--ident", real_wims.ident, "checkident", passwd=real_wims.passwd
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["job"] == "checkident"
    assert real_wims.passwd not in done.stdout + done.stderr


@pytest.mark.real_wims
def test_subprocess_bad_password_exits_1(real_wims: WimsTarget) -> None:
    wrong = "WrongPassw0rd"
    done = run_process(
        "--url", real_wims.url, "--ident", real_wims.ident, "--passwd", wrong, "checkident", passwd=None
    )
    assert done.returncode == 1
    assert "Identification Failure" in done.stderr
    assert wrong not in done.stdout + done.stderr


@pytest.mark.real_wims
def test_subprocess_wims_error_exits_1(real_wims: WimsTarget) -> None:
    done = run_process("--url", real_wims.url, "--ident", real_wims.ident, "checkclass", "qclass=9999991",
                       f"rclass={real_wims.rclass}", passwd=real_wims.passwd)  # fmt: skip
    assert done.returncode == 1 and "class 9999991 not existing" in done.stderr
    assert done.stdout == ""


def test_subprocess_closed_port_exits_2() -> None:
    done = run_process(
        "--url", closed_port_url(), "--ident", "lti", "--timeout", "2", "checkident", passwd=PASSWD
    )
    assert done.returncode == 2 and "WimsUnreachable" in done.stderr
    assert PASSWD not in done.stdout + done.stderr


@pytest.mark.django_db
def test_stored_server_by_name(emulator_target: WimsTarget) -> None:
    from wims_lti.models import WimsServer

    WimsServer.objects.create(
        name="main", url=emulator_target.url, ident=emulator_target.ident, passwd=emulator_target.passwd
    )
    code, out, err = run("--server", "main", "checkident")
    assert code == 0, err
    assert json.loads(out)["message"] == "Connection accepted"
    assert emulator_target.passwd not in out + err


@pytest.mark.django_db
def test_unknown_stored_server_exits_2() -> None:
    code, _, err = run("--server", "nope", "checkident")
    assert code == 2 and "no WIMS server named 'nope'" in err


def test_url_or_server_is_required() -> None:
    code, _, err = run("checkident")
    assert code == 2 and "--server NAME, or --url and --ident" in err
