"""adm/raw call budget of a launch, counted by the emulator (every request it receives)."""

from __future__ import annotations

import dataclasses

import pytest

from tests.fixtures.lti_env import LtiEnv
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import LEARNER

pytestmark = pytest.mark.django_db(transaction=True)


def _jobs(env: LtiEnv, action) -> list[str]:  # type: ignore[no-untyped-def]
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    action()
    return emulator.jobs_since(mark)


def test_call_budget(lti_env: LtiEnv) -> None:
    env = lti_env
    assert _jobs(env, lambda: env.enter(env.teacher)) == ["addclass", "authuser"]
    assert _jobs(env, lambda: env.enter(env.teacher)) == ["authuser"]
    assert _jobs(env, lambda: env.enter(env.student)) == ["adduser", "authuser"]
    assert _jobs(env, lambda: env.enter(env.student)) == ["authuser"]


def test_changed_name_is_sent_once_with_moduser(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    env.enter(env.student)
    renamed = env.course.enroll(dataclasses.replace(env.student, family_name="Turing-Smith"), LEARNER)
    assert renamed.sub == env.student.sub
    assert _jobs(env, lambda: env.enter(renamed)) == ["moduser", "authuser"]
    assert _jobs(env, lambda: env.enter(renamed)) == ["authuser"]


def test_user_deleted_in_wims_is_recreated_by_the_next_launch(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    env.enter(env.student)
    from wims_lti.models import WimsAccount

    account = WimsAccount.objects.get()
    env.wims.client().deluser(account.course.qclass, account.course.rclass, account.quser)
    jobs = _jobs(env, lambda: env.enter(env.student))
    assert jobs[0] == "authuser" and "recuser" in jobs and jobs[-1] == "authuser"
    assert _jobs(env, lambda: env.enter(env.student)) == ["authuser"]


def test_students_with_hidden_names_and_unicode_names_get_accounts(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    hidden = env.course.enroll(people.nameless_user(), LEARNER)
    env.enter(hidden)
    for user in people.unicode_students():
        env.course.enroll(user, LEARNER)
        env.enter(user)
    from wims_lti.models import WimsAccount

    assert WimsAccount.objects.count() == 1 + len(people.unicode_students())
