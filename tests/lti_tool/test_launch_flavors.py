"""Moodle- and Canvas-shaped launches, and Canvas's one issuer serving many tenants."""

from __future__ import annotations

import pytest
import requests

from tests.fixtures.lti_env import LtiEnv, build_lti_env
from tests.fixtures.wims_servers import WimsTarget
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import CONTENT_DEVELOPER, INSTRUCTOR, LEARNER
from wims_lti.models import Course, LmsUser, WimsAccount

pytestmark = pytest.mark.django_db(transaction=True)

CANVAS_ISSUER = "https://canvas.instructure.com"


def test_both_flavors_launch_teachers_and_students(lti_env_flavors: LtiEnv) -> None:
    env = lti_env_flavors
    env.enter(env.teacher)
    designer = env.course.enroll(people.teacher(given_name="Dana", family_name="Designer"), CONTENT_DEVELOPER)
    if env.platform.flavor == "canvas":  # Canvas sends ContentDeveloper: course staff
        assert "Open WIMS as supervisor" in env.teacher_page(designer).text
    students = [
        env.student,
        env.course.enroll(people.test_student(), LEARNER),
        *people.unicode_students()[:2],
    ]
    for user in students[2:]:
        env.course.enroll(user, LEARNER)
    for user in students:
        page = requests.get(env.enter(user), timeout=30)
        assert page.status_code == 200
    assert WimsAccount.objects.count() == len(students)


def test_canvas_tenants_sharing_one_issuer_stay_apart(live_server, emulator_target: WimsTarget) -> None:  # type: ignore[no-untyped-def]
    tenant_a = build_lti_env(
        live_server, emulator_target, "canvas", client_id="10000000000001", issuer=CANVAS_ISSUER
    )
    # Another LMS claiming the same issuer with other keys: the admin keeps it apart (else refused).
    tenant_b = build_lti_env(
        live_server,
        emulator_target,
        "canvas",
        client_id="10000000000002",
        issuer=CANVAS_ISSUER,
        keep_apart=True,
    )
    try:
        assert tenant_a.registration.issuer == tenant_b.registration.issuer == CANVAS_ISSUER
        assert tenant_a.registration.pk != tenant_b.registration.pk
        for env in (tenant_a, tenant_b):
            env.enter(env.teacher)
            env.enter(env.student)
        # Same context ids and subs on both sides would still be two courses and two users.
        assert Course.objects.filter(platform=tenant_a.registration).count() == 1
        assert Course.objects.filter(platform=tenant_b.registration).count() == 1
        assert {c.qclass for c in Course.objects.all()} == {
            Course.objects.get(platform=tenant_a.registration).qclass,
            Course.objects.get(platform=tenant_b.registration).qclass,
        }
        assert LmsUser.objects.filter(platform=tenant_a.registration).count() == 2
        # Tenant A's launch sent to tenant B's URLs is refused (the registration in the URL pins it).
        initiation = tenant_a.platform.start_launch(tenant_a.student, tenant_a.course, tenant_a.link)
        response = requests.post(
            f"{tenant_b.tool_url}/lti/{tenant_b.registration.uuid}/login/",
            data=initiation.params,
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 400
    finally:
        tenant_a.server.stop()
        tenant_b.server.stop()


def test_institution_admin_without_course_role_is_not_staff(live_server, emulator_target: WimsTarget) -> None:  # type: ignore[no-untyped-def]
    env = build_lti_env(live_server, emulator_target, "moodle")
    try:
        env.enter(env.teacher)
        admin_learner = env.course.enroll(people.admin(), LEARNER)
        assert "/teacher/" not in env.enter(admin_learner)
        assert (
            "Open WIMS as supervisor"
            in env.teacher_page(env.course.enroll(people.teacher(), INSTRUCTOR)).text
        )
    finally:
        env.server.stop()
