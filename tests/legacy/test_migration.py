"""Imported from the old gateway, launched in LTI 1.1, then moved to LTI 1.3: the 1.3 launch's migration
claim finds the imported identity, so the course keeps its class and the student their WIMS login."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.fixtures.lti_env import LtiEnv
from tests.legacy.conftest import LEGACY_WIMS_ID, build_legacy_world, launch_params, post_launch, sign_launch
from tests.lti_tool.test_lti11_migration import KEY, SECRET, _enable_migration
from wims_lti.models import Course, WimsAccount
from wims_lti.services.legacy_import import legacy_gateway_import

pytestmark = pytest.mark.django_db(transaction=True)


def test_imported_student_keeps_class_and_login_when_the_course_moves_to_lti13(
    lti_env: LtiEnv, tmp_path: Path
) -> None:
    env = lti_env
    assert env.student.lti11_user_id
    world = build_legacy_world(
        tmp_path / "gateway.sqlite3",
        env.wims,
        key_a=KEY,
        secret_a=SECRET,
        context_a=str(env.course.id),
        alice_user_id=env.student.lti11_user_id,
    )
    legacy_gateway_import(path=world.path)
    emulator = env.wims.emulator
    assert emulator is not None

    # Still on LTI 1.1: the old gateway's link works.
    target = env.tool_url + reverse("lti11-legacy-sheet", kwargs={"server": LEGACY_WIMS_ID, "number": 1})
    response = post_launch(
        target, sign_launch(target, launch_params(world, world.alice), key=KEY, secret=SECRET)
    )
    assert response.status_code == 302, response.text[:2000]

    # The LMS moves the course to LTI 1.3 (same consumer key and secret, migration claim signed).
    _enable_migration(env)
    logins_before = set(WimsAccount.objects.values_list("quser", flat=True))
    mark = len(emulator.emulator.request_log)
    url = env.enter(env.student, lti1p1=True)
    jobs = emulator.emulator.jobs_since(mark)
    assert "adduser" not in jobs and "addclass" not in jobs
    assert ("authuser", world.qclass_a, world.alice.quser) in emulator.emulator.request_log[mark:]
    assert "session=" in url
    course = Course.objects.get(qclass=world.qclass_a)
    assert course.platform == env.registration  # the class link moved to the 1.3 registration
    account = WimsAccount.objects.get(course=course, quser=world.alice.quser)
    assert account.lms_user.sub == env.student.sub  # handed over to the 1.3 identity
    assert set(WimsAccount.objects.values_list("quser", flat=True)) == logins_before  # no second account
    page = env.teacher_page(env.teacher, lti1p1=True)
    assert "Open WIMS as supervisor" in page.text
    assert Course.objects.filter(qclass=world.qclass_a).count() == 1


def test_old_lti11_links_follow_the_course_after_it_moved_to_lti13(lti_env: LtiEnv, tmp_path: Path) -> None:
    """During a migration some links may still be LTI 1.1: they reach the moved class with the same
    logins (alice: her 1.3 identity; bob, who never launched in 1.3: his imported account)."""
    env = lti_env
    world = build_legacy_world(
        tmp_path / "gateway.sqlite3",
        env.wims,
        key_a=KEY,
        secret_a=SECRET,
        context_a=str(env.course.id),
        alice_user_id=env.student.lti11_user_id,
    )
    legacy_gateway_import(path=world.path)
    _enable_migration(env)
    env.enter(env.student, lti1p1=True)  # the course moves to the 1.3 registration
    emulator = env.wims.emulator
    assert emulator is not None
    logins_before = set(WimsAccount.objects.values_list("quser", flat=True))
    target = env.tool_url + reverse("lti11-legacy-sheet", kwargs={"server": LEGACY_WIMS_ID, "number": 1})
    for user in (world.alice, world.bob):
        mark = len(emulator.emulator.request_log)
        response = post_launch(
            target, sign_launch(target, launch_params(world, user), key=KEY, secret=SECRET)
        )
        assert response.status_code == 302, response.text[:2000]
        jobs = emulator.emulator.jobs_since(mark)
        assert "adduser" not in jobs and "addclass" not in jobs
        assert ("authuser", world.qclass_a, user.quser) in emulator.emulator.request_log[mark:]
    assert set(WimsAccount.objects.values_list("quser", flat=True)) == logins_before  # no second account
    alice = WimsAccount.objects.get(quser=world.alice.quser, course__qclass=world.qclass_a)
    assert alice.lms_user.sub == env.student.sub  # still her 1.3 identity (grades go to her 1.3 sub)
    assert Course.objects.filter(qclass=world.qclass_a).count() == 1
