"""What every job handler gets (`Job`), the registry, and the shared checks with WIMS's exact messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..params import bad_quser, parse_defs
from ..state import Exam, Sheet, User, WimsClass

if TYPE_CHECKING:
    from ..emulator import WimsEmulator

Fields = list[tuple[str, Any]]
Handler = Callable[["Job"], Fields]
JOBS: dict[str, Handler] = {}


class JobError(Exception):
    """A `{"status":"ERROR","message":...}` reply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def job(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        JOBS[name] = handler
        return handler

    return register


@dataclass
class Job:
    emulator: WimsEmulator
    params: dict[str, str]
    ident: str
    remote_addr: str
    base_url: str

    def get(self, name: str) -> str:
        return self.params.get(name, "")

    @property
    def qclass(self) -> str:
        return self.get("qclass").strip()

    @property
    def rclass(self) -> str:
        return self.get("rclass").strip()

    def data(self, name: str = "data1") -> dict[str, str]:
        return parse_defs(self.get(name))

    # --- class -------------------------------------------------------------------------------
    def wims_class(self) -> WimsClass:
        qclass, rclass = self.qclass, self.rclass
        if not qclass or not rclass:
            raise JobError(
                f"undefined local and/or remote class (qclass={qclass} | rclass={rclass} "
                f"| initial_qclass={qclass})"
            )
        if "/" in qclass:
            raise JobError(f"wrong class idX ({qclass.replace('/', ' ')})")
        cls = self.emulator.classes.get(qclass)
        if cls is None:
            raise JobError(f"class {qclass} not existing")
        if not cls.accepts(self.ident, rclass):
            raise JobError(f"connection refused by requested class ({qclass})")
        return cls

    # --- user --------------------------------------------------------------------------------
    def quser(self) -> str:
        quser = self.get("quser").strip()
        if bad_quser(quser):
            raise JobError("bad user (empty quser or bad chars detected)")
        return quser

    def user(self, cls: WimsClass) -> User:
        quser = self.quser()
        user = cls.users.get(quser)
        if user is None:
            raise JobError(f"user {quser} not in this class ({cls.qclass})")
        return user

    # --- sheets and exams --------------------------------------------------------------------
    def element(self, cls: WimsClass, kind: str) -> tuple[str, int]:
        """(raw id, index) of qsheet/qexam. Index 0 is WIMS's "no such element, no error" case
        (`0`, `abc`); `-1` is the last one; `1.5` is undefined; above the count does not exist."""
        raw = self.get("q" + kind).strip()
        items: list[Sheet] | list[Exam] = cls.sheets if kind == "sheet" else cls.exams
        if re.fullmatch(r"-?\d+", raw):
            index = int(raw)
            if index < 0:
                index = max(len(items) + 1 + index, 0)
            if index > len(items):
                raise JobError(f"element #{raw} of type {kind} does not exist in this class ({cls.qclass})")
            return raw, index
        if re.fullmatch(r"[A-Za-z_]\w*", raw):
            return raw, 0
        raise JobError(f"undefined query id for type {kind}")

    def sheet(self, cls: WimsClass) -> tuple[str, int, Sheet | None]:
        raw, index = self.element(cls, "sheet")
        return raw, index, cls.sheets[index - 1] if index else None

    def exam(self, cls: WimsClass) -> tuple[str, int, Exam | None]:
        raw, index = self.element(cls, "exam")
        return raw, index, cls.exams[index - 1] if index else None


def options(job: Job) -> list[str]:
    return [name.strip() for name in job.get("option").split(",") if name.strip()]
