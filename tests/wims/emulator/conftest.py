"""Helpers for the emulator's own tests: direct calls to a fresh `WimsEmulator` (no HTTP)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from wims_lti.wims.emulator import WimsEmulator

IDENT, PASSWD, RCLASS = "lti", "secret1", "rc1"
CLASS_DATA = {
    "description": "Test class",
    "institution": "Test U",
    "supervisor": "Sue Pervisor",
    "email": "sup@example.com",
    "password": "classpw",
    "lang": "en",
}
SUPERVISOR = "lastname=Pervisor\nfirstname=Sue\npassword=suppw123"
OEF = "\\title{Addition}\n\\statement{What is 2 + 3 ?}\n\\answer{Sum}{5}{type=numeric}\n"


def defs(values: dict[str, str]) -> str:
    return "\n".join(f"{name}={value}" for name, value in values.items())


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("latin-1")

    def json(self) -> dict[str, Any]:
        assert self.content_type == "application/json ; charset=iso-8859-1", self.content_type
        return json.loads(self.text)


class Emu:
    """Sends adm/raw requests straight to `WimsEmulator.handle`, as a loopback python-requests client."""

    def __init__(self, emulator: WimsEmulator) -> None:
        self.emulator = emulator
        self.qclass = ""

    def request(
        self, params: dict[str, str], *, ua: str = "python-requests/2.32", addr: str = "127.0.0.1"
    ) -> Reply:
        return Reply(*self.emulator.handle(params, remote_addr=addr, user_agent=ua))

    def raw(
        self, job: str | None, *, ua: str = "python-requests/2.32", addr: str = "127.0.0.1", **params: str
    ) -> Reply:
        base = {"module": "adm/raw", "ident": IDENT, "passwd": PASSWD, "code": "c1"}
        if job is not None:
            base["job"] = job
        return self.request({**base, **params}, ua=ua, addr=addr)

    def ok(self, job: str, **params: str) -> dict[str, Any]:
        reply = self.call(job, **params)
        assert reply["status"] == "OK", reply
        return reply

    def error(self, job: str, **params: str) -> str:
        reply = self.call(job, **params)
        assert reply["status"] == "ERROR", reply
        return reply["message"]

    def call(self, job: str, **params: str) -> dict[str, Any]:
        """A job on the current class (qclass/rclass added unless given)."""
        return self.raw(job, **{"qclass": self.qclass, "rclass": RCLASS, **params}).json()

    def add_class(self, **overrides: str) -> str:
        reply = self.raw(
            "addclass", rclass=RCLASS, data1=defs({**CLASS_DATA, **overrides}), data2=SUPERVISOR
        ).json()
        assert reply["status"] == "OK", reply
        return reply["class_id"]

    def add_user(self, login: str, last: str = "Doe", first: str = "John") -> None:
        self.ok("adduser", quser=login, data1=f"lastname={last}\nfirstname={first}\npassword=pw123456")

    def add_active_sheet(self, exos: int = 1, points: str = "10") -> int:
        sheet = self.ok("addsheet", data1="title=Sheet\nexpiration=20991231")["sheet_id"]
        self.ok("addexo", qexo="addition", data1=OEF)
        for n in range(exos):
            self.ok(
                "putexo",
                qsheet=str(sheet),
                data1=f"module=classes/en\nparams=exo=addition\npoints={points}\ntitle=Exo {n + 1}",
            )
        self.ok("modsheet", qsheet=str(sheet), data1="status=1")
        return sheet


@pytest.fixture
def emu() -> Emu:
    return Emu(WimsEmulator(IDENT, PASSWD))


@pytest.fixture
def cls(emu: Emu) -> Emu:
    """An emulator holding one class (the helper's current class)."""
    emu.qclass = emu.add_class()
    return emu
