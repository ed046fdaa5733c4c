"""End-to-end LTI 1.3 launches: dev platform → tool (live server) → WIMS (emulator; real WIMS in CI)."""

from __future__ import annotations

import pytest
import requests

from tests.fixtures.lti_env import LtiEnv
from wims_lti.models import Course, SupervisorEntry, WimsAccount

pytestmark = pytest.mark.django_db(transaction=True)


def test_teacher_first_launch_creates_class_and_enters_as_supervisor(lti_env_any_wims: LtiEnv) -> None:
    env = lti_env_any_wims
    url = env.enter(env.teacher)
    course = Course.objects.get()
    assert course.is_linked and course.qclass.isdigit()
    assert course.lang == "en"
    page = requests.get(url, timeout=30)
    assert page.status_code == 200
    assert "supervisor" in page.text.lower() or "Sup Er" in page.text or "maintenance" in page.text.lower()
    entry = SupervisorEntry.objects.get()
    assert entry.course == course and entry.lms_user.sub == env.teacher.sub


def test_student_launch_lands_logged_in_as_themselves(lti_env_any_wims: LtiEnv) -> None:
    env = lti_env_any_wims
    env.enter(env.teacher)
    url = env.enter(env.student)
    account = WimsAccount.objects.get(lms_user__sub=env.student.sub)
    page = requests.get(url, timeout=30)
    assert page.status_code == 200
    assert env.student.given_name in page.text and env.student.family_name in page.text
    info = env.wims.client().getuser(account.course.qclass, account.course.rclass, account.quser)
    assert (info.firstname, info.lastname) == (env.student.given_name, env.student.family_name)
    # A second launch reuses the same WIMS account.
    env.enter(env.student)
    assert WimsAccount.objects.count() == 1


def test_student_before_course_is_linked_gets_a_friendly_page(lti_env: LtiEnv) -> None:
    response = lti_env.launch(lti_env.student)
    assert response.status_code == 409
    assert "not linked this course" in response.text
    assert "X-Correlation-ID" in response.headers
    assert response.headers["X-Correlation-ID"] in response.text


def test_french_locale_gives_french_pages(lti_env: LtiEnv) -> None:
    response = lti_env.launch(lti_env.student, locale="fr-FR")
    assert response.status_code == 409
    assert "WIMS" in response.text and "pas encore" in response.text


def test_bound_sheet_custom_parameter_lands_on_the_sheet(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    course = Course.objects.get()
    client = env.wims.client()
    client.addsheet(course.qclass, course.rclass, {"title": "Sheet one"})
    url = env.enter(env.student, custom={"sheet": "1"})
    assert "module=adm%2Fsheet" in url and "sh=1" in url
