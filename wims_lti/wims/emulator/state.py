"""The emulated server's data: classes with their users (and trash), exercises, sheets, exams,
scores and sessions. Plain data; the rules live in `jobs/` and `scores.py`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

SCOREMAX = 10  # class_scoremax of every 4.29a class
SCORECOLOR = (
    "#ffffff, #ff0000, #ff0000, #ff0000, #ffa500, #ffa500, #fff500, #d2ff00, #b9ff00, #2fc42f, #259425"
)

# Order of `getclass` (full reply), between `rclass` and the computed keys.
CLASS_FIELDS = (
    "password", "creator", "secure", "external_auth", "mixed_external_auth", "cas_auth", "php_auth",
    "authidp", "cloningpwd", "supervisor", "description", "institution", "lang", "email", "expiration",
    "limit", "topscores", "superclass", "type", "level", "parent", "typename", "bgcolor", "bgimg",
    "scorecolor", "css", "logo", "logoside", "refcolor", "ref_menucolor", "ref_button_color",
    "ref_button_bgcolor", "ref_button_help_color", "ref_button_help_bgcolor", "theme", "theme_icon",
    "sendmailteacher", "allowcloning", "", "connections", "creation",
)  # fmt: skip
# `listclasses option=all` and getclassesuser's allowed options ("low" classdefs: no password).
LOW_CLASS_FIELDS = CLASS_FIELDS[CLASS_FIELDS.index("supervisor") : CLASS_FIELDS.index("allowcloning") + 1]
COMPUTED_CLASS_FIELDS = ("userlist", "usercount", "examcount", "sheetcount")

USER_FIELDS = (
    "firstname", "lastname", "email", "comments", "regnum", "photourl", "participate", "courses",
    "classes", "supervise", "supervisable", "external_auth", "agreecgu",
    "regprop1", "regprop2", "regprop3", "regprop4", "regprop5",
)  # fmt: skip


def today() -> dt.date:
    return dt.date.today()


def yyyymmdd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def years_later(day: dt.date, years: int = 1) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def one_month_later(day: dt.date) -> dt.date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for last in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=last)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class ExoWork:
    """A user's work on one sheet exercise. `got`, `best` and `last` are points; `mean`/`level` 0-10."""

    got: float = 0
    mean: float = 0
    best: float = 0
    level: float = 0
    last: float = 0
    tries: int = 0


@dataclass
class ExamWork:
    score: float = 0  # best session, 0-10
    attempts: int = 0  # sessions started


@dataclass
class User:
    login: str
    props: dict[str, str]
    password: str = ""
    sheet_work: dict[int, list[ExoWork]] = field(default_factory=dict)
    exam_work: dict[int, ExamWork] = field(default_factory=dict)

    @property
    def firstname(self) -> str:
        return self.props.get("firstname", "")

    @property
    def lastname(self) -> str:
        return self.props.get("lastname", "")

    def sort_key(self) -> tuple[str, str, str]:
        """`.userlist` order: last name, first name, login, case-insensitively."""
        return (self.lastname.casefold(), self.firstname.casefold(), self.login.casefold())


@dataclass
class SheetExo:
    module: str
    params: str = ""
    points: str = "10"
    weight: str = "1"
    title: str = ""
    description: str = ""


@dataclass
class Sheet:
    status: str
    expiration: str
    title: str
    description: str
    weight: str = "1"
    formula: str = "2"
    indicator: str = "1"
    exos: list[SheetExo] = field(default_factory=list)


@dataclass
class ExamExo:
    weight: str
    ref: str  # "sheet.exo"
    title: str


@dataclass
class Exam:
    status: str
    expiration: str
    duration: str
    attempts: str
    title: str
    description: str
    cut_hours: str = ""
    opening: str = ""
    exos: list[ExamExo] = field(default_factory=list)
    activated: bool = False
    tail: int = 2  # empty record lines after cut_hours; modexam rewrites the record with one


@dataclass
class WimsClass:
    qclass: str
    ident: str
    rclass: str
    props: dict[str, str]
    supervisor: User
    users: dict[str, User] = field(default_factory=dict)
    trash: dict[str, User] = field(default_factory=dict)
    exercises: dict[str, str] = field(default_factory=dict)  # name -> OEF source
    sheets: list[Sheet] = field(default_factory=list)
    exams: list[Exam] = field(default_factory=list)
    indexed: bool = True  # listed by listclasses/getclassesuser

    def userlist(self) -> list[User]:
        return sorted(self.users.values(), key=User.sort_key)

    def accepts(self, ident: str, rclass: str) -> bool:
        return f"+{ident}/{rclass}+" in self.props.get("connections", "")


@dataclass
class Session:
    sid: str
    qclass: str
    login: str  # "supervisor" for the teacher
    remote_addr: str = ""
