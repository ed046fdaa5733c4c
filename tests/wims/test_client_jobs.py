"""The client against real HTTP servers: the emulator and the real WIMS 4.29a (`wims_target`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass

import pytest

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import (
    WimsClassNotFound,
    WimsConnectionRefused,
    WimsDeletedUserExists,
    WimsIdentificationFailure,
    WimsItemNotFound,
    WimsNotActive,
    WimsNothingDone,
    WimsUnbalancedBrackets,
    WimsUserExists,
    WimsUserNotFound,
)
from wims_lti.wims.results import ItemStatus

pytestmark = pytest.mark.integration

CLASS = {
    "description": "wims-lti client test",
    "institution": "Harness U",
    "supervisor": "Sue Pervisor",
    "email": "sup@example.com",
    "password": "classpw1",
    "lang": "en",
    "level": "U1",
    "expiration": datetime.date.today() + datetime.timedelta(days=60),
}
SUPERVISOR = {"lastname": "Pervisor", "firstname": "Sue", "password": "suppw123"}
JDOE = {"lastname": "Doe", "firstname": "John", "password": "pw123456", "email": "j@example.com"}


@dataclass
class LiveClass:
    client: WimsClient
    qclass: str
    rclass: str


@pytest.fixture
def live_class(wims_target: WimsTarget) -> Iterator[LiveClass]:
    """A fresh class on the target server, deleted afterwards."""
    client = wims_target.client(retry_backoff=0.01)
    added = client.addclass(wims_target.rclass, CLASS, SUPERVISOR)
    yield LiveClass(client, added.class_id, wims_target.rclass)
    with suppress(WimsClassNotFound):
        client.delclass(added.class_id, wims_target.rclass)
    client.close()


def test_checkident_and_gettime(wims_target: WimsTarget) -> None:
    client = wims_target.client()
    assert client.checkident().message == "Connection accepted"
    server_time = client.gettime().server_time
    assert server_time is not None
    assert abs(server_time - datetime.datetime.now()) < datetime.timedelta(days=2)


def test_class_and_user_lifecycle(wims_target: WimsTarget) -> None:
    client = wims_target.client(retry_backoff=0.01)
    rclass = wims_target.rclass
    added = client.addclass(rclass, CLASS, SUPERVISOR)
    qclass = added.class_id
    try:
        assert qclass.isdigit() and qclass in added.message
        assert client.checkclass(qclass, rclass).message == "Class exists"

        info = client.getclass(qclass, rclass)
        assert (info.description, info.institution, info.supervisor) == (
            "wims-lti client test",
            "Harness U",
            "Sue Pervisor",
        )
        assert (info.lang, info.level, info.email) == ("en", "U1", "sup@example.com")
        assert info.expiration == CLASS["expiration"]
        assert info.userlist == () and info.usercount == 0
        assert f"{wims_target.ident}/{rclass}" in info.connections

        assert client.adduser(qclass, rclass, "jdoe", JDOE).user_id == "jdoe"
        user = client.getuser(qclass, rclass, "jdoe")
        assert (user.login, user.firstname, user.lastname, user.email) == (
            "jdoe",
            "John",
            "Doe",
            "j@example.com",
        )
        assert "jdoe" in client.checkuser(qclass, rclass, "jdoe").message
        assert (
            client.moduser(qclass, rclass, "jdoe", {"firstname": "Johnny", "regprop1": "g1"}).nb_modifs == 2
        )
        modified = client.getuser(qclass, rclass, "jdoe")
        assert modified.firstname == "Johnny" and modified.regprops[0] == "g1"
        assert client.getclass(qclass, rclass, ["userlist", "usercount"]).userlist == ("jdoe",)

        auth = client.authuser(qclass, rclass, "jdoe")
        assert (
            auth.wims_session
            and auth.home_url.startswith("http")
            and f"session={auth.wims_session}" in auth.home_url
        )
        assert auth.user == "jdoe" and auth.class_id == qclass
        with_ip = client.authuser(qclass, rclass, "jdoe", ip="10.20.30.40")
        assert with_ip.remote_addr == "10.20.30.40" and with_ip.home_url
        teacher = client.authuser(qclass, rclass, "supervisor")
        assert teacher.user == "supervisor" and teacher.home_url

        sheet = client.addsheet(qclass, rclass, {"title": "Sheet: one, two", "description": "first sheet"})
        sheet_id = int(sheet["sheet_id"])
        listed = client.listsheets(qclass, rclass)
        assert [(s.id, s.title, s.status) for s in listed.sheets] == [
            (sheet_id, "Sheet: one two", ItemStatus.PENDING)
        ]
        got = client.getsheet(qclass, rclass, sheet_id)
        assert (got.sheet_id, got.title, got.description, got.status) == (
            sheet_id,
            "Sheet: one two",
            "first sheet",
            ItemStatus.PENDING,
        )
        assert got.exercises == ()
        with pytest.raises(WimsNotActive):
            client.getsheetscores(qclass, rclass, sheet_id)

        assert client.listexams(qclass, rclass).exams == ()

        deleted = client.deluser(qclass, rclass, "jdoe")
        assert deleted.quser == "jdoe"
        with pytest.raises(WimsUserNotFound):
            client.checkuser(qclass, rclass, "jdoe")
        with pytest.raises(WimsDeletedUserExists):
            client.adduser(qclass, rclass, "jdoe", JDOE)
        assert client.recuser(qclass, rclass, "jdoe").quser == "jdoe"
        assert client.getuser(qclass, rclass, "jdoe").firstname == "Johnny"
    finally:
        client.delclass(qclass, rclass)
    with pytest.raises(WimsClassNotFound):
        client.checkclass(qclass, rclass)


def test_error_replies(live_class: LiveClass, wims_target: WimsTarget) -> None:
    client, qclass, rclass = live_class.client, live_class.qclass, live_class.rclass
    client.adduser(qclass, rclass, "jdoe", JDOE)
    with pytest.raises(WimsClassNotFound):
        client.checkclass(9999991, rclass)
    with pytest.raises(WimsUserNotFound):
        client.getuser(qclass, rclass, "nobody")
    with pytest.raises(WimsUserNotFound):
        client.authuser(qclass, rclass, "nobody")
    with pytest.raises(WimsUserExists):
        client.adduser(qclass, rclass, "jdoe", JDOE)
    with pytest.raises(WimsConnectionRefused):
        client.checkclass(qclass, rclass + "x")
    with pytest.raises(WimsItemNotFound):
        client.getsheet(qclass, rclass, 99)
    with pytest.raises(WimsNothingDone):
        client.moduser(qclass, rclass, "jdoe", {"firstname": "John"})
    with pytest.raises(WimsIdentificationFailure):
        WimsClient(wims_target.url, wims_target.ident, "wrongpassword1").checkident()


def test_unbalanced_parentheses(live_class: LiveClass, wims_target: WimsTarget) -> None:
    client, qclass, rclass = live_class.client, live_class.qclass, live_class.rclass
    client.adduser(qclass, rclass, "jdoe", JDOE)
    with pytest.raises(WimsUnbalancedBrackets) as info:
        client.getcsv(qclass, rclass, options="login(")
    assert wims_target.passwd not in info.value.body_excerpt and wims_target.passwd not in str(info.value)
    # User texts go through the gate, which removes the bracket WIMS would refuse.
    client.moduser(qclass, rclass, "jdoe", {"lastname": "Doe [x"})
    assert client.getuser(qclass, rclass, "jdoe").lastname == "Doe x"


NAMES = [
    ("eleve1", "Élodie", "Dupré", "Élodie", "Dupré"),
    ("eleve2", "Łukasz", "Żółć", "Lukasz", "Zolc"),
    ("eleve3", "雷", "李", "Lei", "Li"),
    ("eleve4", "Ελένη", "Παπαδοπούλου", "Eleni", "Papadopoulou"),
    ("eleve5", "Seán", "O'Brien-Smith", "Seán", "O'Brien-Smith"),
    ("eleve6", 'Bob "the"', "O'Neil, Jr.", "Bob the", "O'Neil Jr."),
    ("eleve7", "Zoë\r\nAnne", "Größe", "Zoë Anne", "Größe"),
]


def test_names_from_many_scripts_round_trip(live_class: LiveClass) -> None:
    client, qclass, rclass = live_class.client, live_class.qclass, live_class.rclass
    for login, first, last, _, _ in NAMES:
        client.adduser(qclass, rclass, login, {"firstname": first, "lastname": last, "password": "pw123456"})
    for login, _, _, expected_first, expected_last in NAMES:
        user = client.getuser(qclass, rclass, login)
        assert (user.firstname, user.lastname) == (expected_first, expected_last)
    assert len(client.getclass(qclass, rclass, "userlist").userlist) == len(NAMES)
