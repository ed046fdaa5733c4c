"""Hostile names through the client, on the emulator and the real WIMS 4.29a: each user is stored with a
readable name and a record WIMS can read back; the class stays whole for everyone else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import suppress

import pytest

from tests.fixtures.nasty import NASTY_PEOPLE
from tests.fixtures.wims_servers import WimsTarget
from tests.wims.test_client_jobs import CLASS, SUPERVISOR, LiveClass
from wims_lti.wims.errors import WimsClassNotFound, WimsNothingDone, WimsUnreachable, WimsUntrustedRecord
from wims_lti.wims.gate import wims_person_names, wims_text

pytestmark = pytest.mark.integration


@pytest.fixture
def live_class(wims_target: WimsTarget) -> Iterator[LiveClass]:
    client = wims_target.client(retry_backoff=0.01)
    added = client.addclass(wims_target.rclass, CLASS, SUPERVISOR)
    yield LiveClass(client, added.class_id, wims_target.rclass)
    with suppress(WimsClassNotFound):
        client.delclass(added.class_id, wims_target.rclass)
    client.close()


def getuser_raw(target: WimsTarget, qclass: str, rclass: str, quser: str) -> dict[str, str]:
    """getuser without the project's client: the reply must be valid JSON as WIMS wrote it."""
    reply = target.raw("getuser", qclass=qclass, rclass=rclass, quser=quser)
    assert reply.status_code == 200, reply.text[:500]
    return json.loads(reply.content.decode("iso-8859-1"))


def test_nasty_people_get_valid_readable_records(live_class: LiveClass, wims_target: WimsTarget) -> None:
    client, qclass, rclass = live_class.client, live_class.qclass, live_class.rclass
    for index, (case, first, last, email) in enumerate(NASTY_PEOPLE):
        login = f"nasty{index:03d}"
        info = {"firstname": first, "lastname": last, "email": email, "password": "pw123456"}
        client.adduser(qclass, rclass, login, info)
        record = getuser_raw(wims_target, qclass, rclass, login)
        assert record["status"] == "OK", (case, record)
        expected_first = wims_text(first, field="user.firstname")
        expected_last = wims_text(last, field="user.lastname")
        assert (record["firstname"], record["lastname"]) == (expected_first, expected_last), case
        assert record["lastname"] and record["firstname"]  # WIMS needs both
        assert record["email"] == wims_text(email, field="user.email"), case
        # A rename with the same hostile text (what a later launch sends) is stored as readably.
        with suppress(WimsNothingDone):  # both names were placeholders already
            client.moduser(qclass, rclass, login, {"firstname": last, "lastname": first})
        renamed = getuser_raw(wims_target, qclass, rclass, login)
        assert (renamed["firstname"], renamed["lastname"]) == (
            wims_text(last, field="user.firstname"),
            wims_text(first, field="user.lastname"),
        ), case
    # The class is whole: a plain student can still join, the class and its user list read back.
    client.adduser(qclass, rclass, "plainuser", {"firstname": "Plain", "lastname": "User", "password": "pw1"})
    users = client.getclass(qclass, rclass, ["userlist", "usercount"]).userlist
    assert len(users) == len(NASTY_PEOPLE) + 1
    assert client.authuser(qclass, rclass, "nasty000").home_url


def test_placeholder_names_reach_wims(live_class: LiveClass, wims_target: WimsTarget) -> None:
    client, qclass, rclass = live_class.client, live_class.qclass, live_class.rclass
    first, last = wims_person_names("😀", "!!!", tag_source="some-sub")
    client.adduser(qclass, rclass, "anonuser", {"firstname": first, "lastname": last, "password": "pw1"})
    record = getuser_raw(wims_target, qclass, rclass, "anonuser")
    assert record["firstname"] == "Anonymous" and record["lastname"].startswith("User ")


def test_a_record_poisoned_by_a_leading_bang_is_reported_as_such(
    live_class: LiveClass, wims_target: WimsTarget
) -> None:
    """What an older bridge (or another tool) left: WIMS answers `not_trusted` (HTTP 550) for the whole
    class. The client names the record, neither retrying nor calling it "unreachable"."""
    client, qclass, rclass = live_class.client, live_class.qclass, live_class.rclass
    raw = wims_target.raw(
        "adduser",
        qclass=qclass,
        rclass=rclass,
        quser="poisoned",
        data1="firstname=!Bang\nlastname=X\npassword=pw1",
    )
    assert raw.status_code == 550 and "not_trusted" in raw.text
    with pytest.raises(WimsUntrustedRecord) as info:
        client.adduser(qclass, rclass, "another", {"firstname": "An", "lastname": "Other", "password": "pw1"})
    assert not isinstance(info.value, WimsUnreachable)
    assert info.value.quser == "poisoned" and info.value.path.endswith("/.users/poisoned")
    with pytest.raises(WimsUntrustedRecord):
        client.getuser(qclass, rclass, "poisoned")
    # adm/raw can still move it to the trash, which makes the class whole again.
    client.deluser(qclass, rclass, "poisoned")
    assert client.getclass(qclass, rclass, ["usercount"]).usercount >= 0
    client.adduser(qclass, rclass, "third", {"firstname": "Th", "lastname": "Ird", "password": "pw1"})
