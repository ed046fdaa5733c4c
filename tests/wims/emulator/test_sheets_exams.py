"""Exercises, sheets and exams: shapes, types and the rules of 4.29a."""

from __future__ import annotations

from .conftest import OEF, Emu

PUTEXO = "module=classes/en\nparams=exo=addition&qnum=1\npoints=10\nweight=1\ntitle=Addition"


def test_exercises(cls: Emu) -> None:
    assert cls.ok("listexos")["exotitlelist"] == [{"id": ""}]
    reply = cls.ok("addexo", qexo="addition", data1=OEF)
    assert reply["compilation_result"] == "src/addition.oef.. -> def/addition.def"
    listed = cls.ok("listexos")
    assert (listed["exocount"], listed["exotitlelist"]) == (1, [{"id": "addition", "title": "Addition"}])
    assert cls.error("addexo", data1=OEF) == "undefined qexo"
    assert cls.error("addexo", qexo="bad", data1="\\title{Bad}") == "COMPILATION ERROR No statement defined."
    assert cls.raw("addexo", qclass=cls.qclass, rclass="rc1", qexo="x", data1="\\title{Bad").status == 450
    assert cls.raw("testexo", data1=OEF).json()["message"] == "exercice  successfully compiled"


def test_sheet_lifecycle_and_types(cls: Emu) -> None:
    empty = cls.ok("listsheets")
    assert (empty["sheetlist"], empty["sheettitlelist"], empty["expirations"]) == ([""], [""], [])
    added = cls.ok("addsheet", data1="title=S1\ndescription=one\nexpiration=20991231")
    assert (added["sheet_id"], added["sheet_count"]) == (1, 1)
    put = cls.ok("putexo", qsheet="1", data1=PUTEXO)
    assert (put["querysheet"], put["exo_count"], put["exo_module"]) == ("1", 1, "classes/en")
    pending = cls.ok("getsheet", qsheet="1")
    assert pending["query_sheet"] == "1" and pending["exo_cnt"] == "1"
    assert pending["sheet_properties"] == "0,20991231,S1,one,,"
    assert pending["exolist"] == [
        {
            "module": "classes/en",
            "title": "Addition",
            "params": "exo=addition&qnum=1",
            "points": "10",
            "weight": "1",
            "description": "",
        }
    ]
    assert cls.error("getsheetscores", qsheet="1") == "Sheet #1 must be active"
    assert cls.error("modsheet", qsheet="1", data1="sheetmode=1") == "nothing done"
    assert cls.error("modsheet", qsheet="1", data1="status=5") == "bad status (5)"
    done = cls.ok("modsheet", qsheet="1", data1="status=1\nfoo=bar")
    assert (done["changes_requested"], done["changes_done"], done["message"]) == (
        2,
        1,
        "1 modifications done on sheet 1.",
    )
    assert cls.error("putexo", qsheet="1", data1=PUTEXO) == "sheet mustn't be active"
    listed = cls.ok("listsheets")
    assert listed["sheettitlelist"] == ["1:S1:1"] and listed["expirations"] == [20991231]
    assert (listed["nbsheet"], listed["hidden_sheets"], listed["not_hidden_sheets"]) == ("1", "0", "1")


def test_sheet_rules_and_ids(cls: Emu) -> None:
    cls.ok("addsheet")
    default = cls.ok("getsheet", qsheet="1")
    assert default["sheet_title"] == "Feuille d'exercices #1" and default["sheet_status"] == "0"
    assert cls.error("modsheet", qsheet="1", data1="status=1") == "you can't active an empty sheet"
    assert cls.error("putexo", qsheet="1", data1="params=exo=x") == "incomplete data sh_module"
    assert (
        cls.error("getsheet", qsheet="99")
        == f"element #99 of type sheet does not exist in this class ({cls.qclass})"
    )
    assert cls.error("checksheet") == "undefined query id for type sheet"
    assert cls.ok("checksheet", qsheet="abc")["message"] == "sheet abc exists"
    assert cls.ok("getsheet", qsheet="0")["sheet_properties"] == ","
    assert cls.ok("addsheet", data1="sheetmode=1")["sheet_id"] == 2  # addsheet does honour sheetmode
    assert cls.ok("getsheet", qsheet="-1")["sheet_status"] == "1"


def test_exam_lifecycle(cls: Emu) -> None:
    empty = cls.ok("listexams")
    assert (empty["nbexam"], empty["examlist"], empty["examtitlelist"], empty["expirations"]) == (
        "0",
        [""],
        [""],
        [],
    )
    added = cls.ok("addexam", data1="title=Final\nduration=30\nattempts=2\nstatus=1\nexpiration=20991231")
    assert (added["exam_id"], added["exam_count"], added["message"]) == (1, 1, "exam #1 correctly added")
    cls.ok("addexam", data1="attempts=0\nduration=abc")
    default = cls.ok("getexam", qexam="2")
    assert default["exam_title"] == "Examen #2" and default["exam_attempts"] == "1"
    assert default["exam_description"] == "Vous &ecirc;tes dans l'examen 2."
    assert default["exam_properties"].startswith(",0,") and default["exam_properties"].endswith(",,,")
    exam = cls.ok("getexam", qexam="1", option="title")
    assert (exam["exam_status"], exam["exam_duration"], exam["exocnt"], exam["exolist"]) == (
        "0",
        "30",
        "0",
        "",
    )
    assert cls.ok("getexam", qexam="abc")["exam_properties"] == ",,,"
    assert cls.error("getexam", qexam="1.5") == "undefined query id for type exam"
    assert (
        cls.error("modexam", qexam="1", data1="status=1")
        == "Empty Exam. You can't active an exam with no exercice !"
    )
    assert cls.error("modexam", qexam="1", data1="duration=20") == "nothing done"
    cls.add_active_sheet(exos=2)
    assert cls.error("linksheet", qsheet="1") == "undefined query id for type exam"
    linked = cls.ok("linksheet", qsheet="1", qexam="1")
    assert (
        linked["message"] == "2 exercice(s) correctly added in exam #1 from sheet #1"
        and linked["exo_count"] == 2
    )
    assert cls.ok("listlinks", qsheet="1", qexam="1")["listlinks"] == ["1.1", "1.2"]
    assert cls.ok("getexam", qexam="1")["exotitlelist"] == "1:Exo 1,2:Exo 2"
    modified = cls.ok("modexam", qexam="1", data1="status=1\nduration_and_attempts=20 3")
    assert (modified["queryexam"], modified["nb_modifs"]) == ("1", "2")
    # the record is rewritten with lines 1-5 only (the 4.29a update.proc bug): one empty field less
    assert (
        cls.ok("getexam", qexam="1")["exam_properties"]
        == ",1,20991231,20 3,Final,Vous &ecirc;tes dans l'examen 1.,,"
    )
    assert cls.error("modexam", qexam="1", data1="status=0") == "bad status. You can't deactive an exam."
    assert cls.error("linksheet", qsheet="1", qexam="1") == "exam 1 mustn't be active"
    assert cls.error("delexam", qexam="1") == "Exam #1 has been activated."
    assert cls.ok("listexams")["examtitlelist"] == ["1:Final:1", "2:Examen #2:0"]


def test_delexam_renumbers_and_refuses_after_a_later_activation(cls: Emu) -> None:
    cls.add_active_sheet()
    for title in ("One", "Two", "Three"):
        cls.ok("addexam", data1=f"title={title}")
    cls.ok("linksheet", qsheet="1", qexam="3")
    cls.ok("modexam", qexam="3", data1="status=1")
    assert (
        cls.error("delexam", qexam="2")
        == "This Exam can't be deleted : A more recent exam (#3) has been activated."
    )
    cls.ok("modexam", qexam="3", data1="status=4")
    assert cls.error("linksheet", qsheet="9", qexam="1") == (
        f"element #9 of type sheet does not exist in this class ({cls.qclass})"
    )
    cls.ok("addexam", data1="title=Four")
    reply = cls.ok("delexam", qexam="4")
    assert (reply["message"], reply["exam_count"]) == (f"Exam #4 of class {cls.qclass} correctly deleted", 3)


def test_linksheet_needs_an_active_sheet(cls: Emu) -> None:
    cls.ok("addsheet")
    cls.ok("addexam")
    assert cls.error("linksheet", qsheet="1", qexam="1") == "sheet 1 must be active"
    assert cls.error("linksheet", qsheet="abc", qexam="1") == "sheet abc must be active"
