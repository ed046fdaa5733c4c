"""Connection checks and non-JSON replies of wims.cgi, as 4.29a answers them."""

from __future__ import annotations

import json

from wims_lti.wims.emulator import WimsEmulator
from wims_lti.wims.emulator.params import balanced, parse_query

from .conftest import IDENT, PASSWD, Emu


def test_checkident_and_reply_format(emu: Emu) -> None:
    reply = emu.raw("checkident", code="XYZ")
    assert reply.status == 200
    assert reply.content_type == "application/json ; charset=iso-8859-1"
    assert list(reply.json().items()) == [
        ("status", "OK"),
        ("code", "XYZ"),
        ("job", "checkident"),
        ("message", "Connection accepted"),
        ("separator", ","),
    ]


def test_gettime_is_server_local_time(emu: Emu) -> None:
    time = emu.raw("gettime").json()["server_time"]
    assert len(time) == 17 and time[8] == "." and time[11] == ":" and time[14] == ":"


def test_missing_code_ident_and_unknown_ident_are_plain_text(emu: Emu) -> None:
    no_code = emu.raw("checkident", code="")
    assert (no_code.content_type, no_code.text) == (
        "text/plain ; charset=iso-8859-1",
        "ERROR\nrandom code not defined\n",
    )
    assert emu.raw("checkident", ident="").text == "ERROR\nidentification failure\n"
    assert emu.raw("checkident", ident="other").text == "ERROR\nIdentification Failure : bad login/pwd\n"


def test_wrong_password_ip_and_agent_are_json_errors_in_that_order(emu: Emu) -> None:
    bad = "Identification Failure : bad login/pwd"
    assert emu.raw("checkident", passwd="nope", ua="curl", addr="10.0.0.1").json()["message"] == bad
    assert emu.raw("checkident", ua="curl", addr="10.0.0.1").json()["message"] == (
        "Identification Failure : '10.0.0.1' is a bad IP"
    )
    assert (
        emu.raw("checkident", ua="curl/8.1").json()["message"]
        == "Identification Failure : 'curl' is a bad Agent"
    )


def test_agent_is_cut_at_separators_and_case_sensitive(emu: Emu) -> None:
    for agent in (
        "python-requests/2.32",
        "python-requests.x",
        "python-requests,2",
        "python-requests;x",
        "python-requests foo",
    ):
        assert emu.raw("checkident", ua=agent).json()["status"] == "OK", agent
    for agent, word in (
        ("Python-requests/2", "Python-requests"),
        ("python-requestsX", "python-requestsX"),
        ("", ""),
    ):
        assert (
            emu.raw("checkident", ua=agent).json()["message"]
            == f"Identification Failure : '{word}' is a bad Agent"
        )


def test_empty_agent_disables_the_check() -> None:
    emu = Emu(WimsEmulator(IDENT, PASSWD, agent=""))
    assert emu.raw("checkident", ua="curl/8").json()["status"] == "OK"


def test_missing_job_gives_the_html_help_and_unknown_job_an_error(emu: Emu) -> None:
    help_page = emu.raw(None)
    assert help_page.content_type == "text/html; charset=windows-1252"
    assert "Protocol for WIMS direct connection" in help_page.text
    assert emu.raw("frobnicate").json()["message"] == "wrong request: no job"
    assert emu.raw("restoreclassbackups").json()["message"] == "wrong request: no job"


def test_unbalanced_brackets_in_any_value_give_the_450_html_page(emu: Emu) -> None:
    for value in ("a (b", "x]", "([)]", "{", "\\(x"):
        reply = emu.raw("checkident", data1=value)
        assert (reply.status, reply.content_type) == (450, "text/html; charset=windows-1252"), value
        assert "We have detected unmatched parentheses in your request" in reply.text
    assert emu.raw("checkident", code="a(b").status == 450
    assert emu.raw("checkident", data1="{[()]} x(y)z").json()["status"] == "OK"
    assert (
        emu.request(
            {
                "module": "adm/raw",
                "ident": IDENT,
                "passwd": PASSWD,
                "code": "c",
                "job": "checkident",
                "x(": "1",
            }
        ).json()["status"]
        == "OK"
    )


def test_balanced_and_query_parsing() -> None:
    assert balanced("f(x)[1]{2}") and not balanced(")(")
    params = parse_query("%2Bmodule=adm%2Fraw&+job=x&data1=%C9l%E9ve&data1=second")
    assert params == {"module": "adm/raw", "job": "x", "data1": "Éléve"}


def test_values_are_written_unescaped_like_wims(cls: Emu) -> None:
    """A `"` in a name makes 4.29a's JSON invalid: the emulator does the same."""
    cls.add_user("bnone", last="None", first="Bob")
    cls.ok("moduser", quser="bnone", data1='firstname=Bob "the" Builder')
    raw = cls.raw("getuser", qclass=cls.qclass, rclass="rc1", quser="bnone", option="firstname").text
    assert '"firstname":"Bob "the" Builder"' in raw
    try:
        json.loads(raw)
    except json.JSONDecodeError:
        pass
    else:
        raise AssertionError("expected invalid JSON, as WIMS writes it")
