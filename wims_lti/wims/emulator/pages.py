"""The few HTML pages of WIMS the bridge sends people to: the class home page behind authuser's
`home_url` (student or supervisor), a sheet, an exam, plus the error pages of wims.cgi.

Every value is HTML-escaped. Links use WIMS's own form (`?session=S.2&+lang=en&+module=...`).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from .messages import Reply, html_reply, text_reply
from .state import Exam, Sheet, User, WimsClass

if TYPE_CHECKING:
    from .emulator import WimsEmulator

VISIBLE = ("1", "2")  # statuses a student sees on the home page


def _page(title: str, body: str, status: int = 200) -> Reply:
    return html_reply(
        '<!DOCTYPE html>\n<html lang="en"><head>\n<meta charset="windows-1252">\n'
        f"<title>{escape(title)}</title>\n</head>\n<body>\n{body}\n</body></html>\n",
        status,
    )


def unmatched_parentheses(params: dict[str, str]) -> Reply:
    """wims.cgi refuses any request whose values have unbalanced ( [ {, with HTTP status 450."""
    from .params import balanced

    name = next(name for name, value in params.items() if not balanced(value))
    return _page(
        "WIMS error",
        "<h1>WIMS error</h1>\n<p>There is an error in your request to this WIMS site.</p>\n"
        "<p>We have detected unmatched parentheses in your request.</p>\n"
        f"<p>You may correct the error here: {escape(name)} = "
        f"<textarea>{escape(params[name])}</textarea></p>",
        status=450,
    )


def raw_help() -> Reply:
    return _page(
        "Protocol for WIMS direct connection with other web servers",
        "<h1>Protocol for WIMS direct connection with other web servers</h1>\n"
        "<p>WIMS direct communication with another web server is two-directional.</p>",
    )


def _link(base: str, sid: str, **params: str) -> str:
    query = "".join(f"&+{name}={quote(value, safe='')}" for name, value in params.items())
    return escape(f"{base}?session={sid}.2&+lang=en{query}")


def home_page(note: str = "") -> Reply:
    """WIMS's public home page, shown for an unknown or expired session."""
    return _page(
        "WIMS",
        "<h1>WIMS</h1>\n<p>WWW Interactive Multipurpose Server</p>\n"
        + (f'<p class="wims_error">{escape(note)}</p>\n' if note else ""),
    )


def render(emulator: WimsEmulator, params: dict[str, str], base: str) -> Reply:
    raw_session = params.get("session", "")
    if not raw_session:
        return home_page()
    sid = raw_session.split(".", 1)[0].split("_", 1)[0]
    session = emulator.sessions.get(sid)
    if session is None:
        return home_page("Your session is invalid or has expired. Please log in again.")
    cls = emulator.classes.get(session.qclass)
    if cls is None:
        return deleted_class(session.qclass)
    user = cls.supervisor if session.login == "supervisor" else cls.users.get(session.login)
    if user is None:
        return home_page("Your session is invalid or has expired. Please log in again.")
    teacher = session.login == "supervisor"
    module = params.get("module", "")
    if params.get("cmd") == "new" and params.get("worksheet"):
        return _exercise_page(emulator, cls, user, sid, base, params["worksheet"], teacher)
    if module == "adm/sheet":
        return _sheet_page(cls, user, sid, base, params.get("sh", ""), teacher)
    if module == "adm/class/exam":
        return _exam_page(cls, user, sid, base, params.get("exam", ""), teacher)
    if teacher:
        return _supervisor_home(cls, user, sid, base)
    return _student_home(cls, user, sid, base)


def _header(cls: WimsClass, user: User, sid: str, base: str) -> str:
    return (
        f'<div id="user_links"><span>{escape(user.firstname)} {escape(user.lastname)}</span>\n'
        f'<a href="{_link(base, sid, cmd="close", module="adm/class/classes", type="participant")}">'
        "<span>Logout </span></a></div>\n"
        f'<p class="wims_institution">{escape(cls.props.get("institution", ""))}</p>\n'
        f'<h1 class="wims_title">{escape(cls.props.get("description", ""))}</h1>\n'
    )


def _student_home(cls: WimsClass, user: User, sid: str, base: str) -> Reply:
    sheets = "".join(
        f'<li><a href="{_link(base, sid, module="adm/sheet", sh=str(n))}">{escape(sheet.title)}</a></li>\n'
        for n, sheet in enumerate(cls.sheets, 1)
        if sheet.status in VISIBLE
    )
    exams = "".join(
        f'<li><a href="{_link(base, sid, module="adm/class/exam", job="student", exam=str(n))}">'
        f"{escape(exam.title)}</a></li>\n"
        for n, exam in enumerate(cls.exams, 1)
        if exam.status == "1"
    )
    body = (
        _header(cls, user, sid, base)
        + f'<p class="wims_greetings">Welcome {escape(user.firstname)} {escape(user.lastname)} !</p>\n'
        + f'<h2 id="wims_user_sheet">Worksheets</h2>\n<ul class="sheets">\n{sheets}</ul>\n'
        + f'<h2 id="wims_user_exam">Exams</h2>\n<ul class="exams">\n{exams}</ul>\n'
    )
    return _page(cls.props.get("description", ""), body)


def _supervisor_home(cls: WimsClass, user: User, sid: str, base: str) -> Reply:
    expiration = cls.props.get("expiration", "")
    expires = f"{expiration[:4]}/{expiration[4:6]}/{expiration[6:]}" if len(expiration) == 8 else expiration
    statuses = {"0": "Pending", "1": "Active", "2": "Expired", "3": "Hidden", "4": "Hidden"}

    def rows(items: Sequence[Sheet | Exam], kind: str, **link: str) -> str:
        return "".join(
            f"<tr><td>{kind} {n}</td><td>"
            f'<a href="{_link(base, sid, **{k: v.format(n=n) for k, v in link.items()})}">'
            f"{escape(item.title)}</a>"
            f"</td><td>{len(item.exos)}</td><td>{statuses.get(item.status, escape(item.status))}</td></tr>\n"
            for n, item in enumerate(items, 1)
        )

    body = (
        _header(cls, user, sid, base)
        + f"<p>Hello, {escape(user.firstname)} {escape(user.lastname)}! Welcome to the maintenance page of "
        f"your virtual class which expires {escape(expires)} .</p>\n"
        + '<table class="sheets">\n'
        + rows(cls.sheets, "Worksheet", module="adm/sheet", sh="{n}")
        + '</table>\n<table class="exams">\n'
        + rows(cls.exams, "Exam", module="adm/class/exam", job="student", exam="{n}")
        + f"</table>\n<p>Participants: {len(cls.users)}</p>\n"
    )
    return _page(cls.props.get("description", ""), body)


def _item(items: list[Sheet] | list[Exam], number: str, teacher: bool, visible: tuple[str, ...]) -> int:
    if not number.isdigit() or not 1 <= int(number) <= len(items):
        return 0
    index = int(number)
    return index if teacher or items[index - 1].status in visible else 0


def _exercise_url(base: str, sid: str, sheet: int, module: str, params: str) -> str:
    return f"{base}?session={sid}&+cmd=new&+worksheet={sheet}&+module={module}&+{params}"


def _sheet_page(cls: WimsClass, user: User, sid: str, base: str, number: str, teacher: bool) -> Reply:
    index = _item(cls.sheets, number, teacher, VISIBLE)
    if not index:
        return _page("Worksheet", _header(cls, user, sid, base) + "<p>This worksheet is not available.</p>")
    sheet = cls.sheets[index - 1]
    exos = "".join(
        f'<li><a href="{escape(_exercise_url(base, sid, index, exo.module, exo.params))}">'
        f"{escape(exo.title)}</a> Points required:{escape(exo.points)}</li>\n"
        for exo in sheet.exos
    )
    body = (
        _header(cls, user, sid, base)
        + f'<h2 class="sheet_title">{escape(sheet.title)}</h2>\n<p>Worksheet Number{index}</p>\n'
        + f"<p>{escape(sheet.description)}</p>\n<h3>Exercises</h3>\n<ol>\n{exos}</ol>\n"
    )
    return _page(sheet.title, body)


def _exercise_page(
    emulator: WimsEmulator, cls: WimsClass, user: User, sid: str, base: str, worksheet: str, teacher: bool
) -> Reply:
    """An exercise of a sheet (`cmd=new&worksheet=N`): the emulator runs none, so the page says what to
    do instead (`emulator.exercise_note`, optionally with a link out of the LMS frame)."""
    index = _item(cls.sheets, worksheet.split(".", 1)[0], teacher, VISIBLE)
    if not index:
        return _page("Worksheet", _header(cls, user, sid, base) + "<p>This worksheet is not available.</p>")
    sheet = cls.sheets[index - 1]
    link = emulator.exercise_link
    back = _link(base, sid, module="adm/sheet", sh=str(index))
    body = (
        _header(cls, user, sid, base)
        + f'<h2 class="sheet_title">{escape(sheet.title)}</h2>\n'
        + f'<p class="emulator_note" role="note"><strong>{escape(emulator.exercise_note)}</strong></p>\n'
        + (f'<p><a href="{escape(link[0])}" target="_top">{escape(link[1])}</a></p>\n' if link else "")
        + f'<p><a href="{back}">Back to the worksheet</a></p>\n'
    )
    return _page(sheet.title, body)


def _exam_page(cls: WimsClass, user: User, sid: str, base: str, number: str, teacher: bool) -> Reply:
    index = _item(cls.exams, number, teacher, ("1",))
    if not index:
        return _page("Exam", _header(cls, user, sid, base) + "<p>This exam is not available.</p>")
    exam = cls.exams[index - 1]
    exos = "".join(
        f"<li>{escape(exo.title)} &nbsp; (Weight: {escape(exo.weight)})</li>\n" for exo in exam.exos
    )
    body = (
        _header(cls, user, sid, base)
        + f'<h2 class="exam_title">{escape(exam.title)}</h2>\n'
        + f"<p>Instructions: {escape(exam.description)}</p>\n<h3>Assigned works in this exam</h3>\n"
        + f"<ul>\n{exos}</ul>\n<p>You can try this exam up to {escape(exam.attempts)} times. "
        + f"You have {escape(exam.duration)} minutes to complete this exam.</p>\n"
    )
    return _page(exam.title, body)


def deleted_class(qclass: str) -> Reply:
    """A session whose class was deleted: WIMS's module error, HTTP status 550, in plain text."""
    return text_reply(
        "ERROR.\n\nwims has detected an error in the module 'home'.\n\nIn file 'themes/standard/user.phtml', "
        f"line 12: bad_class {qclass} No such file or directory.\n",
        "text/plain; charset=windows-1252",
        550,
    )
