"""Class jobs: addclass limits, getclass, modclass, delclass, listings, cleanup, dates, backups."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import CLASS_DATA, RCLASS, SUPERVISOR, Emu, defs


def _addclass_error(emu: Emu, data2: str = SUPERVISOR, **overrides: str | None) -> str:
    values = {k: v for k, v in {**CLASS_DATA, **overrides}.items() if v is not None}
    reply = emu.raw("addclass", rclass=RCLASS, data1=defs(values), data2=data2).json()
    assert reply["status"] == "ERROR", reply
    return reply["message"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": "A"}, "data cl_description too short (<2)"),
        ({"description": None}, "incomplete (or forbidden chars) in data cl_description ()"),
        ({"institution": "H"}, "data cl_institution too short (<2)"),
        ({"supervisor": "Sue P"}, "data cl_supervisor too short (<6)"),
        ({"email": "a@b.com"}, "data cl_email too short (<8)"),
        ({"email": "supexample.com"}, "data cl_email must be a valid email"),
        ({"email": None}, "incomplete (or forbidden chars) in data cl_email ()"),
        ({"password": "abc"}, "data cl_password too short (<4)"),
        ({"password": "a" * 41}, "data cl_password too long (>40)"),
    ],
)
def test_addclass_limits(emu: Emu, overrides: dict[str, str | None], message: str) -> None:
    assert _addclass_error(emu, **overrides) == message


@pytest.mark.parametrize(
    ("data2", "message"),
    [
        ("", "incomplete (or forbidden chars) in data su_lastname ()"),
        ("lastname=P\nfirstname=Sue\npassword=suppw123", "data su_lastname too short (<2)"),
        ("lastname=Pe\npassword=suppw123", "incomplete (or forbidden chars) in data su_firstname ()"),
        ("lastname=Pe\nfirstname=Su\npassword=abc", "data su_password too short (<4)"),
    ],
)
def test_addclass_supervisor_limits(emu: Emu, data2: str, message: str) -> None:
    assert _addclass_error(emu, data2=data2) == message


def test_addclass_truncates_cleans_and_defaults(emu: Emu) -> None:
    emu.qclass = emu.add_class(
        description="D" * 35, institution="I" * 55, supervisor="S" * 65, password="a,b!c$d", lang=""
    )
    got = emu.ok("getclass", option="description,institution,supervisor,password,lang,expiration,limit")
    assert got["description"] == "D" * 30 and got["institution"] == "I" * 50 and got["supervisor"] == "S" * 60
    assert got["password"] == "a b c d" and got["lang"] == "en" and got["limit"] == "30"
    next_year = dt.date.today().replace(year=dt.date.today().year + 1).strftime("%Y%m%d")
    assert got["expiration"] == next_year


def test_addclass_returns_a_new_7_digit_id_each_time(emu: Emu) -> None:
    ids = {emu.add_class() for _ in range(20)}
    assert len(ids) == 20 and all(len(i) == 7 and i.isdigit() for i in ids)


def test_getclass_full_shape(cls: Emu) -> None:
    got = cls.ok("getclass")
    keys = list(got)
    assert keys[:6] == ["status", "code", "job", "query_class", "rclass", "password"]
    assert keys[-7:] == ["", "connections", "creation", "userlist", "usercount", "examcount", "sheetcount"]
    assert got[""] == "" and got["userlist"] == [""] and got["usercount"] == "0"
    assert got["connections"] == f"+lti/{RCLASS}+  " and got["creator"] == "127.0.0.1"
    assert got["scorecolor"].startswith("#ffffff, #ff0000") and got["css"] == "-theme-"


def test_getclass_option_keeps_the_requested_order(cls: Emu) -> None:
    cls.add_user("zed1", last="A")
    cls.add_user("Abby", last="Z")
    got = cls.ok("getclass", option="usercount,foo,userlist")
    assert list(got)[3:] == ["query_class", "rclass", "usercount", "userlist"]
    assert got["userlist"] == ["Abby", "zed1"]


def test_class_errors(cls: Emu) -> None:
    assert (
        cls.error("checkclass", rclass="notmine") == f"connection refused by requested class ({cls.qclass})"
    )
    assert cls.error("checkclass", qclass="9999991") == "class 9999991 not existing"
    assert cls.error("checkclass", qclass="abc") == "class abc not existing"
    assert cls.error("checkclass", qclass="12/34") == "wrong class idX (12 34)"
    assert cls.error("checkclass", qclass="") == (
        f"undefined local and/or remote class (qclass= | rclass={RCLASS} | initial_qclass=)"
    )
    assert cls.error("checkclass", rclass="") == (
        f"undefined local and/or remote class (qclass={cls.qclass} | rclass= | initial_qclass={cls.qclass})"
    )


def test_modclass_accepts_any_classdef_without_validation(cls: Emu) -> None:
    reply = cls.ok("modclass", data1="expiration=notadate\nlimit=-5")
    assert (reply["qclass"], reply["message"], reply["separator"]) == (cls.qclass, "Modifications done", ",")
    assert cls.ok("getclass", option="expiration,limit")["limit"] == "-5"
    assert cls.error("modclass", data1="foo=bar") == "nothing done"
    assert cls.error("modclass") == "nothing done"


def test_delclass(cls: Emu) -> None:
    reply = cls.ok("delclass")
    assert reply["class_id"] == cls.qclass and reply["message"] == f"class {cls.qclass} correctly deleted"
    assert cls.error("checkclass") == f"class {cls.qclass} not existing"
    assert cls.error("listclasses") == "there is no class allowed for this server"


def test_listclasses_and_getclassesuser(cls: Emu) -> None:
    cls.add_user("jdoe")
    listed = cls.ok("listclasses", option="description,password")
    assert listed["message"] == f"Lists classes associated to specified rclass ({RCLASS}) in your server"
    assert listed["classes_list"] == [{"qclass": cls.qclass, "description": "Test class"}]
    assert len(cls.ok("listclasses", option="all")["classes_list"][0]) == 30  # qclass + 29 low classdefs
    assert cls.error("listclasses", rclass="nosuch") == "there is no class allowed for this server"
    got = cls.ok("getclassesuser", quser="jdoe", option="expiration")
    assert list(got["classes_list"][0]) == ["qclass", "expiration"]
    assert cls.ok("getclassesuser", rclass="ALL", quser="jdoe")["rclass"] == "ALL"
    assert cls.error("getclassesuser", quser="nobody") == (
        f"user nobody didn't participate in 1 listed classes ({cls.qclass}). "
        f"This job also generated 1 errors (user nobody not in this class ({cls.qclass}))"
    )
    assert cls.error("getclassesuser", rclass="", quser="jdoe") == "there is no class allowed for this server"


def test_cleanclass_deletes_users_for_good_and_keeps_sheets(cls: Emu) -> None:
    cls.add_user("jdoe")
    cls.add_user("asmith")
    cls.add_active_sheet()
    cls.ok("deluser", quser="asmith")
    reply = cls.ok("cleanclass")
    assert (reply["usercnt_before"], reply["usercnt_after"], reply["suppressed_users"]) == ("1", "0", 1)
    assert cls.error("recuser", quser="asmith") == "no deleted user found"
    assert cls.error("getsheetscores", qsheet="1") == "There is no user in this class"
    assert cls.ok("listsheets")["nbsheet"] == "1"


def test_changedates_moves_class_sheets_and_exams(cls: Emu) -> None:
    cls.add_active_sheet()
    cls.ok("addexam", data1="expiration=20991231\ncut_hours=20991230.10:00")
    reply = cls.ok("changedates")
    new_date = reply["new_date"]
    assert (reply["changed_sheets"], reply["changed_exams"]) == (1, 1)
    assert cls.ok("getsheet", qsheet="1")["sheet_expiration"] == new_date
    exam = cls.ok("getexam", qexam="1")
    assert exam["exam_expiration"] == new_date and exam["exam_cut_hours"] == ""


def test_backups_list_and_restore(cls: Emu) -> None:
    assert cls.ok("listclassbackups", qclass=cls.qclass)["total"] == 0
    cls.emulator.archive_class(cls.qclass, "2026")
    listed = cls.raw("listclassbackups").json()
    assert (listed["qclass"], listed["total"], listed["restorable"]) == ("*", 1, {"2026": [cls.qclass]})
    assert cls.raw("listclassbackups", data1="2019").json()["restorable"] == {"2019": [f"2026/{cls.qclass}"]}
    assert (
        cls.raw("restoreclassbackup", data1="2026").json()["message"]
        == "You must specify one class ID to restore."
    )
    assert cls.error("restoreclassbackup", data1="") == "wrong or empty backup year in data1 ()"
    restored = cls.ok("restoreclassbackup", data1="2026")
    assert restored["message"] == "This class has successfully been restored."
    assert cls.ok("checkclass")["message"] == "Class exists"
    assert cls.error("listclasses") == "there is no class allowed for this server"  # not re-indexed yet
    cls.ok("modclass", data1="description=Restored")
    assert cls.ok("listclasses")["classes_list"] == [{"qclass": cls.qclass}]
    assert (
        cls.error("restoreclassbackup", data1="2026")
        == f"No backup available for class {cls.qclass} on year 2026."
    )
