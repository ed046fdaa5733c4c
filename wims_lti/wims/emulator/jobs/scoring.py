"""Score jobs: getsheetscores, getsheetstats, getscore, getexamscores (shapes and types of 4.29a)."""

from __future__ import annotations

from typing import Any

from ..scores import SheetSummary, mean, requires, summarize, weights
from ..state import SCOREMAX, Sheet, User, WimsClass
from .base import Fields, Job, JobError, job

ACTIVE = ("1", "2", "3")


def _active_index(items: list[Any], index: int) -> int:
    return sum(1 for item in items[:index] if item.status in ACTIVE)


def _sheet_formula(sheet: Sheet) -> dict[str, str]:
    return {"formula": "I*Q^0.3", "I": sheet.indicator}


def _weight(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1


def _active_sheet(job: Job, cls: WimsClass) -> tuple[int, Sheet]:
    raw, index, sheet = job.sheet(cls)
    if sheet is None or sheet.status not in ACTIVE:
        raise JobError(f"Sheet #{raw} must be active")
    return index, sheet


def _summaries(cls: WimsClass, index: int, sheet: Sheet) -> list[tuple[User, SheetSummary]]:
    return [(user, summarize(user, index, sheet)) for user in cls.userlist()]


@job("getsheetscores")
def getsheetscores(job: Job) -> Fields:
    cls = job.wims_class()
    index, sheet = _active_sheet(job, cls)
    if not cls.users:
        raise JobError("There is no user in this class")
    rows = _summaries(cls, index, sheet)
    data = [
        {
            "id": user.login,
            "first_name": user.firstname,
            "last_name": user.lastname,
            "user_percent": s.percent,
            "user_quality": s.quality,
            "user_level": s.level,
            "user_best": s.best,
            "got_detail": [w.got for w in s.work],
            "mean_detail": [w.mean for w in s.work],
            "remain": s.remain,
            "best_detail": [w.best for w in s.work],
            "level_detail": [w.level for w in s.work],
            "last_detail": [w.last for w in s.work],
            "try_detail": [w.tries for w in s.work],
        }
        for user, s in rows
    ]
    return [
        ("query_sheet", index),
        ("query_class", cls.qclass),
        ("active_index", _active_index(cls.sheets, index)),
        ("requires", requires(sheet)),
        ("score_status", ""),
        ("class_scoremax", SCOREMAX),
        ("exo_weights", []),  # 4.29a calls !getscoreweight without user=: always empty
        ("sheet_mean_quality", mean([s.quality for _, s in rows])),
        ("sheet_mean_percent", mean([s.percent for _, s in rows])),
        ("sheet_max_quality", max(s.quality for _, s in rows)),
        ("sheet_max_percent", max(s.percent for _, s in rows)),
        ("sheet_weight", _weight(sheet.weight)),
        ("user_cnt", len(rows)),
        ("sheet_formula", _sheet_formula(sheet)),
        ("data_scores", data),
    ]


@job("getsheetstats")
def getsheetstats(job: Job) -> Fields:
    cls = job.wims_class()
    raw, index, sheet = job.sheet(cls)
    if sheet is None:
        raise JobError(f"Sheet #{raw} must be active")
    rows = _summaries(cls, index, sheet)
    count = len(sheet.exos)
    return [
        ("query_sheet", index),
        ("query_class", cls.qclass),
        ("class_scoremax", SCOREMAX),
        ("weights", weights(sheet)),
        ("sheet_mean_quality", mean([s.quality for _, s in rows])),
        ("sheet_mean_percent", mean([s.percent for _, s in rows])),
        ("sheet_got_details", [mean([s.work[i].got for _, s in rows]) for i in range(count)]),
        ("sheet_quality_details", [mean([s.work[i].mean for _, s in rows]) for i in range(count)]),
        ("sheet_max_quality", max((s.quality for _, s in rows), default=0)),
        ("sheet_max_percent", max((s.percent for _, s in rows), default=0)),
        ("user_cnt", len(rows)),
        ("nb_exos", count),
    ]


def _exam_scores(cls: WimsClass, user: User) -> list[list[float]]:
    """`[[best per exam], [attempts allowed, sessions used, 1] per exam]`, or `[[]]` without exams."""
    if not cls.exams:
        return [[]]
    works = [user.exam_work.get(n) for n in range(1, len(cls.exams) + 1)]
    best: list[float] = [work.score if work else 0 for work in works]
    pairs: list[list[float]] = [
        [_weight(exam.attempts), work.attempts if work else 0, 1]
        for exam, work in zip(cls.exams, works, strict=True)
    ]
    return [best, *pairs]


def _sheet_lists(user: User, index: int, sheet: Sheet) -> dict[str, list[float]]:
    s = summarize(user, index, sheet)
    return {
        "weights": weights(sheet),
        "require_points": s.required,
        "sheet_summaries": [s.percent, s.quality, s.best, s.level],
        "got_points": [w.got for w in s.work],
        "remain": s.remain,
        "best_detail": [w.best for w in s.work],
        "level_detail": [w.level for w in s.work],
        "score_qualities": [w.mean for w in s.work],
    }


@job("getscore")
def getscore(job: Job) -> Fields:
    cls = job.wims_class()
    user = job.user(cls)
    head: Fields = []
    if job.get("qsheet").strip():
        raw, index, sheet = job.sheet(cls)
        head = [("query_sheet", raw)]
        if sheet is not None and sheet.status in ACTIVE:
            lists: dict[str, Any] = _sheet_lists(user, index, sheet)
        else:
            lists = {}
        empty: list[Any] = []
    else:
        per_sheet = [
            _sheet_lists(user, n, sheet) for n, sheet in enumerate(cls.sheets, 1) if sheet.status in ACTIVE
        ]
        lists = {key: [item[key] for item in per_sheet] for key in per_sheet[0]} if per_sheet else {}
        empty = [[]]
    has_sheets = bool(lists)

    def pick(key: str) -> Any:
        return lists.get(key, empty)

    return [
        *head,
        ("query_class", cls.qclass),
        ("query_user", user.login),
        ("score_max", str(SCOREMAX) if has_sheets else ""),
        ("exam_scores", _exam_scores(cls, user)),
        ("weights", pick("weights")),
        ("require_points", pick("require_points")),
        ("sheet_summaries", pick("sheet_summaries")),
        ("got_points", pick("got_points")),
        ("remain", pick("remain")),
        ("best_detail", pick("best_detail")),
        ("level_detail", pick("level_detail")),
        ("score_status", ""),
        ("score_qualities", pick("score_qualities")),
    ]


@job("getexamscores")
def getexamscores(job: Job) -> Fields:
    cls = job.wims_class()
    raw, index, exam = job.exam(cls)
    if exam is None or exam.status not in ACTIVE:
        raise JobError(f"Exam #{raw} must be active")
    if not cls.users:
        raise JobError("There's no user in this class")
    worked = [(u, u.exam_work[index]) for u in cls.userlist() if index in u.exam_work]
    worked = [(u, w) for u, w in worked if w.attempts > 0]
    scores = [w.score for _, w in worked]
    data = [
        {
            "id": u.login,
            "first_name": u.firstname,
            "last_name": u.lastname,
            "score": w.score,
            "attempts": w.attempts,
        }
        for u, w in worked
    ]
    return [
        ("query_exam", index),
        ("query_class", cls.qclass),
        ("active_index", _active_index(cls.exams, index)),
        ("score_status", ""),
        ("class_scoremax", SCOREMAX),
        ("weights", [_weight(exo.weight) for exo in exam.exos]),
        ("class_user_cnt", len(cls.users)),
        ("user_cnt", len(worked)),
        ("score_max", max(scores, default=0)),
        ("score_mean", mean(scores)),
        ("data_scores", data or ""),
    ]
