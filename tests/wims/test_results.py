"""Typed results parsed from replies recorded on a real WIMS 4.29a (tests/wims/data/replies.json)."""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path
from typing import Any

import pytest

from wims_lti.wims import results as r
from wims_lti.wims.results import ItemStatus

REPLIES: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "replies.json").read_text("utf-8"))


def reply(name: str) -> dict[str, Any]:
    return REPLIES[name]


def test_scalar_helpers() -> None:
    assert r.to_int("3") == 3 and r.to_int(3) == 3 and r.to_int("3.0") == 3
    assert r.to_int("") is None and r.to_int("abc", 0) == 0 and r.to_int("2.5") is None
    assert r.to_float("2.5") == 2.5 and r.to_float("") == 0.0 and math.isnan(r.to_float("NaN"))
    assert r.to_date(20991231) == datetime.date(2099, 12, 31)
    assert r.to_date("20271122") == datetime.date(2027, 11, 22)
    assert r.to_date("tomorrow") is None and r.to_date("20261399") is None and r.to_date("") is None
    assert r.to_str_list([""]) == () and r.to_str_list("") == () and r.to_str_list("1,2") == ("1", "2")


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("1:Smoke sheet:1", (1, "Smoke sheet", ItemStatus.ACTIVE)),
        ("2:Title: with: colons:3", (2, "Title: with: colons", ItemStatus.EXPIRED_HIDDEN)),
        ("3::0", (3, "", ItemStatus.PENDING)),
        ("4:Exam:4", (4, "Exam", ItemStatus.PENDING)),  # exam status 4 reads as pending
    ],
)
def test_split_title_item(item: str, expected: tuple[int, str, ItemStatus]) -> None:
    assert r.split_title_item(item) == expected


def test_checkident_and_gettime() -> None:
    assert r.parse_checkident(reply("checkident")).message == "Connection accepted"
    time = r.parse_gettime(reply("gettime"))
    assert time.server_time == datetime.datetime(2026, 11, 22, 14, 19, 26)
    assert r.parse_gettime({"server_time": "garbage"}).server_time is None


def test_class_results() -> None:
    added = r.parse_addclass(reply("addclass"))
    assert added.class_id == "5193113" and added.raw["job"] == "addclass"
    assert r.parse_checkclass(reply("checkclass")).qclass == "5193113"
    info = r.parse_getclass(reply("getclass"))
    assert info.description == "Smoke class" and info.supervisor == "Sue Pervisor"
    assert info.expiration == datetime.date(2027, 11, 22)
    assert info.limit == 30 and info.level == "H4" and info.lang == "en"
    assert info.userlist == () and info.usercount == 0  # WIMS's "userlist": [""]
    assert info.creation == datetime.date(2026, 11, 22)
    assert info.connections == ("lti/smokemtepdk",)
    empty = r.parse_getclass(reply("getclass_after_cleanclass"))
    assert empty.userlist == () and empty.usercount == 0 and empty.sheetcount == 1 and empty.description == ""
    assert r.parse_message(reply("modclass")).message == "Modifications done"


def test_user_results() -> None:
    assert r.parse_adduser(reply("adduser")).user_id == "jdoe"
    user = r.parse_getuser(reply("getuser"))
    assert (user.login, user.firstname, user.lastname, user.email) == ("jdoe", "John", "Doe", "j@example.com")
    assert user.regprops == ("", "", "", "", "")
    latin1 = r.parse_getuser(reply("getuser_latin1"))
    assert (latin1.firstname, latin1.lastname) == ("Élodie", "Müller")
    assert r.parse_message(reply("checkuser")).message == "user jdoe exists"
    mod = r.parse_moduser(reply("moduser"))
    assert mod.nb_modifs == 2
    deleted = r.parse_userchange(reply("deluser"))
    assert (deleted.qclass, deleted.quser) == ("7237572", "jdoe") and "trash" in deleted.message
    assert r.parse_userchange(reply("recuser")).message == "User successfully recovered"


def test_authuser() -> None:
    auth = r.parse_authuser(reply("authuser"))
    assert auth.wims_session == "YZA3D3ECB5" and auth.user == "jdoe" and auth.class_id == "5193113"
    assert auth.home_url.endswith("session=YZA3D3ECB5.1") and auth.remote_addr == ""
    assert r.parse_authuser(reply("authuser_with_ip")).remote_addr == "10.20.30.40"


def test_sheets() -> None:
    listed = r.parse_listsheets(reply("listsheets"))
    assert listed.sheets == (r.ItemSummary(1, "Smoke sheet", ItemStatus.ACTIVE, datetime.date(2099, 12, 31)),)
    sheet = r.parse_getsheet(reply("getsheet"))
    assert sheet.sheet_id == 1 and sheet.status is ItemStatus.ACTIVE and sheet.title == "Smoke sheet"
    assert sheet.expiration == datetime.date(2099, 12, 31) and sheet.description == "one exercise"
    (exo,) = sheet.exercises
    assert (
        exo.module == "classes/en"
        and exo.points == 10
        and exo.weight == 1.0
        and exo.params.startswith("exo=")
    )
    assert r.parse_getsheet(reply("getsheet_pending")).status is ItemStatus.PENDING


def test_getsheetscores() -> None:
    scores = r.parse_getsheetscores(reply("getsheetscores"))
    assert scores.sheet_id == 1 and scores.class_scoremax == 10.0 and scores.requires == (10.0,)
    assert scores.user_cnt == 5 and len(scores.users) == 5
    jdoe = scores.for_user("jdoe")
    assert jdoe is not None
    assert (jdoe.first_name, jdoe.last_name, jdoe.user_percent, jdoe.user_quality) == (
        "John",
        "Doe",
        100.0,
        10.0,
    )
    assert jdoe.user_level == 100.0 and jdoe.user_best == 100.0 and jdoe.got_detail == (10.0,)
    assert jdoe.try_detail == (1.0,)
    assert scores.for_user("nobody") is None
    stale = r.parse_getsheetscores(reply("getsheetscores_stale"))
    assert stale.requires == () and all(u.got_detail == () for u in stale.users)


def test_getscore_nested_and_flat() -> None:
    nested = r.parse_getscore(reply("getscore"))
    flat = r.parse_getscore(reply("getscore_sheet"))
    assert nested.query_sheet is None and flat.query_sheet == 1
    assert nested.sheets == flat.sheets
    (sheet,) = flat.sheets
    assert (sheet.percent, sheet.quality, sheet.level, sheet.best) == (100.0, 10.0, 100.0, 100.0)
    assert sheet.got_points == (10.0,) and sheet.require_points == (10.0,) and sheet.weights == (1.0,)
    assert nested.score_max == 10.0 and nested.exam_best == () and nested.exam_attempts == ()
    exams = r.parse_getscore(reply("getscore_exams"))
    assert exams.exam_best == (0.0, 0.0, 0.0, 0.0, 5.0)
    assert exams.exam_attempts[0] == (3, 0, 1) and len(exams.exam_attempts) == 5


def test_exams() -> None:
    listed = r.parse_listexams(reply("listexams"))
    assert [(e.id, e.title, e.status) for e in listed.exams] == [
        (1, "Final exam", ItemStatus.EXPIRED_HIDDEN),
        (2, "Second exam", ItemStatus.PENDING),
        (3, "Third", ItemStatus.PENDING),
        (4, "Fourth", ItemStatus.PENDING),
    ]
    assert listed.exams[1].expiration == datetime.date(2027, 11, 22)
    assert r.parse_listexams(reply("listexams_empty")).exams == ()
    exam = r.parse_getexam(reply("getexam"))
    assert (
        exam.exam_id == 1 and exam.status is ItemStatus.ACTIVE and exam.duration == 20 and exam.attempts == 3
    )
    assert exam.title == "Final exam (renamed)" and exam.expiration == datetime.date(2099, 12, 31)
    assert exam.exercise_count == 2 and exam.opening.startswith(">2020")
    assert r.parse_getexam(reply("getexam_bad_expiration")).expiration is None


def test_getexamscores() -> None:
    nowork = r.parse_getexamscores(reply("getexamscores_nowork"))
    assert nowork.users == () and nowork.user_cnt == 0 and nowork.class_user_cnt == 3
    scores = r.parse_getexamscores(reply("getexamscores"))
    assert scores.class_scoremax == 10.0 and scores.score_mean == 2.5 and scores.exam_id == 1
    assert scores.for_user("asmith") == r.ExamUserScore("asmith", "Alice", "Smith", 5.0, 1)


def test_backups() -> None:
    listed = r.parse_listclassbackups(reply("listclassbackups"))
    assert listed.total == 7 and listed.qclass == "*" and list(listed.restorable) == [2026]
    assert "5193113" in listed.restorable[2026] and listed.years_for("5193113") == (2026,)
    mislabelled = r.parse_listclassbackups(reply("listclassbackups_mislabelled"))
    assert mislabelled.restorable == listed.restorable
    empty = r.parse_listclassbackups(reply("listclassbackups_empty"))
    assert empty.total == 0 and empty.restorable == {} and empty.years_for("7237572") == ()
    restored = r.parse_restoreclassbackup(reply("restoreclassbackup"))
    assert restored.qclass == "1053229" and restored.new_expiration == datetime.date(2026, 12, 22)


def test_results_are_frozen_and_keep_raw() -> None:
    info = r.parse_checkclass(reply("checkclass"))
    with pytest.raises(AttributeError):
        info.qclass = "1"  # type: ignore[misc]
    assert info.raw is reply("checkclass")


def test_listsheets_rejoins_titles_split_at_commas() -> None:
    # Recorded on the real WIMS with the title "Sheet: one, two (x)": `:` escaped, split at the comma.
    raw = {
        "query_class": "3959582",
        "sheetlist": ["1", "2"],
        "sheettitlelist": ["1:Sheet&#8282; one", " two (x):0", "2:Other:1"],
        "expirations": [20271123, 20271124],
    }
    sheets = r.parse_listsheets(raw).sheets
    assert [(s.id, s.title, s.status) for s in sheets] == [
        (1, "Sheet: one, two (x)", ItemStatus.PENDING),
        (2, "Other", ItemStatus.ACTIVE),
    ]
    assert sheets[1].expiration == datetime.date(2027, 11, 24)
