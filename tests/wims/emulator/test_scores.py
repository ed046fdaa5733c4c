"""Scores set by tests show in getsheetscores, getsheetstats, getscore and getexamscores."""

from __future__ import annotations

import pytest
import requests

from tests.fixtures.wims_servers import WimsTarget

from .conftest import Emu


@pytest.fixture
def sheet_class(cls: Emu) -> Emu:
    cls.add_user("jdoe", last="Doe", first="John")
    cls.add_user("bnone", last="None", first="Bob")
    cls.add_user("asmith", last="Smith", first="Alice")
    cls.add_active_sheet(exos=2)
    return cls


def test_no_work_gives_zeros_for_every_user_sorted_by_last_name(sheet_class: Emu) -> None:
    reply = sheet_class.ok("getsheetscores", qsheet="1")
    assert [row["id"] for row in reply["data_scores"]] == ["jdoe", "bnone", "asmith"]
    assert (reply["query_sheet"], reply["active_index"], reply["requires"], reply["exo_weights"]) == (
        1,
        1,
        [10, 10],
        [],
    )
    assert reply["sheet_formula"] == {"formula": "I*Q^0.3", "I": "1"} and reply["user_cnt"] == 3
    row = reply["data_scores"][0]
    assert (row["got_detail"], row["remain"], row["try_detail"], row["user_percent"]) == (
        [0, 0],
        [10, 10],
        [0, 0],
        0,
    )


def test_sheet_score_matches_the_real_servers_arithmetic(sheet_class: Emu) -> None:
    """Real 4.29a, requires [10,10], got [10,0]: percent 50, quality 10, best 50, level 100,
    class means 16.666667 / 3.3333333 over three users."""
    sheet_class.emulator.set_sheet_score(sheet_class.qclass, 1, "jdoe", points=[10, 0])
    reply = sheet_class.ok("getsheetscores", qsheet="1")
    jdoe = reply["data_scores"][0]
    assert (jdoe["user_percent"], jdoe["user_quality"], jdoe["user_level"], jdoe["user_best"]) == (
        50,
        10,
        100,
        50,
    )
    assert (jdoe["got_detail"], jdoe["mean_detail"], jdoe["remain"], jdoe["try_detail"]) == (
        [10, 0],
        [10, 0],
        [0, 10],
        [1, 0],
    )
    assert (reply["sheet_mean_quality"], reply["sheet_mean_percent"]) == (3.3333333, 16.666667)
    assert (reply["sheet_max_quality"], reply["sheet_max_percent"]) == (10, 50)
    score = sheet_class.ok("getscore", quser="jdoe", qsheet="1")
    assert list(score)[3:6] == ["query_sheet", "query_class", "query_user"] and score["query_sheet"] == "1"
    assert (score["sheet_summaries"], score["got_points"], score["remain"]) == (
        [50, 10, 50, 100],
        [10, 0],
        [0, 10],
    )
    nested = sheet_class.ok("getscore", quser="jdoe")
    assert (nested["score_max"], nested["weights"], nested["got_points"]) == ("10", [[1, 1]], [[10, 0]])
    stats = sheet_class.ok("getsheetstats", qsheet="1")
    assert (stats["sheet_got_details"], stats["nb_exos"], stats["user_cnt"]) == ([3.3333333, 0], 2, 3)


def test_percent_and_quality(sheet_class: Emu) -> None:
    sheet_class.emulator.set_sheet_score(sheet_class.qclass, 1, "asmith", percent=50, quality=7, tries=3)
    row = sheet_class.ok("getsheetscores", qsheet="1")["data_scores"][2]
    assert (row["user_percent"], row["user_quality"], row["got_detail"], row["try_detail"]) == (
        50,
        7,
        [5, 5],
        [3, 3],
    )
    with pytest.raises(ValueError, match="2 exercises"):
        sheet_class.emulator.set_sheet_score(sheet_class.qclass, 1, "asmith", points=[1])


def test_getscore_without_sheets_or_exams(cls: Emu) -> None:
    cls.add_user("jdoe")
    score = cls.ok("getscore", quser="jdoe")
    assert (score["score_max"], score["exam_scores"], score["weights"]) == ("", [[]], [[]])
    assert cls.error("getscore", quser="a/b") == "bad user (empty quser or bad chars detected)"


def test_exam_scores(sheet_class: Emu) -> None:
    qclass = sheet_class.qclass
    sheet_class.ok("addexam", data1="title=Final\nattempts=3")
    assert sheet_class.error("getexamscores", qexam="1") == "Exam #1 must be active"
    assert sheet_class.error("getexamscores") == "undefined query id for type exam"
    sheet_class.ok("linksheet", qsheet="1", qexam="1")
    sheet_class.ok("modexam", qexam="1", data1="status=1")
    nowork = sheet_class.ok("getexamscores", qexam="1")
    assert (nowork["user_cnt"], nowork["class_user_cnt"], nowork["data_scores"], nowork["weights"]) == (
        0,
        3,
        "",
        [1, 1],
    )
    sheet_class.emulator.set_exam_score(qclass, 1, "asmith", 10, attempts=2)
    sheet_class.emulator.set_exam_score(qclass, 1, "jdoe", 5)
    reply = sheet_class.ok("getexamscores", qexam="1")
    assert reply["data_scores"] == [
        {"id": "jdoe", "first_name": "John", "last_name": "Doe", "score": 5, "attempts": 1},
        {"id": "asmith", "first_name": "Alice", "last_name": "Smith", "score": 10, "attempts": 2},
    ]
    assert (reply["user_cnt"], reply["score_max"], reply["score_mean"]) == (2, 10, 7.5)
    assert sheet_class.ok("getscore", quser="asmith")["exam_scores"] == [[10], [3, 2, 1]]
    sheet_class.emulator.reset()
    assert sheet_class.error("checkclass") == f"class {qclass} not existing"


def test_scores_over_http_and_the_control_endpoint(emulator_target: WimsTarget) -> None:
    def ok(job: str, **params: str) -> dict:
        reply = emulator_target.raw(job, **params).json()
        assert reply["status"] == "OK", reply
        return reply

    rclass = emulator_target.rclass
    qclass = ok(
        "addclass",
        rclass=rclass,
        data1="description=Http\ninstitution=Test U\nsupervisor=Sue Pervisor\n"
        "email=sup@example.com\npassword=classpw",
        data2="lastname=Pe\nfirstname=Su\npassword=suppw",
    )["class_id"]
    common = {"qclass": qclass, "rclass": rclass}
    ok("adduser", **common, quser="jdoe", data1="lastname=Doe\nfirstname=John\npassword=pw")
    ok("addsheet", **common)
    ok("putexo", **common, qsheet="1", data1="module=classes/en\nparams=exo=a")
    ok("modsheet", **common, qsheet="1", data1="status=1")
    control = emulator_target.url.replace("/wims/wims.cgi", "/_emulator/scores")
    order = {"sheet": {"qclass": qclass, "qsheet": 1, "quser": "jdoe", "percent": 100}}
    assert requests.post(control, json=order, timeout=10).json() == {"ok": True}
    bad = requests.post(
        control, json={"sheet": {"qclass": qclass, "qsheet": 1, "quser": "nobody"}}, timeout=10
    )
    assert bad.status_code == 400
    assert ok("getsheetscores", **common, qsheet="1")["data_scores"][0]["user_percent"] == 100
    ok("delclass", **common)
