"""The WIMS adm/raw client: the only code of the project that speaks to WIMS.

One `WimsClient` per WIMS server; it reuses one `requests.Session`. Every request is a POST of
Latin-1 form data (so the adm/raw password stays out of web-server access logs) carrying a fresh
random `code` that the reply must echo. Read-only jobs are retried on transport failures; write
jobs never are (`addclass` without `qclass` creates a new class on every call).
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections.abc import Mapping
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables

from wims_lti import __version__
from wims_lti.observability.metrics import count_wims_call

from . import identifiers as ids
from . import jobs
from . import results as res
from .budget import MIN_ATTEMPT_SECONDS, current_budget
from .encoding import clean_value, encode_form, format_lines, redact_lines, to_latin1
from .errors import WimsError, WimsTimeout, WimsUnreachable, WimsUserNotFound, WimsValidationError
from .passwords import password_matches
from .replies import ReplyReader
from .transport import Deadline, mount_deadlines

logger = logging.getLogger(__name__)

Fields = Mapping[str, object]
Param = tuple[str, str]


class _Secret:
    """Holds the adm/raw password so that no repr, vars() dump or traceback local shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "'***'"


def _options(options: str | list[str] | tuple[str, ...] | None) -> str | None:
    if options is None:
        return None
    return options if isinstance(options, str) else ",".join(options)


class WimsClient:
    """adm/raw client for one WIMS server (`url` is the full `.../wims/wims.cgi`).

    Timeouts: `connect_timeout` and `read_timeout` bound each socket operation, `total_timeout` the
    whole of one attempt (a WIMS dripping bytes never trips a read timeout); the slow jobs (which may
    wait 120 s on WIMS's class-index lock) use the `slow_*` ones. Inside a `wims_budget` (a launch),
    every attempt also fits in what is left of the budget, and read-only jobs are retried at most once.
    """

    @sensitive_variables("passwd")
    def __init__(
        self,
        url: str,
        ident: str,
        passwd: str,
        *,
        user_agent: str = "python-requests",
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        slow_read_timeout: float = 150.0,
        total_timeout: float = 40.0,
        slow_total_timeout: float = 180.0,
        read_retries: int = 2,
        retry_backoff: float = 0.3,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self.ident = ident
        self._passwd = _Secret(passwd)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.slow_read_timeout = slow_read_timeout
        self.total_timeout = total_timeout
        self.slow_total_timeout = slow_total_timeout
        self.read_retries = max(0, read_retries)
        self.retry_backoff = max(0.0, retry_backoff)
        self.session = mount_deadlines(session or requests.Session())
        # WIMS cuts the UA at `./,;` and compares the first word with the ident's `ident_agent`.
        self.user_agent = f"{user_agent}/{requests.__version__} wims-lti/{__version__}"
        self._headers = {
            "User-Agent": self.user_agent,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json, text/plain, */*",
        }

    @classmethod
    @sensitive_variables("passwd")
    def from_settings(cls, url: str, ident: str, passwd: str) -> WimsClient:
        from django.conf import settings

        return cls(
            url,
            ident,
            passwd,
            user_agent=settings.WIMS_USER_AGENT,
            connect_timeout=settings.WIMS_CONNECT_TIMEOUT,
            read_timeout=settings.WIMS_READ_TIMEOUT,
            slow_read_timeout=settings.WIMS_SLOW_READ_TIMEOUT,
            total_timeout=settings.WIMS_TOTAL_TIMEOUT,
            slow_total_timeout=settings.WIMS_SLOW_TOTAL_TIMEOUT,
            read_retries=settings.WIMS_READ_RETRIES,
            retry_backoff=settings.WIMS_RETRY_BACKOFF,
        )

    def __repr__(self) -> str:
        return f"WimsClient(url={self.url!r}, ident={self.ident!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> WimsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------

    @sensitive_variables("params", "data1", "data2", "pairs")
    def call(
        self,
        job: str,
        params: Mapping[str, object | None] | None = None,
        *,
        data1: Fields | str | None = None,
        data2: Fields | str | None = None,
    ) -> Any:
        """Send one job; the parsed OK reply (a dict, or text for getcsv/getserverstat/lightpopup).

        `data1`/`data2` are a mapping turned into `name=value` lines, or ready-made text.
        """
        pairs: list[Param] = [(k, clean_value(v)) for k, v in (params or {}).items() if v is not None]
        for name, data in (("data1", data1), ("data2", data2)):
            if data is not None:
                pairs.append((name, data if isinstance(data, str) else format_lines(data)))
        return count_wims_call(job, lambda: self._send(job, pairs))

    @sensitive_variables("params")
    def _send(self, job: str, params: list[Param]) -> Any:
        """Send with the job's retry policy: read-only jobs are retried on transport failures (at most
        `read_retries` times, once inside a `wims_budget`), writes never are. Each attempt has an overall
        deadline (connect + send + read): the job's total timeout, or its share of the budget left."""
        slow = jobs.is_slow(job)
        read_timeout = self.slow_read_timeout if slow else self.read_timeout
        total_timeout = self.slow_total_timeout if slow else self.total_timeout
        budget = current_budget()
        retries = self.read_retries if jobs.is_read_only(job) else 0
        if budget is not None:
            retries = min(retries, budget.retries)
        attempts = 1 + retries
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("adm/raw %s -> %s params=%s", job, self.url, self._loggable(params))
        error: WimsError | None = None
        for attempt in range(1, attempts + 1):
            limit = total_timeout
            if budget is not None:
                left = budget.remaining()
                if left < MIN_ATTEMPT_SECONDS:
                    if error is not None:
                        break
                    raise WimsTimeout(f"no time left in the budget to call WIMS ({left:.2f}s)", job=job)
                limit = min(limit, left / (attempts - attempt + 1))  # keep a share for each retry left
            started = time.monotonic()
            try:
                return self._attempt(job, params, read_timeout, limit, attempt)
            except (WimsTimeout, WimsUnreachable) as exc:
                error = exc
            elapsed = time.monotonic() - started
            if attempt < attempts:
                delay = self.retry_backoff * (2 ** (attempt - 1)) * (1 + random.random())
                if budget is not None:
                    delay = min(delay, max(0.0, budget.remaining() - MIN_ATTEMPT_SECONDS) / 2)
                logger.warning(
                    "adm/raw %s failed (attempt %d/%d, %.3fs): %s; retrying in %.2fs",
                    job, attempt, attempts, elapsed, error, delay,
                )  # fmt: skip
                time.sleep(delay)
            else:
                logger.warning(
                    "adm/raw %s failed (attempt %d/%d, %.3fs): %s", job, attempt, attempts, elapsed, error
                )
        assert error is not None
        raise error

    @sensitive_variables("passwd", "head", "params", "body")
    def _attempt(self, job: str, params: list[Param], read_timeout: float, limit: float, attempt: int) -> Any:
        """One HTTP request, with its own random code, cut after `limit` seconds whatever WIMS does (a
        silent or dripping server); transport failures raise `WimsUnreachable`/`WimsTimeout`."""
        code = secrets.token_hex(8)
        passwd = self._passwd.value
        head = [
            ("module", "adm/raw"),
            ("ident", self.ident),
            ("passwd", passwd),
            ("code", code),
            ("job", job),
        ]
        reader = ReplyReader(job, code, (passwd,))
        body = encode_form(head + params)
        started = time.monotonic()
        timeout = (min(self.connect_timeout, limit), min(read_timeout, limit))
        with Deadline(limit) as deadline:
            try:
                response = self.session.post(
                    self.url, data=body, headers=self._headers, timeout=timeout, allow_redirects=False
                )
            except requests.RequestException as exc:
                if deadline.expired:
                    raise WimsTimeout(f"no complete answer within {limit:.1f}s", job=job) from None
                if isinstance(exc, requests.Timeout):
                    raise WimsTimeout(f"no answer within the timeout ({timeout[1]:.1f}s)", job=job) from None
                raise WimsUnreachable(reader.mask(f"cannot reach WIMS: {exc}"), job=job) from None
        if response.status_code >= 500 and b"not_trusted" not in response.content[:4000]:
            raise WimsUnreachable(f"WIMS answered HTTP {response.status_code}", job=job)
        return self._read(reader, response, started, attempt)

    def _read(self, reader: ReplyReader, response: requests.Response, started: float, attempt: int) -> Any:
        content_type = response.headers.get("Content-Type", "")
        try:
            reply = reader.read(
                response.status_code, content_type, response.content, text_reply=reader.job in jobs.TEXT_JOBS
            )
        except WimsError as exc:
            logger.info(
                "adm/raw %s %s in %.3fs (attempt %d): %s",
                reader.job, type(exc).__name__, time.monotonic() - started, attempt, exc.message,
            )  # fmt: skip
            raise
        logger.info("adm/raw %s OK in %.3fs (attempt %d)", reader.job, time.monotonic() - started, attempt)
        return reply

    @staticmethod
    def _loggable(params: list[Param]) -> dict[str, str]:
        """The request parameters without secrets (passwords and `password=` lines)."""
        out = {}
        for key, value in params:
            if key in ("passwd", "qpasswd"):
                out[key] = "***"
            elif key in ("data1", "data2"):
                out[key] = redact_lines(value)
            else:
                out[key] = value
        return out

    # --- identification ----------------------------------------------------------------------

    def checkident(self) -> res.CheckIdent:
        """Check that WIMS accepts this ident, password, IP and User-Agent."""
        return res.parse_checkident(self.call("checkident"))

    def gettime(self) -> res.ServerTime:
        return res.parse_gettime(self.call("gettime"))

    def getserverstat(self, option: str | None = None) -> str:
        """Server statistics as text (`option`: user, class, servergeoloc, classgeoloc)."""
        return str(self.call("getserverstat", {"option": option}))

    # --- classes -----------------------------------------------------------------------------

    def checkclass(self, qclass: int | str, rclass: str) -> res.CheckClass:
        return res.parse_checkclass(self.call("checkclass", self._cls(qclass, rclass)))

    def addclass(
        self, rclass: str, class_info: Fields, supervisor_info: Fields, *, qclass: int | str | None = None
    ) -> res.AddClass:
        """Create a class (never retried: without `qclass`, each call makes a new class)."""
        params: dict[str, object | None] = {"rclass": rclass}
        if qclass is not None:
            class_id = ids.check_class_id(qclass)
            if int(class_id) < ids.CLASS_ID_MIN:
                raise WimsValidationError(f"qclass must be at least {ids.CLASS_ID_MIN}", field="qclass")
            params["qclass"] = class_id
        data1 = ids.check_class_info(class_info)
        data2 = ids.check_supervisor_info(supervisor_info)
        return res.parse_addclass(self.call("addclass", params, data1=data1, data2=data2))

    def getclass(
        self, qclass: int | str, rclass: str, options: str | list[str] | tuple[str, ...] | None = None
    ) -> res.ClassInfo:
        params = {**self._cls(qclass, rclass), "option": _options(options)}
        return res.parse_getclass(self.call("getclass", params))

    def modclass(self, qclass: int | str, rclass: str, class_info: Fields) -> res.Message:
        """Change class properties; WIMS validates nothing here, so the addclass rules are applied."""
        data1 = ids.check_class_info(class_info, partial=True)
        return res.parse_message(self.call("modclass", self._cls(qclass, rclass), data1=data1))

    def delclass(self, qclass: int | str, rclass: str) -> dict[str, Any]:
        return self.call("delclass", self._cls(qclass, rclass))

    def cleanclass(self, qclass: int | str, rclass: str) -> dict[str, Any]:
        """Delete every user (permanently) and all work, keeping sheets and exams."""
        return self.call("cleanclass", self._cls(qclass, rclass))

    def changedates(self, qclass: int | str, rclass: str) -> dict[str, Any]:
        """Set the class and all its sheets and exams to expire one year from today."""
        return self.call("changedates", self._cls(qclass, rclass))

    def listclasses(
        self, rclass: str, options: str | list[str] | tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        return self.call("listclasses", {"rclass": rclass, "option": _options(options)})

    def getclassesuser(
        self, rclass: str, quser: str, options: str | list[str] | tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        params = {"rclass": rclass, "quser": ids.check_login(quser), "option": _options(options)}
        return self.call("getclassesuser", params)

    def getcsv(
        self,
        qclass: int | str,
        rclass: str,
        options: str | list[str] | tuple[str, ...] | None = None,
        format: str = "csv",
    ) -> str:
        """The class table as CSV/TSV text (WIMS 4.29a sends no JSON here; quotes are not escaped)."""
        params = {**self._cls(qclass, rclass), "format": format, "option": _options(options)}
        return str(self.call("getcsv", params))

    def putcsv(self, qclass: int | str, rclass: str, csv: str) -> dict[str, Any]:
        """Upload CSV (a `login` column is required); adds users and sets teacher grades."""
        return self.call("putcsv", self._cls(qclass, rclass), data1=to_latin1(csv))

    def update(self, qclass: int | str, rclass: str, option: str, quser: str | None = None) -> dict[str, Any]:
        """Ask WIMS to call back the connecting server (class, user or scores)."""
        params = {**self._cls(qclass, rclass), "option": option, "quser": quser}
        return self.call("update", params)

    def listclassbackups(self, qclass: int | str | None = None, year: int | None = None) -> res.ClassBackups:
        """Backups of expired classes archived by WIMS's housekeeping (no class check on WIMS's side)."""
        params = {"qclass": ids.check_class_id(qclass) if qclass is not None else None}
        data1 = str(year) if year is not None else None
        return res.parse_listclassbackups(self.call("listclassbackups", params, data1=data1))

    def restoreclassbackups(
        self, qclass: int | str, year: int, rclass: str | None = None
    ) -> res.RestoredClass:
        """Restore a class archived in `year` (sends `restoreclassbackup`: the doc's plural is no job)."""
        params = {"qclass": ids.check_class_id(qclass), "rclass": rclass}
        reply = self.call("restoreclassbackup", params, data1=str(int(year)))
        return res.parse_restoreclassbackup(reply)

    # --- users -------------------------------------------------------------------------------

    def checkuser(self, qclass: int | str, rclass: str, quser: str) -> res.Message:
        params = self._user(qclass, rclass, quser, allow_supervisor=True)
        return res.parse_message(self.call("checkuser", params))

    def adduser(self, qclass: int | str, rclass: str, quser: str, user_info: Fields) -> res.AddUser:
        data1 = ids.check_user_info(user_info)
        return res.parse_adduser(self.call("adduser", self._user(qclass, rclass, quser), data1=data1))

    def getuser(
        self,
        qclass: int | str,
        rclass: str,
        quser: str,
        options: str | list[str] | tuple[str, ...] | None = None,
    ) -> res.UserInfo:
        params = {**self._user(qclass, rclass, quser, allow_supervisor=True), "option": _options(options)}
        return res.parse_getuser(self.call("getuser", params))

    def check_supervisor_password(self, qclass: int | str, rclass: str, password: str) -> bool:
        """Whether `password` is the class supervisor's: the proof that a teacher owns an existing class.
        Raises like getuser (WimsClassNotFound, WimsConnectionRefused, ...). The stored record never
        leaves this method."""
        info = self.getuser(qclass, rclass, "supervisor", options=["password"])
        return password_matches(password, str(info.raw.get("password") or ""))

    def moduser(self, qclass: int | str, rclass: str, quser: str, user_info: Fields) -> res.ModUser:
        """Change user properties; WIMS answers `nothing done` when no value changes."""
        data1 = ids.check_user_info(user_info, partial=True)
        params = self._user(qclass, rclass, quser, allow_supervisor=True)
        return res.parse_moduser(self.call("moduser", params, data1=data1))

    def deluser(
        self, qclass: int | str, rclass: str, quser: str, *, from_trash: bool = False
    ) -> res.UserChange:
        """Move a user to the class trash (`from_trash=True`: delete it from the trash for good)."""
        params = {**self._user(qclass, rclass, quser), "option": "del_from_trash" if from_trash else None}
        return res.parse_userchange(self.call("deluser", params))

    def recuser(self, qclass: int | str, rclass: str, quser: str) -> res.UserChange:
        """Bring back a user from the trash, with all its work."""
        return res.parse_userchange(self.call("recuser", self._user(qclass, rclass, quser)))

    def authuser(
        self, qclass: int | str, rclass: str, quser: str, *, ip: str | None = None, hashlogin: bool = False
    ) -> res.AuthUser:
        """A logged-in session for `quser` (`supervisor` = the teacher). Pass the browser's IP for exams.

        Concurrent authuser calls for one user sometimes answer `user X not in this class`
        although it exists: that answer is retried once before `WimsUserNotFound` is raised.
        """
        if hashlogin:
            params: dict[str, object | None] = {
                **self._cls(qclass, rclass),
                "quser": quser,
                "option": "hashlogin",
            }
        else:
            params = dict(self._user(qclass, rclass, quser, allow_supervisor=True))
        try:
            reply = self.call("authuser", params, data1=ip)
        except WimsUserNotFound:
            logger.info("adm/raw authuser: 'not in this class' for %s, retrying once", quser)
            reply = self.call("authuser", params, data1=ip)
        return res.parse_authuser(reply)

    def getlog(
        self,
        qclass: int | str,
        rclass: str,
        quser: str,
        *,
        qsheet: int | str | None = None,
        qexam: int | str | None = None,
        option: str | None = None,
    ) -> dict[str, Any]:
        params = {**self._user(qclass, rclass, quser), "qsheet": qsheet, "qexam": qexam, "option": option}
        return self.call("getlog", params)

    def getscore(
        self, qclass: int | str, rclass: str, quser: str, qsheet: int | str | None = None
    ) -> res.UserScores:
        params = dict(self._user(qclass, rclass, quser))
        if qsheet is not None:
            params["qsheet"] = ids.check_item_id(qsheet, field="qsheet")
        return res.parse_getscore(self.call("getscore", params))

    # --- sheets ------------------------------------------------------------------------------

    def checksheet(self, qclass: int | str, rclass: str, qsheet: int | str) -> dict[str, Any]:
        return self.call("checksheet", self._item(qclass, rclass, qsheet=qsheet))

    def addsheet(self, qclass: int | str, rclass: str, sheet_info: Fields | None = None) -> dict[str, Any]:
        """Create a sheet (`sheetmode` is accepted here, unlike modsheet)."""
        return self.call("addsheet", self._cls(qclass, rclass), data1=ids.check_item_info(sheet_info))

    def modsheet(
        self, qclass: int | str, rclass: str, qsheet: int | str, sheet_info: Fields
    ) -> dict[str, Any]:
        """Change a sheet: status, expiration, title, description, weight, formula, indicator."""
        params = self._item(qclass, rclass, qsheet=qsheet)
        return self.call("modsheet", params, data1=ids.check_item_info(sheet_info))

    def getsheet(
        self,
        qclass: int | str,
        rclass: str,
        qsheet: int | str,
        options: str | list[str] | tuple[str, ...] | None = None,
    ) -> res.SheetInfo:
        params = {**self._item(qclass, rclass, qsheet=qsheet), "option": _options(options)}
        return res.parse_getsheet(self.call("getsheet", params))

    def listsheets(self, qclass: int | str, rclass: str) -> res.SheetList:
        return res.parse_listsheets(self.call("listsheets", self._cls(qclass, rclass)))

    def getsheetscores(self, qclass: int | str, rclass: str, qsheet: int | str) -> res.SheetScores:
        """Scores of every student on a sheet; a pending sheet raises `WimsNotActive`."""
        return res.parse_getsheetscores(
            self.call("getsheetscores", self._item(qclass, rclass, qsheet=qsheet))
        )

    def getsheetstats(self, qclass: int | str, rclass: str, qsheet: int | str) -> dict[str, Any]:
        return self.call("getsheetstats", self._item(qclass, rclass, qsheet=qsheet))

    def putexo(self, qclass: int | str, rclass: str, qsheet: int | str, exo_info: Fields) -> dict[str, Any]:
        """Add an exercise to a pending sheet (`module` required; `params`, `points`, `weight`, ...)."""
        return self.call("putexo", self._item(qclass, rclass, qsheet=qsheet), data1=exo_info)

    # --- exercises ---------------------------------------------------------------------------

    def addexo(self, qclass: int | str, rclass: str, qexo: str, source: str) -> dict[str, Any]:
        """Upload and compile the OEF `source` as class exercise `qexo`."""
        return self.call("addexo", {**self._cls(qclass, rclass), "qexo": qexo}, data1=to_latin1(source))

    def testexo(self, source: str) -> dict[str, Any]:
        """Compile an OEF source in a sandbox, without touching any class."""
        return self.call("testexo", data1=to_latin1(source))

    def listexos(self, qclass: int | str, rclass: str) -> dict[str, Any]:
        return self.call("listexos", self._cls(qclass, rclass))

    def movexo(
        self, qclass: int | str, rclass: str, qexo: str, target_class: int | str, *, copy: bool = False
    ) -> dict[str, Any]:
        """Move (or copy) exercise `qexo` to `target_class`; both classes must be linked to `rclass`."""
        params = {**self._cls(qclass, rclass), "qexo": qexo, "option": "copy" if copy else None}
        return self.call("movexo", params, data1=ids.check_class_id(target_class, field="data1"))

    def movexos(
        self, qclass: int | str, rclass: str, target_class: int | str, *, copy: bool = False
    ) -> dict[str, Any]:
        params = {**self._cls(qclass, rclass), "option": "copy" if copy else None}
        return self.call("movexos", params, data1=ids.check_class_id(target_class, field="data1"))

    def sharecontent(
        self, qclass: int | str, rclass: str, target_class: int | str, option: str = "exo"
    ) -> dict[str, Any]:
        """Let `qclass` share its content with `target_class`."""
        params = {**self._cls(qclass, rclass), "option": option}
        return self.call("sharecontent", params, data1=ids.check_class_id(target_class, field="data1"))

    def lightpopup(self, emod: str, *, parm: str | None = None, option: str | None = None) -> str:
        """An exercise module page without WIMS's menus (HTML text)."""
        return str(self.call("lightpopup", {"emod": emod, "parm": parm, "option": option}))

    # --- exams -------------------------------------------------------------------------------

    def checkexam(self, qclass: int | str, rclass: str, qexam: int | str) -> dict[str, Any]:
        return self.call("checkexam", self._item(qclass, rclass, qexam=qexam))

    def addexam(self, qclass: int | str, rclass: str, exam_info: Fields | None = None) -> dict[str, Any]:
        """Create an exam; it is always pending (activate with `modexam(..., {"status": 1})`)."""
        return self.call("addexam", self._cls(qclass, rclass), data1=ids.check_item_info(exam_info))

    def modexam(self, qclass: int | str, rclass: str, qexam: int | str, exam_info: Fields) -> dict[str, Any]:
        """Keys: status, expiration, duration_and_attempts (`"20 3"`), title, description."""
        params = self._item(qclass, rclass, qexam=qexam)
        return self.call("modexam", params, data1=ids.check_item_info(exam_info))

    def delexam(self, qclass: int | str, rclass: str, qexam: int | str) -> dict[str, Any]:
        return self.call("delexam", self._item(qclass, rclass, qexam=qexam))

    def getexam(
        self,
        qclass: int | str,
        rclass: str,
        qexam: int | str,
        options: str | list[str] | tuple[str, ...] | None = None,
    ) -> res.ExamInfo:
        params = {**self._item(qclass, rclass, qexam=qexam), "option": _options(options)}
        return res.parse_getexam(self.call("getexam", params))

    def listexams(self, qclass: int | str, rclass: str) -> res.ExamList:
        return res.parse_listexams(self.call("listexams", self._cls(qclass, rclass)))

    def getexamscores(self, qclass: int | str, rclass: str, qexam: int | str) -> res.ExamScores:
        """Best score and attempts of every student who started the exam; pending → `WimsNotActive`."""
        return res.parse_getexamscores(self.call("getexamscores", self._item(qclass, rclass, qexam=qexam)))

    def linksheet(
        self, qclass: int | str, rclass: str, qsheet: int | str, qexam: int | str
    ) -> dict[str, Any]:
        """Add every exercise of an active sheet to a pending exam."""
        return self.call("linksheet", self._item(qclass, rclass, qsheet=qsheet, qexam=qexam))

    def linkexo(
        self,
        qclass: int | str,
        rclass: str,
        qsheet: int | str,
        qexam: int | str,
        qexo: int | str,
        exo_info: Fields | None = None,
    ) -> dict[str, Any]:
        """Add exercise `qexo` of an active sheet to a pending exam (`exo_info`: weight, title, ...)."""
        params = {
            **self._item(qclass, rclass, qsheet=qsheet, qexam=qexam),
            "qexo": ids.check_item_id(qexo, field="qexo"),
        }
        return self.call("linkexo", params, data1=exo_info)

    def listlinks(
        self, qclass: int | str, rclass: str, qsheet: int | str, qexam: int | str
    ) -> dict[str, Any]:
        """The `sheet.exo` ids of `qsheet` that are in `qexam`."""
        return self.call("listlinks", self._item(qclass, rclass, qsheet=qsheet, qexam=qexam))

    # --- parameter helpers -------------------------------------------------------------------

    @staticmethod
    def _cls(qclass: int | str, rclass: str) -> dict[str, object | None]:
        return {"qclass": ids.check_class_id(qclass), "rclass": rclass}

    def _user(
        self, qclass: int | str, rclass: str, quser: str, *, allow_supervisor: bool = False
    ) -> dict[str, object | None]:
        return {
            **self._cls(qclass, rclass),
            "quser": ids.check_login(quser, allow_supervisor=allow_supervisor),
        }

    def _item(
        self,
        qclass: int | str,
        rclass: str,
        *,
        qsheet: int | str | None = None,
        qexam: int | str | None = None,
    ) -> dict[str, object | None]:
        params = self._cls(qclass, rclass)
        if qsheet is not None:
            params["qsheet"] = ids.check_item_id(qsheet, field="qsheet")
        if qexam is not None:
            params["qexam"] = ids.check_item_id(qexam, field="qexam")
        return params
