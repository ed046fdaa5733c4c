"""Teacher pages: only an instructor's launch opens them, for that course only."""

from __future__ import annotations

import re

import pytest
import requests
from django.core import signing
from django.test import Client, override_settings

from tests.fixtures.lti_env import LtiEnv, build_lti_env
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import INSTRUCTOR, TEACHING_ASSISTANT
from wims_lti.models import SupervisorEntry
from wims_lti.views.teacher.auth import SALT

pytestmark = pytest.mark.django_db(transaction=True)


def _token(url: str) -> str:
    match = re.search(r"/teacher/([^/]+)/", url)
    assert match, url
    return match.group(1)


def test_instructor_launch_lands_on_the_dashboard_without_cookies(lti_env: LtiEnv) -> None:
    page = lti_env.teacher_page(lti_env.teacher)
    assert "Open WIMS as supervisor" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in page.headers


def test_teaching_assistant_is_staff_on_canvas(live_server, emulator_target) -> None:  # type: ignore[no-untyped-def]
    env = build_lti_env(live_server, emulator_target, "canvas")
    try:
        ta = env.course.enroll(people.teaching_assistant(), TEACHING_ASSISTANT)
        env.teacher_page(env.teacher)
        assert "Open WIMS as supervisor" in env.teacher_page(ta).text
    finally:
        env.server.stop()


def test_moodle_non_editing_teacher_is_a_student(lti_env: LtiEnv) -> None:
    """Moodle launches non-editing teachers as Learner: they enter WIMS as themselves."""
    ta = lti_env.course.enroll(people.teaching_assistant(), TEACHING_ASSISTANT)
    lti_env.teacher_page(lti_env.teacher)
    assert "/teacher/" not in lti_env.enter(ta)


def test_open_wims_is_audited(lti_env: LtiEnv) -> None:
    lti_env.enter(lti_env.teacher)
    entry = SupervisorEntry.objects.get()
    assert entry.lms_user.sub == lti_env.teacher.sub
    assert any("Instructor" in r for r in entry.roles)


def test_student_never_reaches_teacher_pages(lti_env: LtiEnv) -> None:
    env = lti_env
    teacher_url = env.teacher_page(env.teacher).url
    url = env.enter(env.student)
    assert "/teacher/" not in url
    # Without a valid token every teacher URL is a 403, whatever is in the path.
    for path in ("/teacher/x/", "/teacher/x/wims/", f"/teacher/{_token(teacher_url)}tampered/"):
        response = requests.get(env.tool_url + path, timeout=10)
        assert response.status_code == 403
        post = requests.post(env.tool_url + path.rstrip("/") + "/wims/", timeout=10)
        assert post.status_code in (403, 404)


def test_token_of_course_a_gives_nothing_on_course_b(lti_env: LtiEnv) -> None:
    env = lti_env
    token_a = _token(env.teacher_page(env.teacher).url)
    other = env.platform.add_course("Course B", "B")
    teacher_b = other.enroll(people.teacher(), INSTRUCTOR)
    link_b = other.add_resource_link("B1")
    token_b = _token(env.teacher_page(teacher_b, link_b, course=other).url)
    payload_a = signing.loads(token_a, salt=SALT)
    payload_b = signing.loads(token_b, salt=SALT)
    assert payload_a["c"] != payload_b["c"]
    # Re-signing course B's id into A's token needs the secret: an edited token is refused.
    forged = signing.dumps({**payload_a, "c": payload_b["c"]}, salt=SALT, key="not-the-secret", compress=True)
    assert requests.get(f"{env.tool_url}/teacher/{forged}/", timeout=10).status_code == 403


def test_expired_token_is_refused(lti_env: LtiEnv) -> None:
    url = lti_env.teacher_page(lti_env.teacher).url
    with override_settings(TEACHER_TOKEN_MAX_AGE=-1):
        response = Client().get(url.replace(lti_env.tool_url, ""))
    assert response.status_code == 403
    assert "expired or not valid" in response.content.decode()


def test_open_wims_needs_post(lti_env: LtiEnv) -> None:
    url = lti_env.teacher_page(lti_env.teacher).url
    assert requests.get(url + "wims/", timeout=10).status_code == 405
