"""The proof that the emulator tells the truth: one scenario, run on the emulator and on the real
WIMS 4.29a, must give the same replies once the values that are random by nature (class ids,
sessions, codes, today's dates, server time, URLs) are replaced by placeholders.

Scores are read only after the sheet is activated, so the real server's stale score cache (quirk Q1)
cannot make the two differ.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from tests.fixtures.wims_servers import WimsTarget

OEF_ADDITION = (
    "\\title{Addition}\n\\language{en}\n\\author{Integration tests}\n\\email{harness@example.com}\n"
    "\\computeanswer{no}\n\\format{html}\n\\statement{What is 2 + 3 ?}\n\\answer{Sum}{5}{type=numeric}\n"
)
CLASS_DATA = (
    "description=Fidelity class\ninstitution=Harness U\nsupervisor=Sue Pervisor\n"
    "email=sup@example.com\npassword=classpw\nlang=en\nlevel=H4"
)
SUPERVISOR_DATA = "lastname=Pervisor\nfirstname=Sue\npassword=suppw123"
PUTEXO_DATA = (
    "module=classes/en\nparams=exo=addition&qnum=1&qcmlevel=1&scoredelay=&seedrepeat=0\n"
    "points=10\nweight=1\ntitle=Addition"
)


@dataclass
class Run:
    """The normalized replies of one backend, plus what the page checks need."""

    target: WimsTarget
    rclass: str = field(default_factory=lambda: "wltifid" + secrets.token_hex(3))
    qclass: str = ""
    replies: dict[str, Any] = field(default_factory=dict)
    home_url: str = ""
    pages: dict[str, requests.Response] = field(default_factory=dict)

    def call(self, step: str, job: str, *, with_class: bool = True, **params: str) -> Any:
        if with_class:
            params = {"qclass": self.qclass, "rclass": self.rclass, **params}
        response = self.target.raw(job, **params)
        reply = _decode(response)
        self.replies[step] = reply
        return reply

    def page(self, name: str, url: str) -> None:
        self.pages[name] = requests.get(url, timeout=30)

    def session_url(self, query: str) -> str:
        session = self.replies["authuser"]["wims_session"]
        return f"{self.target.url}?session={session}&{query}"


def _decode(response: requests.Response) -> Any:
    content_type = response.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        return json.loads(response.content.decode("latin-1"))
    text = response.content.decode("cp1252" if "html" in content_type else "latin-1")
    return {
        "_http_status": response.status_code,
        "_content_type": content_type,
        "_unmatched_parentheses": "unmatched parentheses" in text,
        "_text": text if content_type.startswith("text/plain") else "<html>",
    }


def run_scenario(target: WimsTarget) -> Run:
    run = Run(target)
    created = run.call(
        "addclass", "addclass", with_class=False, rclass=run.rclass, data1=CLASS_DATA, data2=SUPERVISOR_DATA
    )
    assert created["status"] == "OK", created
    run.qclass = created["class_id"]
    try:
        _scenario_body(run)
    finally:
        run.call("delclass", "delclass")
        run.call("checkclass_after_delete", "checkclass")
    return run


def _scenario_body(run: Run) -> None:
    run.call("checkident_bad_agent_code_missing", "checkident", with_class=False, code="")
    run.call("checkclass", "checkclass")
    run.call("getclass", "getclass")
    run.call(
        "adduser",
        "adduser",
        quser="jdoe",
        data1="lastname=Doe\nfirstname=John\npassword=pw123456\nemail=j@example.com",
    )
    run.call(
        "adduser_latin1", "adduser", quser="eleve", data1="lastname=Müller\nfirstname=Élodie\npassword=pw1"
    )
    run.call(
        "adduser_odd_login",
        "adduser",
        quser="Mixed.Case-Login_1",
        data1="lastname=Case\nfirstname=Mixed\npassword=pw123456",
    )
    run.call("adduser_bad_login", "adduser", quser="Bad Login!", data1="lastname=X\nfirstname=Y\npassword=pw")
    run.call("adduser_duplicate", "adduser", quser="jdoe", data1="lastname=Doe\nfirstname=John\npassword=pw")
    run.call("adduser_missing_data", "adduser", quser="nolastname", data1="firstname=Y\npassword=pw")
    run.call("checkuser", "checkuser", quser="jdoe")
    run.call("checkuser_unknown", "checkuser", quser="nobody")
    run.call("getuser_latin1", "getuser", quser="eleve")
    run.call("moduser", "moduser", quser="jdoe", data1="firstname=Johnny\nlastname=Doe")
    run.call("moduser_nothing", "moduser", quser="jdoe", data1="firstname=Johnny")
    run.call("getuser_option", "getuser", quser="jdoe", option="firstname,lastname,password")
    auth = run.call("authuser", "authuser", quser="jdoe")
    run.home_url = auth.get("home_url", "")
    run.call("authuser_unknown", "authuser", quser="nobody")
    run.call("authuser_missing_quser", "authuser")
    run.call("listexos_empty", "listexos")
    run.call("listsheets_empty", "listsheets")
    run.call("listexams_empty", "listexams")
    run.call("addexo", "addexo", qexo="addition", data1=OEF_ADDITION)
    run.call("listexos", "listexos")
    run.call(
        "addsheet", "addsheet", data1="title=Fidelity sheet\ndescription=one exercise\nexpiration=20991231"
    )
    run.call("putexo", "putexo", qsheet="1", data1=PUTEXO_DATA)
    run.call("getsheet_pending", "getsheet", qsheet="1")
    run.call("getsheetscores_pending", "getsheetscores", qsheet="1")
    run.call("getsheet_unknown", "getsheet", qsheet="99")
    run.call("checksheet_missing", "checksheet")
    run.call("modsheet_wrong_key", "modsheet", qsheet="1", data1="sheetmode=1")
    run.call("modsheet", "modsheet", qsheet="1", data1="status=1")
    run.call("putexo_active", "putexo", qsheet="1", data1=PUTEXO_DATA)
    run.call("listsheets", "listsheets")
    run.call("getsheet", "getsheet", qsheet="1")
    run.call("getsheetscores", "getsheetscores", qsheet="1")
    run.call("getsheetstats", "getsheetstats", qsheet="1")
    run.call("getscore", "getscore", quser="jdoe")
    run.call("getscore_sheet", "getscore", quser="jdoe", qsheet="1")
    run.call("addexam", "addexam", data1="title=Final exam\nduration=20\nattempts=3\nexpiration=20991231")
    run.call("addexam_minimal", "addexam")
    run.call("listexams", "listexams")
    run.call("getexam", "getexam", qexam="1")
    run.call("getexam_default", "getexam", qexam="2")
    run.call("getexamscores_pending", "getexamscores", qexam="1")
    run.call("modexam_activate_empty", "modexam", qexam="1", data1="status=1")
    run.call("modexam", "modexam", qexam="1", data1="title=Final exam (renamed)")
    run.call("linksheet", "linksheet", qsheet="1", qexam="1")
    run.call("listlinks", "listlinks", qsheet="1", qexam="1")
    run.call("modexam_activate", "modexam", qexam="1", data1="status=1")
    run.call("modexam_deactivate", "modexam", qexam="1", data1="status=0")
    run.call("getexam_active", "getexam", qexam="1")
    run.call("getexamscores", "getexamscores", qexam="1")
    run.call("delexam_active", "delexam", qexam="1")
    # pages only now: a page read before the sheet was active would make the real scores stale (Q1)
    run.page("home", run.home_url)
    run.page("sheet", run.session_url("module=adm/sheet&sh=1"))
    run.page("exam", run.session_url("lang=en&module=adm/class/exam&job=student&exam=1"))
    run.page("unknown_session", f"{run.target.url}?session=ZZZZZZZZZZ.1")
    teacher = run.call("authuser_supervisor", "authuser", quser="supervisor")
    run.page("supervisor_home", teacher.get("home_url", ""))
    run.call("deluser", "deluser", quser="eleve")
    run.call("checkuser_deleted", "checkuser", quser="eleve")
    run.call("adduser_deleted", "adduser", quser="eleve", data1="lastname=M\nfirstname=E\npassword=pw")
    run.call("recuser", "recuser", quser="eleve")
    run.call("recuser_again", "recuser", quser="eleve")
    run.call("getclass_users", "getclass", option="userlist,usercount,sheetcount,examcount")
    run.call("listclasses", "listclasses", with_class=False, rclass=run.rclass)
    run.call("getclassesuser", "getclassesuser", with_class=False, rclass=run.rclass, quser="jdoe")
    run.call("checkclass_wrong_rclass", "checkclass", rclass="notmine")
    run.call("checkclass_unknown", "checkclass", qclass="9999991")
    run.call("checkclass_missing_qclass", "checkclass", qclass="")
    run.call("unknown_job", "frobnicate")
    run.call("restoreclassbackups_plural", "restoreclassbackups", data1="2026")
    run.call("unbalanced_bracket", "modexam", qexam="1", data1="title=Exam (draft")


# --- normalization and comparison ----------------------------------------------------------------
def _placeholders(run: Run) -> dict[str, str]:
    today = dt.date.today()
    try:
        next_year = today.replace(year=today.year + 1)
    except ValueError:
        next_year = today.replace(year=today.year + 1, day=28)
    values = {
        run.target.url: "<URL>",
        run.qclass: "<QCLASS>",
        run.rclass: "<RCLASS>",
        today.strftime("%Y%m%d"): "<TODAY>",
        next_year.strftime("%Y%m%d"): "<TODAY+1Y>",
    }
    for reply in run.replies.values():
        if isinstance(reply, dict) and reply.get("wims_session"):
            values[reply["wims_session"]] = "<SESSION>"
    return values


def normalize(value: Any, placeholders: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: "<CODE>" if key == "code" else normalize(item, placeholders) for key, item in value.items()
        }
    if isinstance(value, list):
        return [normalize(item, placeholders) for item in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and str(value) in placeholders:
        return placeholders[str(value)]
    if isinstance(value, str):
        for raw, placeholder in sorted(placeholders.items(), key=lambda kv: -len(kv[0])):
            value = value.replace(raw, placeholder)
        return re.sub(r"\d{8}\.\d\d:\d\d:\d\d", "<TIME>", value)
    return value


def differences(path: str, emulated: Any, real: Any) -> list[str]:
    """Every place where the two replies differ: keys and their order, value types, values."""
    if type(emulated) is not type(real):
        kinds = f"{type(emulated).__name__} {emulated!r} (emulator) != {type(real).__name__} {real!r} (real)"
        return [f"{path}: type {kinds}"]
    if isinstance(real, dict):
        if list(emulated) != list(real):
            return [f"{path}: keys\n    emulator {list(emulated)}\n    real     {list(real)}"]
        return [line for key in real for line in differences(f"{path}.{key}", emulated[key], real[key])]
    if isinstance(real, list):
        if len(emulated) != len(real):
            return [f"{path}: length {len(emulated)} {emulated!r} (emulator) != {len(real)} {real!r} (real)"]
        return [
            line
            for i, (a, b) in enumerate(zip(emulated, real, strict=True))
            for line in differences(f"{path}[{i}]", a, b)
        ]
    if emulated != real:
        return [f"{path}: {emulated!r} (emulator) != {real!r} (real)"]
    return []


def normalized_replies(run: Run) -> dict[str, Any]:
    placeholders = _placeholders(run)
    return {step: normalize(reply, placeholders) for step, reply in run.replies.items()}


# --- tests ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def emulator_run(emulator_target: WimsTarget) -> Run:
    return run_scenario(emulator_target)


@pytest.fixture(scope="module")
def real_run(real_wims: WimsTarget) -> Run:
    return run_scenario(real_wims)


@pytest.fixture(params=["emulator", pytest.param("real", marks=pytest.mark.real_wims)])
def scenario_run(request: pytest.FixtureRequest) -> Run:
    return request.getfixturevalue(f"{request.param}_run")


@pytest.mark.real_wims
def test_emulator_replies_match_real_wims(emulator_run: Run, real_run: Run) -> None:
    emulated, real = normalized_replies(emulator_run), normalized_replies(real_run)
    assert list(emulated) == list(real)
    problems = [line for step in real for line in differences(step, emulated[step], real[step])]
    assert not problems, "emulator and real WIMS differ:\n" + "\n".join(problems)


def test_scenario_facts(scenario_run: Run) -> None:
    """What the bridge relies on, asserted identically on both backends."""
    r = normalized_replies(scenario_run)
    assert r["addclass"]["status"] == "OK"
    assert r["getclass"]["connections"] == "+lti/<RCLASS>+  "
    assert r["getclass"]["userlist"] == [""] and r["getclass"][""] == ""
    assert r["adduser_odd_login"]["user_id"] == "MixedCaseLogin1"
    assert r["adduser_bad_login"]["message"] == "login name must not be Bad (illegal, or wrong length)"
    assert r["adduser_duplicate"]["message"] == "user already exists in this class (<QCLASS>)"
    assert (r["getuser_latin1"]["firstname"], r["getuser_latin1"]["lastname"]) == ("Élodie", "Müller")
    assert r["moduser"]["nb_modifs"] == "1" and r["moduser_nothing"]["message"] == "nothing done"
    assert r["authuser"]["home_url"] == "<URL>?session=<SESSION>.1"
    assert r["authuser_unknown"]["message"] == "user nobody not in this class (<QCLASS>)"
    assert r["addsheet"]["sheet_id"] == 1 and r["getsheet"]["query_sheet"] == "1"
    assert r["getsheetscores_pending"]["message"] == "Sheet #1 must be active"
    assert r["modsheet_wrong_key"]["message"] == "nothing done"
    assert r["putexo_active"]["message"] == "sheet mustn't be active"
    assert r["listsheets"]["sheettitlelist"] == ["1:Fidelity sheet:1"]
    scores = r["getsheetscores"]
    assert [row["id"] for row in scores["data_scores"]] == ["MixedCaseLogin1", "jdoe", "eleve"]
    assert all(row["got_detail"] == [0] and row["remain"] == [10] for row in scores["data_scores"])
    assert r["getexamscores"]["data_scores"] == ""
    assert r["listexams_empty"]["examlist"] == [""]
    assert r["modexam_deactivate"]["message"] == "bad status. You can't deactive an exam."
    assert r["adduser_deleted"]["message"] == "Deleted user found. Use Recuser instead."
    assert r["checkclass_wrong_rclass"]["message"] == "connection refused by requested class (<QCLASS>)"
    assert r["checkclass_unknown"]["message"] == "class 9999991 not existing"
    assert r["unknown_job"]["message"] == "wrong request: no job"
    assert r["restoreclassbackups_plural"]["message"] == "wrong request: no job"
    assert r["unbalanced_bracket"]["_http_status"] == 450
    assert r["unbalanced_bracket"]["_unmatched_parentheses"] is True
    assert r["checkident_bad_agent_code_missing"]["_text"] == "ERROR\nrandom code not defined\n"
    assert r["checkclass_after_delete"]["message"] == "class <QCLASS> not existing"


def _text(page: requests.Response) -> str:
    """The page as a reader sees it: tags and scripts removed, entities decoded, spaces collapsed."""
    assert page.status_code == 200, page.text[:300]
    assert page.headers["Content-Type"] == "text/html; charset=windows-1252"
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", page.content.decode("cp1252"), flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def test_pages_behind_home_url(scenario_run: Run) -> None:
    """authuser's home_url logs the student in; the class page links the active sheet and exam."""
    pages = scenario_run.pages
    home = _text(pages["home"])
    assert "Welcome Johnny Doe" in home and "Fidelity class" in home
    links = html.unescape(pages["home"].text)
    assert re.search(r"module=adm%2Fsheet&\+sh=1\b", links)
    assert re.search(r"module=adm%2Fclass%2Fexam&\+job=student&\+exam=1\b", links)
    sheet = _text(pages["sheet"])
    assert "Fidelity sheet" in sheet and "Addition" in sheet
    exam = _text(pages["exam"])
    assert "Final exam (renamed)" in exam and "Addition" in exam
    assert "Hello, Sue Pervisor! Welcome to the maintenance page" in _text(pages["supervisor_home"])
    assert "Welcome" not in _text(pages["unknown_session"])
