"""A class poisoned by a record WIMS cannot read (a name stored with a leading `!`, by an older bridge or
another tool) is repaired the next time the bridge meets it, on the emulator and the real WIMS: every
student gets in again, the poisoned student's name reads, and the grade sync reads scores again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.lti_env import LtiEnv
from tests.fixtures.wims_servers import WimsTarget
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import LEARNER
from wims_lti.models import Course, WimsAccount

pytestmark = pytest.mark.django_db(transaction=True)


def raw_ok(target: WimsTarget, job: str, **params: str) -> dict[str, Any]:
    reply = target.raw(job, **params)
    assert reply.status_code == 200, (job, reply.status_code, reply.text[:300])
    data = json.loads(reply.content.decode("iso-8859-1"))
    assert data["status"] == "OK", data
    return data


def poison(target: WimsTarget, course: Course, quser: str) -> None:
    """What an older bridge did with a first name starting with `!` (sent without the gate)."""
    reply = target.raw(
        "moduser", qclass=course.qclass, rclass=course.rclass, quser=quser, data1="firstname=!Alan"
    )
    assert reply.status_code == 550 and "not_trusted" in reply.text
    # The user's record is unreadable, and so are the class's score tables and user list.
    assert target.raw("getuser", qclass=course.qclass, rclass=course.rclass, quser=quser).status_code == 550
    assert target.raw("getcsv", qclass=course.qclass, rclass=course.rclass).status_code == 550


def test_another_students_first_launch_repairs_the_class(lti_env_any_wims: LtiEnv) -> None:
    env = lti_env_any_wims
    env.enter(env.teacher)
    env.enter(env.student)
    course = Course.objects.get()
    poisoned = WimsAccount.objects.get(lms_user__sub=env.student.sub)
    poison(env.wims, course, poisoned.quser)
    newcomer = env.course.enroll(people.student(given_name="Grace", family_name="Hopper"), LEARNER)
    env.enter(newcomer)  # lands in WIMS: the class was repaired on the way
    record = raw_ok(env.wims, "getuser", qclass=course.qclass, rclass=course.rclass, quser=poisoned.quser)
    assert (record["firstname"], record["lastname"]) == ("Alan", "Turing")  # from the LMS, readable
    newcomer_login = WimsAccount.objects.get(lms_user__sub=newcomer.sub).quser
    raw_ok(env.wims, "getuser", qclass=course.qclass, rclass=course.rclass, quser=newcomer_login)
    env.enter(env.student)  # the repaired student gets in too, under the same login
    assert WimsAccount.objects.get(lms_user__sub=env.student.sub).quser == poisoned.quser
    raw_ok(env.wims, "getclass", qclass=course.qclass, rclass=course.rclass)


def test_the_poisoned_students_own_launch_repairs_it(lti_env_any_wims: LtiEnv) -> None:
    env = lti_env_any_wims
    env.enter(env.teacher)
    env.enter(env.student)
    course = Course.objects.get()
    account = WimsAccount.objects.get(lms_user__sub=env.student.sub)
    poison(env.wims, course, account.quser)
    location = env.enter(env.student)
    assert "session=" in location
    record = raw_ok(env.wims, "getuser", qclass=course.qclass, rclass=course.rclass, quser=account.quser)
    assert record["firstname"] == "Alan"


def test_a_poisoned_user_unknown_to_the_bridge_goes_to_the_trash(lti_env_any_wims: LtiEnv) -> None:
    env = lti_env_any_wims
    env.enter(env.teacher)
    course = Course.objects.get()
    reply = env.wims.raw(
        "adduser",
        qclass=course.qclass,
        rclass=course.rclass,
        quser="intruder",
        data1="firstname=!Intruder\nlastname=X\npassword=pw1234",
    )
    assert reply.status_code == 550
    env.enter(env.student)
    # Kept where a WIMS administrator can fix it by hand: recuser brings it back from the trash.
    check = env.wims.raw("checkuser", qclass=course.qclass, rclass=course.rclass, quser="intruder")
    assert "not in this class" in check.text
    assert (
        "Use Recuser"
        in env.wims.raw(
            "adduser",
            qclass=course.qclass,
            rclass=course.rclass,
            quser="intruder",
            data1="lastname=Y\npassword=p",
        ).text
    )
