"""Typed results of the adm/raw jobs the bridge uses.

WIMS's JSON is loosely typed: counts come as `"3"` or `3`, an empty list as `[""]` or `""`,
dates as `yyyymmdd` text or integers. Each `parse_*` function turns one OK reply into a frozen
dataclass of clean Python values; `raw` keeps the reply as WIMS sent it.
"""

from __future__ import annotations

import datetime
import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Raw = Mapping[str, Any]


class ItemStatus(enum.IntEnum):
    """Status of a sheet or an exam. WIMS also stores 4 for exams; it reads as pending."""

    PENDING = 0
    ACTIVE = 1
    EXPIRED = 2
    EXPIRED_HIDDEN = 3

    @classmethod
    def parse(cls, value: object) -> ItemStatus:
        number = to_int(value)
        return cls(number) if number in (0, 1, 2, 3) else cls.PENDING


# --- scalar helpers ------------------------------------------------------------------------


def to_int(value: object, default: int | None = None) -> int | None:
    """`3`, `"3"`, `3.0` → 3; empty or non-numeric → `default`."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        return default
    return int(number) if math.isfinite(number) and number.is_integer() else default


def to_float(value: object, default: float = 0.0) -> float:
    """`10`, `"2.5"` → float; `""` → `default`; WIMS's `"NaN"` stays NaN."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return default


def to_date(value: object) -> datetime.date | None:
    """`20271122` or `"20271122"` → a date; anything else (WIMS stores `tomorrow` unchecked) → None."""
    text = str(value).strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return datetime.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def to_str_list(value: object) -> tuple[str, ...]:
    """A WIMS list: `["a","b"]`, `[""]` (empty), `""` (empty) or `"a,b"`."""
    if value is None or value == "":
        return ()
    items: Iterable[object] = value if isinstance(value, list) else str(value).split(",")
    return tuple(str(item).strip() for item in items if str(item).strip() != "")


def to_floats(value: object) -> tuple[float, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(to_float(item) for item in value)


def _text(raw: Raw, key: str) -> str:
    value = raw.get(key, "")
    return "" if value is None else str(value)


def split_title_item(item: str) -> tuple[int | None, str, ItemStatus]:
    """`"id:title:status"` of listsheets/listexams. WIMS writes a `:` of the title as `&#8282;`."""
    head, _, rest = item.partition(":")
    title, _, status = rest.rpartition(":")
    return to_int(head), title.replace("&#8282;", ":"), ItemStatus.parse(status)


def join_title_items(items: list[str], ids: tuple[str, ...]) -> list[str]:
    """Undo WIMS's split of `"id:title:status"` items at each `,` of a title.

    A new item starts only where the next expected id (from sheetlist/examlist) starts it.
    """
    joined: list[str] = []
    for item in items:
        next_id = ids[len(joined)] if len(joined) < len(ids) else None
        if joined and (next_id is None or not item.startswith(f"{next_id}:")):
            joined[-1] += "," + item
        else:
            joined.append(item)
    return joined


# --- identification and time ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckIdent:
    message: str
    raw: Raw = field(repr=False)


def parse_checkident(raw: Raw) -> CheckIdent:
    return CheckIdent(message=_text(raw, "message"), raw=raw)


@dataclass(frozen=True)
class ServerTime:
    """WIMS's local time (no time zone is given)."""

    server_time: datetime.datetime | None
    raw: Raw = field(repr=False)


def parse_gettime(raw: Raw) -> ServerTime:
    try:
        moment = datetime.datetime.strptime(_text(raw, "server_time"), "%Y%m%d.%H:%M:%S")
    except ValueError:
        moment = None
    return ServerTime(server_time=moment, raw=raw)


# --- classes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A reply that only says it worked (checkclass, checkuser, modclass)."""

    message: str
    raw: Raw = field(repr=False)


def parse_message(raw: Raw) -> Message:
    return Message(message=_text(raw, "message"), raw=raw)


@dataclass(frozen=True)
class CheckClass:
    qclass: str
    message: str
    raw: Raw = field(repr=False)


def parse_checkclass(raw: Raw) -> CheckClass:
    return CheckClass(qclass=_text(raw, "qclass"), message=_text(raw, "message"), raw=raw)


@dataclass(frozen=True)
class AddClass:
    class_id: str
    message: str
    raw: Raw = field(repr=False)


def parse_addclass(raw: Raw) -> AddClass:
    return AddClass(class_id=_text(raw, "class_id"), message=_text(raw, "message"), raw=raw)


@dataclass(frozen=True)
class ClassInfo:
    """getclass; with `option`, the fields not asked for are empty/None."""

    query_class: str
    rclass: str
    description: str
    institution: str
    supervisor: str
    email: str
    lang: str
    level: str
    expiration: datetime.date | None
    creation: datetime.date | None
    limit: int | None
    userlist: tuple[str, ...]
    usercount: int | None
    sheetcount: int | None
    examcount: int | None
    connections: tuple[str, ...]
    raw: Raw = field(repr=False)


def parse_getclass(raw: Raw) -> ClassInfo:
    return ClassInfo(
        query_class=_text(raw, "query_class"),
        rclass=_text(raw, "rclass"),
        description=_text(raw, "description"),
        institution=_text(raw, "institution"),
        supervisor=_text(raw, "supervisor"),
        email=_text(raw, "email"),
        lang=_text(raw, "lang"),
        level=_text(raw, "level"),
        expiration=to_date(raw.get("expiration", "")),
        creation=to_date(raw.get("creation", "")),
        limit=to_int(raw.get("limit")),
        userlist=to_str_list(raw.get("userlist")),
        usercount=to_int(raw.get("usercount")),
        sheetcount=to_int(raw.get("sheetcount")),
        examcount=to_int(raw.get("examcount")),
        # "+lti/RCLASS+  " → ("lti/RCLASS",)
        connections=tuple(c for c in _text(raw, "connections").replace("+", " ").split() if c),
        raw=raw,
    )


# --- users ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddUser:
    user_id: str
    message: str
    raw: Raw = field(repr=False)


def parse_adduser(raw: Raw) -> AddUser:
    return AddUser(user_id=_text(raw, "user_id"), message=_text(raw, "message"), raw=raw)


@dataclass(frozen=True)
class UserInfo:
    """getuser. Names come back as the Latin-1 text WIMS stored."""

    query_class: str
    login: str
    firstname: str
    lastname: str
    email: str
    comments: str
    regnum: str
    external_auth: str
    agreecgu: str
    regprops: tuple[str, str, str, str, str]
    raw: Raw = field(repr=False)


def parse_getuser(raw: Raw) -> UserInfo:
    return UserInfo(
        query_class=_text(raw, "query_class"),
        login=_text(raw, "queryuser"),
        firstname=_text(raw, "firstname"),
        lastname=_text(raw, "lastname"),
        email=_text(raw, "email"),
        comments=_text(raw, "comments"),
        regnum=_text(raw, "regnum"),
        external_auth=_text(raw, "external_auth"),
        agreecgu=_text(raw, "agreecgu"),
        regprops=tuple(_text(raw, f"regprop{i}") for i in range(1, 6)),  # type: ignore[arg-type]
        raw=raw,
    )


@dataclass(frozen=True)
class ModUser:
    message: str
    nb_modifs: int
    raw: Raw = field(repr=False)


def parse_moduser(raw: Raw) -> ModUser:
    return ModUser(message=_text(raw, "message"), nb_modifs=to_int(raw.get("nb_modifs"), 0) or 0, raw=raw)


@dataclass(frozen=True)
class UserChange:
    """deluser / recuser."""

    qclass: str
    quser: str
    message: str
    raw: Raw = field(repr=False)


def parse_userchange(raw: Raw) -> UserChange:
    return UserChange(
        qclass=_text(raw, "qclass"), quser=_text(raw, "quser"), message=_text(raw, "message"), raw=raw
    )


@dataclass(frozen=True)
class AuthUser:
    wims_session: str
    home_url: str
    user: str
    class_id: str
    remote_addr: str
    raw: Raw = field(repr=False)


def parse_authuser(raw: Raw) -> AuthUser:
    return AuthUser(
        wims_session=_text(raw, "wims_session"),
        home_url=_text(raw, "home_url"),
        user=_text(raw, "user"),
        class_id=_text(raw, "class_id"),
        remote_addr=_text(raw, "remote_addr"),
        raw=raw,
    )


# --- sheets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSummary:
    """One sheet of listsheets or one exam of listexams."""

    id: int
    title: str
    status: ItemStatus
    expiration: datetime.date | None


def _summaries(titles: object, expirations: object, ids: object) -> tuple[ItemSummary, ...]:
    dates = expirations if isinstance(expirations, list) else []
    raw_items = [str(item) for item in titles if str(item) != ""] if isinstance(titles, list) else []
    out = []
    for index, item in enumerate(join_title_items(raw_items, to_str_list(ids))):
        item_id, title, status = split_title_item(item)
        if item_id is None:
            continue
        expiration = to_date(dates[index]) if index < len(dates) else None
        out.append(ItemSummary(id=item_id, title=title, status=status, expiration=expiration))
    return tuple(out)


@dataclass(frozen=True)
class SheetList:
    query_class: str
    sheets: tuple[ItemSummary, ...]
    raw: Raw = field(repr=False)


def parse_listsheets(raw: Raw) -> SheetList:
    return SheetList(
        query_class=_text(raw, "query_class"),
        sheets=_summaries(raw.get("sheettitlelist"), raw.get("expirations"), raw.get("sheetlist")),
        raw=raw,
    )


@dataclass(frozen=True)
class SheetExercise:
    module: str
    title: str
    params: str
    points: int | None
    weight: float
    description: str


@dataclass(frozen=True)
class SheetInfo:
    """getsheet. WIMS splits `sheet_title`/`sheet_description` at a `,` of the title."""

    query_class: str
    sheet_id: int | None
    status: ItemStatus
    expiration: datetime.date | None
    title: str
    description: str
    exercises: tuple[SheetExercise, ...]
    raw: Raw = field(repr=False)


def parse_getsheet(raw: Raw) -> SheetInfo:
    exolist = raw.get("exolist")
    exercises = tuple(
        SheetExercise(
            module=_text(exo, "module"),
            title=_text(exo, "title"),
            params=_text(exo, "params"),
            points=to_int(exo.get("points")),
            weight=to_float(exo.get("weight"), 1.0),
            description=_text(exo, "description"),
        )
        for exo in (exolist if isinstance(exolist, list) else [])
        if isinstance(exo, dict)
    )
    return SheetInfo(
        query_class=_text(raw, "query_class"),
        sheet_id=to_int(raw.get("query_sheet")),
        status=ItemStatus.parse(raw.get("sheet_status")),
        expiration=to_date(raw.get("sheet_expiration", "")),
        title=_text(raw, "sheet_title"),
        description=_text(raw, "sheet_description"),
        exercises=exercises,
        raw=raw,
    )


@dataclass(frozen=True)
class SheetUserScore:
    """One student's line of getsheetscores. Percentages are 0-100, detail points 0-10."""

    login: str
    first_name: str
    last_name: str
    user_percent: float
    user_quality: float
    user_level: float
    user_best: float
    got_detail: tuple[float, ...]
    mean_detail: tuple[float, ...]
    remain: tuple[float, ...]
    best_detail: tuple[float, ...]
    level_detail: tuple[float, ...]
    last_detail: tuple[float, ...]
    try_detail: tuple[float, ...]


@dataclass(frozen=True)
class SheetScores:
    query_class: str
    sheet_id: int | None
    class_scoremax: float
    requires: tuple[float, ...]
    sheet_weight: float
    user_cnt: int
    users: tuple[SheetUserScore, ...]
    raw: Raw = field(repr=False)

    def for_user(self, login: str) -> SheetUserScore | None:
        return next((user for user in self.users if user.login == login), None)


def parse_getsheetscores(raw: Raw) -> SheetScores:
    data = raw.get("data_scores")
    users = tuple(
        SheetUserScore(
            login=_text(item, "id"),
            first_name=_text(item, "first_name"),
            last_name=_text(item, "last_name"),
            user_percent=to_float(item.get("user_percent")),
            user_quality=to_float(item.get("user_quality")),
            user_level=to_float(item.get("user_level")),
            user_best=to_float(item.get("user_best")),
            got_detail=to_floats(item.get("got_detail")),
            mean_detail=to_floats(item.get("mean_detail")),
            remain=to_floats(item.get("remain")),
            best_detail=to_floats(item.get("best_detail")),
            level_detail=to_floats(item.get("level_detail")),
            last_detail=to_floats(item.get("last_detail")),
            try_detail=to_floats(item.get("try_detail")),
        )
        for item in (data if isinstance(data, list) else [])
        if isinstance(item, dict)
    )
    return SheetScores(
        query_class=_text(raw, "query_class"),
        sheet_id=to_int(raw.get("query_sheet")),
        class_scoremax=to_float(raw.get("class_scoremax"), 10.0),
        requires=to_floats(raw.get("requires")),
        sheet_weight=to_float(raw.get("sheet_weight"), 1.0),
        user_cnt=to_int(raw.get("user_cnt"), 0) or 0,
        users=users,
        raw=raw,
    )


# --- exams ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamList:
    query_class: str
    exams: tuple[ItemSummary, ...]
    raw: Raw = field(repr=False)


def parse_listexams(raw: Raw) -> ExamList:
    return ExamList(
        query_class=_text(raw, "query_class"),
        exams=_summaries(raw.get("examtitlelist"), raw.get("expirations"), raw.get("examlist")),
        raw=raw,
    )


@dataclass(frozen=True)
class ExamInfo:
    """getexam. `exam_properties` is ignored: its commas are not escaped."""

    query_class: str
    exam_id: int | None
    status: ItemStatus
    expiration: datetime.date | None
    duration: int | None
    attempts: int | None
    title: str
    description: str
    opening: str
    cut_hours: tuple[str, ...]
    exercise_count: int
    raw: Raw = field(repr=False)


def parse_getexam(raw: Raw) -> ExamInfo:
    return ExamInfo(
        query_class=_text(raw, "query_class"),
        exam_id=to_int(raw.get("query_exam")),
        status=ItemStatus.parse(raw.get("exam_status")),
        expiration=to_date(raw.get("exam_expiration", "")),
        duration=to_int(raw.get("exam_duration")),
        attempts=to_int(raw.get("exam_attempts")),
        title=_text(raw, "exam_title"),
        description=_text(raw, "exam_description"),
        opening=_text(raw, "exam_opening"),
        cut_hours=tuple(_text(raw, "exam_cut_hours").split()),
        exercise_count=to_int(raw.get("exocnt"), 0) or 0,
        raw=raw,
    )


@dataclass(frozen=True)
class ExamUserScore:
    """`score` is the best session, on the 0-10 scale; `attempts` the sessions started."""

    login: str
    first_name: str
    last_name: str
    score: float
    attempts: int


@dataclass(frozen=True)
class ExamScores:
    query_class: str
    exam_id: int | None
    class_scoremax: float
    class_user_cnt: int
    user_cnt: int
    score_max: float
    score_mean: float
    users: tuple[ExamUserScore, ...]
    raw: Raw = field(repr=False)

    def for_user(self, login: str) -> ExamUserScore | None:
        return next((user for user in self.users if user.login == login), None)


def parse_getexamscores(raw: Raw) -> ExamScores:
    data = raw.get("data_scores")  # "" when nobody has worked
    users = tuple(
        ExamUserScore(
            login=_text(item, "id"),
            first_name=_text(item, "first_name"),
            last_name=_text(item, "last_name"),
            score=to_float(item.get("score")),
            attempts=to_int(item.get("attempts"), 0) or 0,
        )
        for item in (data if isinstance(data, list) else [])
        if isinstance(item, dict)
    )
    return ExamScores(
        query_class=_text(raw, "query_class"),
        exam_id=to_int(raw.get("query_exam")),
        class_scoremax=to_float(raw.get("class_scoremax"), 10.0),
        class_user_cnt=to_int(raw.get("class_user_cnt"), 0) or 0,
        user_cnt=to_int(raw.get("user_cnt"), 0) or 0,
        score_max=to_float(raw.get("score_max")),
        score_mean=to_float(raw.get("score_mean")),
        users=users,
        raw=raw,
    )


# --- getscore ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSheetScore:
    """One sheet in getscore; `percent, quality, level, best` are WIMS's `sheet_summaries`."""

    percent: float
    quality: float
    level: float
    best: float
    weights: tuple[float, ...]
    require_points: tuple[float, ...]
    got_points: tuple[float, ...]


@dataclass(frozen=True)
class UserScores:
    """getscore. WIMS nests one list per sheet, or flattens them with `qsheet`: both give `sheets`."""

    query_class: str
    query_user: str
    query_sheet: int | None
    score_max: float
    sheets: tuple[UserSheetScore, ...]
    exam_best: tuple[float, ...]
    exam_attempts: tuple[tuple[int, ...], ...]
    raw: Raw = field(repr=False)


def _nested(value: object, flat: bool) -> list[list[object]]:
    if not isinstance(value, list):
        return []
    if flat:
        return [value]
    return [item if isinstance(item, list) else [] for item in value]


def parse_getscore(raw: Raw) -> UserScores:
    flat = str(raw.get("query_sheet", "")).strip() != ""
    summaries = _nested(raw.get("sheet_summaries"), flat)
    weights = _nested(raw.get("weights"), flat)
    requires = _nested(raw.get("require_points"), flat)
    got = _nested(raw.get("got_points"), flat)
    sheets = []
    for index, summary in enumerate(summaries):
        numbers = [to_float(v) for v in summary] + [0.0] * (4 - len(summary))
        sheets.append(
            UserSheetScore(
                percent=numbers[0],
                quality=numbers[1],
                level=numbers[2],
                best=numbers[3],
                weights=to_floats(weights[index] if index < len(weights) else []),
                require_points=to_floats(requires[index] if index < len(requires) else []),
                got_points=to_floats(got[index] if index < len(got) else []),
            )
        )
    exam_rows = raw.get("exam_scores")
    rows = [row for row in exam_rows if isinstance(row, list)] if isinstance(exam_rows, list) else []
    return UserScores(
        query_class=_text(raw, "query_class"),
        query_user=_text(raw, "query_user"),
        query_sheet=to_int(raw.get("query_sheet")),
        score_max=to_float(raw.get("score_max"), 10.0),
        sheets=tuple(sheets),
        exam_best=to_floats(rows[0]) if rows else (),
        exam_attempts=tuple(tuple(to_int(v, 0) or 0 for v in row) for row in rows[1:]),
        raw=raw,
    )


# --- getlog --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogEntry:
    """One line of a user's activity log (getlog). `when` is WIMS's local time; exam lines (`option=exams`)
    are written `E<date>` by WIMS. `command` is `new` (an exercise opened) or `score` (an answer scored)."""

    when: datetime.datetime
    exam: bool
    session: str
    item: int | None  # the sheet or exam number
    exercise: str
    command: str
    score: float | None  # `score` lines only


@dataclass(frozen=True)
class UserLog:
    query_class: str
    query_user: str
    entries: tuple[LogEntry, ...]
    raw: Raw = field(repr=False)


def _log_entry(line: object) -> LogEntry | None:
    if not isinstance(line, list) or len(line) < 5:
        return None
    stamp = str(line[0]).strip()
    exam = stamp.startswith("E")
    try:
        when = datetime.datetime.strptime(stamp.removeprefix("E"), "%Y%m%d.%H:%M:%S")
    except ValueError:
        return None
    command = str(line[4]).strip()
    score = to_float(line[5], math.nan) if command == "score" and len(line) > 5 else math.nan
    return LogEntry(
        when=when,
        exam=exam,
        session=str(line[1]).strip(),
        item=to_int(line[2]),
        exercise=str(line[3]).strip(),
        command=command,
        score=None if math.isnan(score) else score,
    )


def parse_getlog(raw: Raw) -> UserLog:
    """getlog: `user_log` is a list of lines (lists of words), or `""` when the user has none."""
    lines = raw.get("user_log")
    entries = [_log_entry(line) for line in (lines if isinstance(lines, list) else [])]
    return UserLog(
        query_class=_text(raw, "query_class"),
        query_user=_text(raw, "query_user"),
        entries=tuple(entry for entry in entries if entry is not None),
        raw=raw,
    )


# --- backups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassBackups:
    """listclassbackups: year → restorable class ids (WIMS's mislabelled `"2026/ID"` items fixed)."""

    qclass: str
    total: int
    restorable: Mapping[int, tuple[str, ...]]
    raw: Raw = field(repr=False)

    def years_for(self, qclass: str) -> tuple[int, ...]:
        return tuple(sorted(year for year, ids in self.restorable.items() if qclass in ids))


def parse_listclassbackups(raw: Raw) -> ClassBackups:
    by_year: dict[int, list[str]] = {}
    restorable = raw.get("restorable")
    for label, ids in restorable.items() if isinstance(restorable, dict) else []:
        for item in to_str_list(ids) if isinstance(ids, list) else ():
            year_text, _, class_id = item.rpartition("/")
            year = to_int(year_text or label)
            if year is not None and class_id and class_id not in by_year.setdefault(year, []):
                by_year[year].append(class_id)
    return ClassBackups(
        qclass=_text(raw, "qclass"),
        total=to_int(raw.get("total"), 0) or 0,
        restorable={year: tuple(ids) for year, ids in sorted(by_year.items())},
        raw=raw,
    )


@dataclass(frozen=True)
class RestoredClass:
    qclass: str
    message: str
    new_expiration: datetime.date | None
    raw: Raw = field(repr=False)


def parse_restoreclassbackup(raw: Raw) -> RestoredClass:
    return RestoredClass(
        qclass=_text(raw, "qclass"),
        message=_text(raw, "message"),
        new_expiration=to_date(raw.get("new_expiration", "")),
        raw=raw,
    )
