"""Launches with names, emails and ids real LMSs can send (issue 10, items 1-4), on the emulator and the
real WIMS: every student lands in WIMS with a readable name and a record WIMS reads back, the class
stays whole, and nothing ends in a 500 (PostgreSQL refuses NUL bytes and values over the column size)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.fixtures.lti_env import LtiEnv
from tests.fixtures.nasty import LONG_ID, NASTY_PEOPLE
from wims_lti.lti.devplatform import LaunchDefects
from wims_lti.lti.devplatform.claims import CLAIM_CONTEXT, CLAIM_RESOURCE_LINK
from wims_lti.lti.devplatform.model import User
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER
from wims_lti.models import Course, LmsUser, ResourceLink, WimsAccount
from wims_lti.wims.gate import wims_person_names, wims_text

pytestmark = pytest.mark.django_db(transaction=True)


def wims_record(env: LtiEnv, account: WimsAccount) -> dict[str, str]:
    """getuser as WIMS answers it (no project code in between): must be valid JSON, status OK."""
    course = account.course
    reply = env.wims.raw("getuser", qclass=course.qclass, rclass=course.rclass, quser=account.quser)
    assert reply.status_code == 200, reply.text[:300]
    record = json.loads(reply.content.decode("iso-8859-1"))
    assert record["status"] == "OK", record
    return record


def assert_readable(record: dict[str, str], first: str, last: str, email: str, sub: str) -> None:
    expected = wims_person_names(first, last, tag_source=sub)
    assert (record["firstname"], record["lastname"]) == expected
    assert record["firstname"].strip() and record["lastname"].strip()
    assert record["email"] == wims_text(email, field="user.email")


def test_hostile_names_land_in_wims_readable(lti_env_any_wims: LtiEnv) -> None:
    env = lti_env_any_wims
    env.enter(env.teacher)
    people = []
    for case, first, last, email in NASTY_PEOPLE:
        user = env.course.enroll(User(sub=f"hostile-{case}", given_name=first, family_name=last, email=email))
        env.enter(user)  # a 302 into WIMS, not an error page
        people.append((user, first, last, email))
    for user, first, last, email in people:
        account = WimsAccount.objects.get(lms_user__sub=user.sub)
        assert_readable(wims_record(env, account), first, last, email, user.sub)
    # The class is whole: a plain student still gets in, and every hostile student gets in again.
    env.enter(env.student)
    for user, *_ in people:
        env.enter(user)
    course = Course.objects.get()
    client = env.wims.client()
    assert len(client.getclass(course.qclass, course.rclass, ["userlist"]).userlist) == len(people) + 1


def test_renaming_to_hostile_names_keeps_the_record_valid(lti_env_any_wims: LtiEnv) -> None:
    """The same student renamed in the LMS, to each hostile name in turn (moduser at each launch)."""
    env = lti_env_any_wims
    env.enter(env.teacher)
    env.enter(env.student)
    account = WimsAccount.objects.get(lms_user__sub=env.student.sub)
    kept_email = env.student.email or ""
    for _case, first, last, email in NASTY_PEOPLE:
        renamed = env.course.enroll(
            dataclasses.replace(env.student, given_name=first, family_name=last, name=None, email=email),
            LEARNER,
        )
        env.enter(renamed)
        record = wims_record(env, account)
        # An address WIMS would not keep is not sent: the last good one stays.
        kept_email = wims_text(email, field="user.email") or kept_email
        assert_readable(record, first, last, kept_email, env.student.sub)
    env.enter(env.student)  # and back
    assert wims_record(env, account)["lastname"] == "Turing"


def test_nul_bytes_and_long_ids_do_not_break_the_launch(lti_env: LtiEnv) -> None:
    """NUL in sub, names and titles, and ids over 500 characters: PostgreSQL refuses both (DataError);
    the launch must land the student in WIMS all the same, and the next launch find the same rows."""
    env = lti_env
    env.enter(env.teacher)
    context = {"id": str(env.course.id), "label": "ALG\x00", "title": "Alg\x00ebra"}
    link = {"id": str(env.link.id), "title": "Sheet\x00 1"}
    defects = LaunchDefects(extra_claims={CLAIM_CONTEXT: context, CLAIM_RESOURCE_LINK: link})
    nul = env.course.enroll(
        User(sub="nul\x00sub", given_name="Nul\x00", family_name="By\x00te", email="n@x.org")
    )
    env.enter(nul, defects=defects)
    env.enter(nul, defects=defects)
    user = LmsUser.objects.get(sub__startswith="nul")
    assert "\x00" not in user.sub + user.given_name + user.family_name
    assert "\x00" not in Course.objects.get().title
    assert WimsAccount.objects.filter(lms_user=user).count() == 1
    # Ids longer than the columns (the LTI spec allows 255): the launch works and finds itself again.
    long_user = env.course.enroll(User(sub=LONG_ID, given_name="Long", family_name="Id"))
    long_defects = LaunchDefects(
        extra_claims={
            CLAIM_CONTEXT: {"id": str(env.course.id), "title": "T" * 800, "label": "L" * 300},
            CLAIM_RESOURCE_LINK: {"id": LONG_ID + "link", "title": "R" * 800},
        }
    )
    env.enter(long_user, defects=long_defects)
    env.enter(long_user, defects=long_defects)
    stored = LmsUser.objects.get(given_name="Long")
    assert len(stored.sub) <= 500 and stored.sub != LmsUser.objects.get(given_name="Nul").sub
    assert WimsAccount.objects.filter(lms_user=stored).count() == 1
    assert ResourceLink.objects.filter(resource_link_id__startswith="iii").count() == 1
    # A long context id is a course of its own, found again by the next launch.
    other = {"id": LONG_ID + "ctx", "title": "Other"}
    teacher_defects = LaunchDefects(extra_claims={CLAIM_CONTEXT: other})
    env.teacher_page(env.teacher, defects=teacher_defects)
    env.teacher_page(env.teacher, defects=teacher_defects)
    assert Course.objects.filter(context_id__startswith="iii").count() == 1


def test_a_teacher_with_hostile_names_creates_a_readable_class(lti_env_any_wims: LtiEnv) -> None:
    """The class is created from the LMS: course title (description), teacher's names (supervisor)."""
    env = lti_env_any_wims
    course = env.platform.add_course("!!! <script>", "<>")
    teacher = course.enroll(User(given_name="!\u3000", family_name="<b>\u202e", email='"x"@bad'), INSTRUCTOR)
    link = course.add_resource_link("Sheet")
    env.teacher_page(teacher, link, course=course)  # the default form creates the class: no error page
    created = Course.objects.get(context_id=str(course.id))
    info = env.wims.client().getclass(created.qclass, created.rclass)
    assert info.description == "script"  # "!!! <script>": what WIMS can show of it
    assert "<" not in info.description + info.supervisor and not info.supervisor.startswith("!")
    assert len(info.supervisor) >= 6
