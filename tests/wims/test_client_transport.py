"""The client's HTTP behaviour, against a loopback server answering canned replies."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.wims.replay_server import HTML_TYPE, PLAIN_TYPE, ReplayServer, error, ok, raw, wrong_code
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import (
    WimsClassNotFound,
    WimsCodeMismatch,
    WimsIdentificationFailure,
    WimsInvalidResponse,
    WimsTimeout,
    WimsUnbalancedBrackets,
    WimsUnreachable,
    WimsUserNotFound,
    WimsValidationError,
)
from wims_lti.wims.jobs import ALL_JOBS

pytestmark = pytest.mark.integration

PASSWD = "AdmRawSecret42"
DATA = Path(__file__).parent / "data"
NON_JSON: dict[str, Any] = json.loads((DATA / "replies.json").read_text("utf-8"))["_non_json"]


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    server = ReplayServer().start()
    yield server
    server.stop()


def make_client(server: ReplayServer, **kwargs: Any) -> WimsClient:
    kwargs.setdefault("retry_backoff", 0.001)
    return WimsClient(server.url, "lti", PASSWD, **kwargs)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/wims/wims.cgi"


# --- what is sent --------------------------------------------------------------------------


def test_request_is_a_latin1_post_with_credentials_and_code(replay: ReplayServer) -> None:
    replay.enqueue(ok(message="user jdoe correctly added", user_id="jdoe"))
    client = make_client(replay)
    client.adduser(
        1234567,
        "rc1",
        "jdoe",
        {"firstname": "Łukasz", "lastname": 'Dupré, "Jr"\r\nX', "password": "pw1234", "email": "j@x.org"},
    )
    (request,) = replay.requests
    assert request.method == "POST" and request.path == "/wims/wims.cgi"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.body.isascii() and b"Dupr%E9" in request.body  # é as the Latin-1 byte E9
    form = request.form
    assert form["module"] == "adm/raw" and form["ident"] == "lti" and form["passwd"] == PASSWD
    assert form["job"] == "adduser" and form["qclass"] == "1234567" and form["rclass"] == "rc1"
    assert form["quser"] == "jdoe" and len(form["code"]) >= 8
    assert form["data1"].split("\n") == [
        "firstname=Lukasz",
        "lastname=Dupré Jr X",
        "password=pw1234",
        "email=j@x.org",
    ]
    agent = request.headers["User-Agent"]
    assert agent.split("/")[0] == "python-requests" and "wims-lti/" in agent
    assert PASSWD not in request.path


def test_every_request_has_its_own_code(replay: ReplayServer) -> None:
    replay.enqueue(ok(), ok(), ok())
    client = make_client(replay)
    for _ in range(3):
        client.checkident()
    assert len({r.form["code"] for r in replay.requests}) == 3


def test_custom_user_agent_first_word(replay: ReplayServer) -> None:
    replay.enqueue(ok())
    make_client(replay, user_agent="myagent").checkident()
    assert replay.requests[0].headers["User-Agent"].startswith("myagent/")


def test_one_session_is_reused(replay: ReplayServer) -> None:
    session = requests.Session()
    calls: list[str] = []
    original = session.post

    def counting_post(*args: Any, **kwargs: Any) -> requests.Response:
        calls.append(kwargs["data"][:20])
        return original(*args, **kwargs)

    session.post = counting_post  # type: ignore[method-assign]
    replay.enqueue(ok(), ok(server_time="20261122.14:10:43"))
    client = make_client(replay, session=session)
    client.checkident()
    client.gettime()
    assert client.session is session and len(calls) == 2


def test_restoreclassbackups_sends_the_singular_job(replay: ReplayServer) -> None:
    replay.enqueue(
        ok(qclass="1053229", message="This class has successfully been restored.", new_expiration="")
    )
    restored = make_client(replay).restoreclassbackups(1053229, 2026)
    form = replay.requests[0].form
    assert form["job"] == "restoreclassbackup" and form["data1"] == "2026" and form["qclass"] == "1053229"
    assert restored.qclass == "1053229"


JOB_CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any], str, dict[str, str]]] = [
    ("checkident", (), {}, "checkident", {}),
    ("gettime", (), {}, "gettime", {}),
    ("checkclass", (1111111, "rc"), {}, "checkclass", {"qclass": "1111111", "rclass": "rc"}),
    ("checkuser", (1111111, "rc", "jdoe"), {}, "checkuser", {"quser": "jdoe"}),
    ("checksheet", (1111111, "rc", 2), {}, "checksheet", {"qsheet": "2"}),
    ("checkexam", (1111111, "rc", 3), {}, "checkexam", {"qexam": "3"}),
    (
        "getclass",
        (1111111, "rc"),
        {"options": ["userlist", "usercount"]},
        "getclass",
        {"option": "userlist,usercount"},
    ),
    ("modclass", (1111111, "rc", {"limit": 50}), {}, "modclass", {"data1": "limit=50"}),
    ("delclass", (1111111, "rc"), {}, "delclass", {}),
    ("cleanclass", (1111111, "rc"), {}, "cleanclass", {}),
    ("changedates", (1111111, "rc"), {}, "changedates", {}),
    ("listclasses", ("rc",), {"options": "all"}, "listclasses", {"option": "all"}),
    ("getclassesuser", ("rc", "jdoe"), {}, "getclassesuser", {"quser": "jdoe"}),
    (
        "putcsv",
        (1111111, "rc", "login,manual1\njdoe,5\n"),
        {},
        "putcsv",
        {"data1": "login,manual1\njdoe,5\n"},
    ),
    ("update", (1111111, "rc", "user"), {"quser": "jdoe"}, "update", {"option": "user", "quser": "jdoe"}),
    ("listclassbackups", (), {"qclass": 1111111, "year": 2026}, "listclassbackups", {"data1": "2026"}),
    ("getuser", (1111111, "rc", "supervisor"), {}, "getuser", {"quser": "supervisor"}),
    ("moduser", (1111111, "rc", "jdoe", {"firstname": "Jo"}), {}, "moduser", {"data1": "firstname=Jo"}),
    ("deluser", (1111111, "rc", "jdoe"), {"from_trash": True}, "deluser", {"option": "del_from_trash"}),
    ("recuser", (1111111, "rc", "jdoe"), {}, "recuser", {"quser": "jdoe"}),
    ("authuser", (1111111, "rc", "jdoe"), {"ip": "10.0.0.7"}, "authuser", {"data1": "10.0.0.7"}),
    (
        "authuser",
        (1111111, "rc", "ext-user@idp.example.org"),
        {"hashlogin": True},
        "authuser",
        {"option": "hashlogin", "quser": "ext-user@idp.example.org"},
    ),
    ("getlog", (1111111, "rc", "jdoe"), {"option": "exams"}, "getlog", {"option": "exams"}),
    ("getscore", (1111111, "rc", "jdoe", 1), {}, "getscore", {"qsheet": "1"}),
    (
        "addsheet",
        (1111111, "rc", {"title": "S", "sheetmode": 0}),
        {},
        "addsheet",
        {"data1": "title=S\nsheetmode=0"},
    ),
    ("modsheet", (1111111, "rc", 1, {"status": 1}), {}, "modsheet", {"data1": "status=1"}),
    ("getsheet", (1111111, "rc", 1), {}, "getsheet", {"qsheet": "1"}),
    ("listsheets", (1111111, "rc"), {}, "listsheets", {}),
    ("getsheetscores", (1111111, "rc", 1), {}, "getsheetscores", {"qsheet": "1"}),
    ("getsheetstats", (1111111, "rc", 1), {}, "getsheetstats", {"qsheet": "1"}),
    (
        "putexo",
        (1111111, "rc", 1, {"module": "classes/en", "params": "exo=a&qnum=1"}),
        {},
        "putexo",
        {"data1": "module=classes/en\nparams=exo=a&qnum=1"},
    ),
    (
        "addexo",
        (1111111, "rc", "addition", "\\title{A}\n"),
        {},
        "addexo",
        {"qexo": "addition", "data1": "\\title{A}\n"},
    ),
    ("testexo", ("\\title{A}\n",), {}, "testexo", {"data1": "\\title{A}\n"}),
    ("listexos", (1111111, "rc"), {}, "listexos", {}),
    (
        "movexo",
        (1111111, "rc", "addition", 2222222),
        {"copy": True},
        "movexo",
        {"data1": "2222222", "option": "copy"},
    ),
    ("movexos", (1111111, "rc", 2222222), {}, "movexos", {"data1": "2222222"}),
    ("sharecontent", (1111111, "rc", 2222222), {}, "sharecontent", {"data1": "2222222", "option": "exo"}),
    (
        "addexam",
        (1111111, "rc", {"title": "E", "duration": 20}),
        {},
        "addexam",
        {"data1": "title=E\nduration=20"},
    ),
    ("modexam", (1111111, "rc", 1, {"status": 1}), {}, "modexam", {"qexam": "1", "data1": "status=1"}),
    ("delexam", (1111111, "rc", 2), {}, "delexam", {"qexam": "2"}),
    ("getexam", (1111111, "rc", 1), {}, "getexam", {"qexam": "1"}),
    ("listexams", (1111111, "rc"), {}, "listexams", {}),
    ("getexamscores", (1111111, "rc", 1), {}, "getexamscores", {"qexam": "1"}),
    ("linksheet", (1111111, "rc", 1, 2), {}, "linksheet", {"qsheet": "1", "qexam": "2"}),
    ("linkexo", (1111111, "rc", 1, 2, 3), {}, "linkexo", {"qsheet": "1", "qexam": "2", "qexo": "3"}),
    ("listlinks", (1111111, "rc", 1, 2), {}, "listlinks", {"qsheet": "1", "qexam": "2"}),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "job", "expected"), JOB_CALLS)
def test_each_method_sends_its_job(
    replay: ReplayServer,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    job: str,
    expected: dict[str, str],
) -> None:
    replay.enqueue(ok())
    getattr(make_client(replay), method)(*args, **kwargs)
    form = replay.requests[0].form
    assert form["job"] == job
    for key, value in expected.items():
        assert form[key] == value


def test_addclass_sends_class_and_supervisor_definitions(replay: ReplayServer) -> None:
    replay.enqueue(ok(class_id="7654321", message="class 7654321 correctly added", log=""))
    added = make_client(replay).addclass(
        "rc",
        {
            "description": "A" * 40,
            "institution": "Université Côte d'Azur",
            "supervisor": "Ζωή Παπά",
            "email": "zoe@example.org",
            "password": "classpw",
            "lang": "fr",
            "level": "U1",
        },
        {"lastname": "Παπά", "firstname": "Ζωή", "password": "suppw123"},
    )
    assert added.class_id == "7654321"
    form = replay.requests[0].form
    assert "description=" + "A" * 30 + "\n" in form["data1"]
    assert "supervisor=Zoi Papa" in form["data1"] and "institution=Université Côte d'Azur" in form["data1"]
    assert form["data2"] == "lastname=Papa\nfirstname=Zoi\npassword=suppw123"
    assert "qclass" not in form


@pytest.mark.parametrize(
    ("method", "args", "body", "expected"),
    [
        ("getcsv", (1111111, "rc"), 'login\n"#"\n\n"jdoe"\n', 'login\n"#"\n\n"jdoe"\n'),
        ("getserverstat", (), "E1 3\nH4 10\n", "E1 3\nH4 10\n"),
        ("lightpopup", ("H3/analysis/oeflinf.fr",), "<html>exercise</html>", "<html>exercise</html>"),
    ],
)
def test_text_jobs_return_text(
    replay: ReplayServer, method: str, args: tuple[Any, ...], body: str, expected: str
) -> None:
    content_type = HTML_TYPE if method == "lightpopup" else PLAIN_TYPE
    replay.enqueue(raw(body, content_type=content_type))
    assert getattr(make_client(replay), method)(*args) == expected


def test_getcsv_recorded_reply_and_json_error(replay: ReplayServer) -> None:
    recorded = NON_JSON["getcsv"]
    replay.enqueue(
        raw(recorded["body"], content_type=recorded["http_content_type"]), error("class 9999991 not existing")
    )
    client = make_client(replay)
    assert client.getcsv(7845030, "rc", ["login", "name"]).startswith("login,lastname,firstname")
    with pytest.raises(WimsClassNotFound):
        client.getcsv(9999991, "rc")


# --- what comes back -----------------------------------------------------------------------


def test_code_mismatch(replay: ReplayServer) -> None:
    replay.enqueue(wrong_code())
    with pytest.raises(WimsCodeMismatch) as info:
        make_client(replay).checkident()
    assert info.value.job == "checkident" and info.value.status_code == 200


def test_error_reply_with_a_wrong_code_is_a_mismatch(replay: ReplayServer) -> None:
    replay.enqueue(raw('{"status":"ERROR","code":"other","message":"class 1 not existing"}'))
    with pytest.raises(WimsCodeMismatch):
        make_client(replay).checkclass(1, "rc")


def test_unbalanced_parentheses_page(replay: ReplayServer) -> None:
    page = (DATA / "unbalanced.html").read_bytes().replace(b"@@PASSWD@@", PASSWD.encode())
    replay.enqueue(raw(page, status=450, content_type=HTML_TYPE))
    with pytest.raises(WimsUnbalancedBrackets) as info:
        make_client(replay).moduser(1111111, "rc", "jdoe", {"lastname": "Doe [x"})
    error = info.value
    assert "option" in error.message  # the page labels the offending parameter
    assert error.status_code == 450 and error.content_type == HTML_TYPE
    assert PASSWD not in error.body_excerpt and PASSWD not in str(error)


def test_unknown_ident_plain_text(replay: ReplayServer) -> None:
    recorded = NON_JSON["unknown_ident"]
    replay.enqueue(raw(recorded["body"], content_type=recorded["http_content_type"]))
    with pytest.raises(WimsIdentificationFailure, match="bad login/pwd"):
        make_client(replay).checkident()


def test_other_plain_text_error(replay: ReplayServer) -> None:
    recorded = NON_JSON["missing_code"]
    replay.enqueue(raw(recorded["body"], content_type=recorded["http_content_type"]))
    with pytest.raises(WimsInvalidResponse, match="random code not defined") as info:
        make_client(replay).checkident()
    assert type(info.value) is WimsInvalidResponse


def test_invalid_json(replay: ReplayServer) -> None:
    recorded = NON_JSON["listexams_invalid_json"]  # `expirations:[20991231,tomorrow,...]`
    replay.enqueue(raw(recorded["body"], content_type=recorded["http_content_type"]))
    with pytest.raises(WimsInvalidResponse, match="invalid JSON") as info:
        make_client(replay).listexams(7845030, "rc")
    assert info.value.body_excerpt.startswith('{"status" : "OK"')
    assert len(info.value.body_excerpt) <= 200


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("<!doctype html><html><body>adm/raw help</body></html>", HTML_TYPE, 200),
        ("OK\nsomething", PLAIN_TYPE, 200),
        ('["status", "OK"]', "application/json", 200),
        ('{"code": "x"}', "application/json", 200),
        ("", "text/plain", 200),
        ("Not Found", "text/html", 404),
    ],
)
def test_other_non_json_replies(replay: ReplayServer, body: str, content_type: str, status: int) -> None:
    replay.enqueue(raw(body, status=status, content_type=content_type))
    with pytest.raises(WimsInvalidResponse) as info:
        make_client(replay).checkident()
    assert info.value.status_code == status and info.value.content_type == content_type


def test_reply_is_decoded_as_latin1(replay: ReplayServer) -> None:
    replay.enqueue(ok(queryuser="eleve", firstname="Élodie", lastname="Müller"))
    user = make_client(replay).getuser(1111111, "rc", "eleve")
    assert (user.firstname, user.lastname) == ("Élodie", "Müller")


# --- retries and timeouts ------------------------------------------------------------------


def test_read_job_is_retried_on_5xx(replay: ReplayServer) -> None:
    replay.enqueue(raw("busy", status=503), raw("oops", status=500), ok(message="Class exists"))
    assert make_client(replay, read_retries=2).checkclass(1111111, "rc").message == "Class exists"
    assert len(replay.requests) == 3
    assert len({r.form["code"] for r in replay.requests}) == 3


def test_read_job_gives_up_after_its_retries(replay: ReplayServer) -> None:
    replay.enqueue(*(raw("busy", status=502) for _ in range(4)))
    with pytest.raises(WimsUnreachable, match="HTTP 502"):
        make_client(replay, read_retries=2).getclass(1111111, "rc")
    assert len(replay.requests) == 3


@pytest.mark.parametrize(
    ("method", "args"),
    [
        (
            "addclass",
            (
                "rc",
                {
                    "description": "Cls",
                    "institution": "Uni",
                    "supervisor": "Sue Per",
                    "email": "s@example.org",
                    "password": "pw1234",
                    "lang": "en",
                },
                {"lastname": "Per", "firstname": "Sue", "password": "pw1234"},
            ),
        ),
        ("adduser", (1111111, "rc", "jdoe", {"lastname": "Doe", "firstname": "Jo", "password": "pw1234"})),
        ("delclass", (1111111, "rc")),
        ("modsheet", (1111111, "rc", 1, {"status": 1})),
    ],
)
def test_write_jobs_are_never_retried(replay: ReplayServer, method: str, args: tuple[Any, ...]) -> None:
    replay.enqueue(raw("busy", status=503), ok())
    with pytest.raises(WimsUnreachable):
        getattr(make_client(replay, read_retries=3), method)(*args)
    assert len(replay.requests) == 1


def test_timeout_on_a_read_job_is_retried(replay: ReplayServer) -> None:
    replay.enqueue(raw("late", delay=1.0), raw("late", delay=1.0))
    with pytest.raises(WimsTimeout):
        make_client(replay, read_timeout=0.2, read_retries=1).gettime()
    assert len(replay.requests) == 2


def test_timeout_on_a_write_job_is_not_retried(replay: ReplayServer) -> None:
    replay.enqueue(raw("late", delay=1.0), ok())
    with pytest.raises(WimsTimeout):
        make_client(replay, read_timeout=0.2, read_retries=3).addsheet(1111111, "rc", {"title": "S"})
    assert len(replay.requests) == 1


@pytest.mark.parametrize("method", ["delclass", "cleanclass"])
def test_slow_jobs_use_the_slow_timeout(replay: ReplayServer, method: str) -> None:
    replay.enqueue(ok(delay=0.6))
    result = getattr(make_client(replay, read_timeout=0.2, slow_read_timeout=5.0), method)(1111111, "rc")
    assert result["status"] == "OK"


def test_connection_refused() -> None:
    client = WimsClient(closed_port_url(), "lti", PASSWD, read_retries=2, retry_backoff=0.001)
    with pytest.raises(WimsUnreachable) as info:
        client.checkident()
    assert not isinstance(info.value, WimsTimeout)
    assert PASSWD not in str(info.value)


# --- authuser's transient "not in this class" ----------------------------------------------


def test_authuser_retries_once_on_user_not_in_class(replay: ReplayServer) -> None:
    replay.enqueue(
        error("user jdoe not in this class (1111111)"),
        ok(wims_session="S1", home_url="http://w/wims.cgi?session=S1.1", user="jdoe", class_id="1111111"),
    )
    auth = make_client(replay).authuser(1111111, "rc", "jdoe")
    assert auth.wims_session == "S1" and len(replay.requests) == 2


def test_authuser_raises_user_not_found_after_one_retry(replay: ReplayServer) -> None:
    replay.enqueue(*(error("user jdoe not in this class (1111111)") for _ in range(3)))
    with pytest.raises(WimsUserNotFound):
        make_client(replay, read_retries=2).authuser(1111111, "rc", "jdoe")
    assert len(replay.requests) == 2


def test_other_jobs_do_not_retry_user_not_found(replay: ReplayServer) -> None:
    replay.enqueue(error("user jdoe not in this class (1111111)"), ok())
    with pytest.raises(WimsUserNotFound):
        make_client(replay).getuser(1111111, "rc", "jdoe")
    assert len(replay.requests) == 1


def test_from_settings(settings: Any) -> None:
    settings.WIMS_USER_AGENT = "agentx"
    settings.WIMS_CONNECT_TIMEOUT = 1.5
    settings.WIMS_READ_TIMEOUT = 7.0
    settings.WIMS_SLOW_READ_TIMEOUT = 99.0
    settings.WIMS_READ_RETRIES = 4
    settings.WIMS_RETRY_BACKOFF = 0.05
    client = WimsClient.from_settings("http://127.0.0.1:1/wims/wims.cgi", "lti", PASSWD)
    assert client.user_agent.startswith("agentx/")
    assert (client.connect_timeout, client.read_timeout, client.slow_read_timeout) == (1.5, 7.0, 99.0)
    assert (client.read_retries, client.retry_backoff) == (4, 0.05)


def test_validation_happens_before_sending(replay: ReplayServer) -> None:
    client = make_client(replay)
    class_info = {"description": "Cls", "institution": "Uni", "supervisor": "Sue Per",
                  "email": "s@example.org", "password": "pw1234", "lang": "en"}  # fmt: skip
    supervisor = {"lastname": "Per", "firstname": "Sue", "password": "pw1234"}
    with pytest.raises(WimsValidationError, match="11111") as info:
        client.addclass("rc", class_info, supervisor, qclass=11110)
    assert info.value.field == "qclass"
    with pytest.raises(WimsValidationError):
        client.getuser("12/34", "rc", "jdoe")
    with pytest.raises(WimsValidationError):
        client.adduser(1111111, "rc", "supervisor", {"lastname": "P", "firstname": "S", "password": "pw1234"})
    assert replay.requests == []
    replay.enqueue(ok(class_id="11111"))
    assert client.addclass("rc", class_info, supervisor, qclass=11111).class_id == "11111"
    assert replay.requests[0].form["qclass"] == "11111"


def test_every_job_of_adm_raw_has_a_method() -> None:
    for job in ALL_JOBS:
        method = "restoreclassbackups" if job == "restoreclassbackup" else job
        assert callable(getattr(WimsClient, method, None)), job
    tested = {call[3] for call in JOB_CALLS} | {
        "addclass",
        "adduser",
        "getcsv",
        "getserverstat",
        "lightpopup",
    }
    assert ALL_JOBS - tested == {"restoreclassbackup"}  # tested on its own above
