"""`WimsEmulator`: the state of a fake WIMS 4.29a and its request dispatcher (no HTTP here)."""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Sequence

from . import messages, pages
from .jobs import JOBS, Job, JobError
from .params import first_unbalanced
from .scores import work_for_percent, work_for_points
from .state import ExamWork, Session, User, WimsClass

DEFAULT_BASE_URL = "http://127.0.0.1/wims/wims.cgi"
DEFAULT_EXERCISE_NOTE = (
    "This is the WIMS emulator: it shows sheets but runs no exercise. A score is recorded through its "
    "test API (set_sheet_score, or POST /_emulator/scores)."
)

# A user record holding a value that starts with `!` cannot be read by WIMS (`not_trusted`, HTTP 550),
# as on the real 4.29a: jobs reading that user's record fail; jobs reading every record (the score
# tables, getcsv) fail for the whole class; jobs rebuilding the class's user list (mkuserlist) fail
# after doing their work (adduser has added the user, deluser has moved it to the trash).
_READS_OWN_RECORD = frozenset({"getuser", "authuser", "moduser", "getscore", "getlog"})
_READS_ALL_RECORDS = frozenset({"getsheetscores", "getexamscores", "getcsv"})
_REBUILDS_USER_LIST = frozenset({"adduser", "moduser", "deluser", "recuser", "putcsv"})
_SESSION_CHARS = string.ascii_uppercase + string.digits


def agent_word(user_agent: str) -> str:
    """WIMS cuts the User-Agent at `./,;` and keeps the first word."""
    for sep in "./,;":
        user_agent = user_agent.split(sep, 1)[0]
    words = user_agent.split()
    return words[0] if words else ""


class WimsEmulator:
    """An in-memory WIMS 4.29a answering adm/raw and a few student/teacher pages.

    Every request runs under one lock, so the state is consistent under concurrent calls.
    """

    def __init__(
        self,
        ident: str,
        passwd: str,
        agent: str = "python-requests",
        allowed_ips: Sequence[str] = ("127.0.0.1",),
        base_url: str = DEFAULT_BASE_URL,
        *,
        protocol: str = "http",
        ident_type: str = "json",
        allow_jobs: Sequence[str] = (),
        deny_jobs: Sequence[str] = (),
    ) -> None:
        self.ident = ident
        self.passwd = passwd
        # The lines of the ident's connection file (`.connections/IDENT`) that the real WIMS checks, in
        # the order of its adm/raw `var.check`: ident_allow/ident_deny, ident_type and ident_password,
        # ident_site (`allowed_ips`), ident_agent (`agent`), ident_protocol (`protocol`).
        self.agent = agent
        self.allowed_ips = tuple(allowed_ips)
        self.protocol = protocol
        self.ident_type = ident_type
        self.allow_jobs = tuple(allow_jobs)
        self.deny_jobs = tuple(deny_jobs)
        # The emulator's exercise pages run no exercise; this note (e.g. the demo's "how to score")
        # tells who opens one what to do instead.
        self.exercise_note = DEFAULT_EXERCISE_NOTE
        self.exercise_link: tuple[str, str] | None = None  # (url, label), opened in the whole window
        self.base_url = base_url
        self.lock = threading.RLock()
        self.classes: dict[str, WimsClass] = {}
        self.backups: dict[str, dict[str, WimsClass]] = {}  # year -> class id -> class
        self.sessions: dict[str, Session] = {}
        # Every adm/raw request received, as (job, qclass, quser): tests count calls with it.
        self.request_log: list[tuple[str, str, str]] = []

    def jobs_since(self, mark: int) -> list[str]:
        """Jobs of the adm/raw requests received after `mark` (a previous `len(request_log)`)."""
        with self.lock:
            return [job for job, _, _ in self.request_log[mark:]]

    # --- state helpers used by jobs ----------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.classes.clear()
            self.backups.clear()
            self.sessions.clear()
            self.request_log.clear()

    def new_class_id(self) -> str:
        while True:
            qclass = str(secrets.randbelow(9_000_000) + 1_000_000)
            if qclass not in self.classes:
                return qclass

    def new_session(self, qclass: str, login: str, remote_addr: str) -> Session:
        while True:
            sid = "".join(secrets.choice(_SESSION_CHARS) for _ in range(10))
            if sid not in self.sessions:
                break
        session = Session(sid, qclass, login, remote_addr)
        self.sessions[sid] = session
        return session

    # --- test hooks --------------------------------------------------------------------------
    def _user(self, qclass: str, quser: str) -> tuple[WimsClass, User]:
        cls = self.classes[str(qclass)]
        user = cls.users.get(quser) or cls.trash.get(quser)
        if user is None:
            raise KeyError(f"user {quser} not in class {qclass}")
        return cls, user

    def set_sheet_score(
        self,
        qclass: str | int,
        qsheet: int,
        quser: str,
        *,
        percent: float | None = None,
        points: Sequence[float] | None = None,
        quality: float | None = None,
        tries: int = 1,
    ) -> None:
        """Record work on a sheet, as if the student had answered its exercises.

        Give either `percent` (the same share of every exercise's required points) or `points`
        (one value per exercise). `quality` (0-10) defaults to the success rate of each exercise.
        """
        with self.lock:
            cls, user = self._user(str(qclass), quser)
            sheet = cls.sheets[int(qsheet) - 1]
            if points is not None:
                if len(points) != len(sheet.exos):
                    raise ValueError(f"sheet {qsheet} has {len(sheet.exos)} exercises")
                user.sheet_work[int(qsheet)] = work_for_points(sheet, list(points), tries, quality)
            elif percent is not None:
                user.sheet_work[int(qsheet)] = work_for_percent(sheet, percent, tries, quality)
            else:
                raise ValueError("give percent or points")

    def set_exam_score(
        self, qclass: str | int, qexam: int, quser: str, score: float, attempts: int = 1
    ) -> None:
        """Record an exam result: `score` is the best session on 0-10, `attempts` the sessions started."""
        with self.lock:
            cls, user = self._user(str(qclass), quser)
            if not 1 <= int(qexam) <= len(cls.exams):
                raise KeyError(f"exam {qexam} not in class {qclass}")
            user.exam_work[int(qexam)] = ExamWork(score, attempts)

    def archive_class(self, qclass: str | int, year: str) -> None:
        """What housekeep.daily does to an expired class: move it to the backups of `year`."""
        with self.lock:
            cls = self.classes.pop(str(qclass))
            self.backups.setdefault(str(year), {})[cls.qclass] = cls

    # --- requests ----------------------------------------------------------------------------
    def handle(
        self,
        params: dict[str, str],
        *,
        remote_addr: str,
        user_agent: str,
        base_url: str | None = None,
    ) -> messages.Reply:
        """Answer one request to wims.cgi: `(http_status, content_type, body)`."""
        base = base_url or self.base_url
        with self.lock:
            if first_unbalanced(params) is not None:
                return pages.unmatched_parentheses(params)
            if params.get("module", "") == "adm/raw":
                self.request_log.append(
                    (params.get("job", ""), params.get("qclass", ""), params.get("quser", ""))
                )
                return self._raw(params, remote_addr, user_agent, base)
            return pages.render(self, params, base)

    def _raw(
        self, params: dict[str, str], remote_addr: str, user_agent: str, base_url: str
    ) -> messages.Reply:
        code = params.get("code", "")
        if not code:
            return messages.text_error("random code not defined")
        ident = params.get("ident", "")
        if not ident:
            return messages.text_error("identification failure")
        # An unknown ident has no connection file, hence no ident_type: WIMS answers in plain text.
        ident_type = self.ident_type if ident == self.ident else ""
        name = params.get("job", "")
        if (self.allow_jobs and name not in self.allow_jobs) or name in self.deny_jobs:
            return self._error(ident_type, code, "illegal job")
        if not ident_type or params.get("passwd", "") != self.passwd:
            return self._error(ident_type, code, "Identification Failure : bad login/pwd")
        if self.allowed_ips and remote_addr not in self.allowed_ips:
            return self._error(ident_type, code, f"Identification Failure : '{remote_addr}' is a bad IP")
        if self.agent and agent_word(user_agent) != self.agent:
            return self._error(
                ident_type, code, f"Identification Failure : '{agent_word(user_agent)}' is a bad Agent"
            )
        if self.protocol == "https" and not base_url.startswith("https:"):
            return self._error(ident_type, code, "Identification Failure : bad Protocol")
        if not name:
            return pages.raw_help()
        untrusted = self._untrusted_records(params)
        quser = params.get("quser", "")
        if name in _READS_OWN_RECORD and quser in untrusted:
            return messages.not_trusted(untrusted[quser])
        if name in _READS_ALL_RECORDS and untrusted:
            return messages.not_trusted(next(iter(untrusted.values())))
        handler = JOBS.get(name)
        if handler is None:
            return self._error(ident_type, code, "wrong request: no job")
        error: str | None = None
        try:
            fields = handler(Job(self, params, ident, remote_addr, base_url))
        except JobError as exc:
            fields, error = [], exc.message
        if name in _REBUILDS_USER_LIST and (untrusted := self._untrusted_records(params)):
            return messages.not_trusted(next(iter(untrusted.values())))
        if error is not None:
            return self._error(ident_type, code, error)
        if ident_type != "json":  # WIMS's old "wims" type: a status line, then the job's data lines
            return messages.text_reply(f"OK {code}\n")
        return messages.json_ok(code, name, fields)

    @staticmethod
    def _error(ident_type: str, code: str, message: str) -> messages.Reply:
        """An ERROR in the ident's output type: JSON for `ident_type=json`, plain text otherwise."""
        if ident_type == "json":
            return messages.json_error(code, message)
        return messages.text_error(message)

    def _untrusted_records(self, params: dict[str, str]) -> dict[str, str]:
        """login -> path of the class's user records holding a value that starts with `!`."""
        cls = self.classes.get(params.get("qclass", ""))
        if cls is None:
            return {}
        return {
            login: f"wimshome/log/classes/{cls.qclass}/.users/{login}"
            for login, user in sorted(cls.users.items())
            if any(str(value).lstrip(" ").startswith("!") for value in user.props.values())
        }
