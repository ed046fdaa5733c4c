"""Sheets and exams of the class, binding the current link, and `sheet=N` bindings recorded on first sight."""

from __future__ import annotations

import pytest

from tests.fixtures.lti_env import LtiEnv
from tests.teacher.helpers import add_sheets, linked_session
from wims_lti.models import Course, ResourceLink

pytestmark = pytest.mark.django_db(transaction=True)


def test_activities_list_states_and_binding_the_link(lti_env: LtiEnv) -> None:
    env = lti_env
    session = linked_session(env)
    add_sheets(env, "Vectors", "Matrices")
    add_sheets(env, "Draft sheet", activate=False)
    course = Course.objects.get()
    client = env.wims.client()
    client.addexam(course.qclass, course.rclass, {"title": "Final exam", "duration": "30", "attempts": "2"})
    client.modsheet(course.qclass, course.rclass, 2, {"status": 3})  # expired and hidden
    page = session.get("activities/")
    assert page.status_code == 200
    text = page.text
    for expected in ("Vectors", "Matrices", "Draft sheet", "Final exam", "in preparation", "open", "hidden"):
        assert expected in text
    assert "opens the class&#x27;s home page" in text or "opens the class's home page" in text
    # Bind this link to sheet 1: students land on it from now on.
    response = session.submit("/activities/bind/")  # the first bind form: sheet 1
    assert response.status_code == 200 and "Opened by this link" in response.text
    link = ResourceLink.objects.get()
    assert (link.kind, link.number) == ("sheet", 1)
    url = env.enter(env.student)
    assert "module=adm%2Fsheet" in url and "sh=1" in url
    # Details of an exam come from getexam.
    detail = session.get("activities/exam/1/")
    assert detail.status_code == 200 and "30 minutes" in detail.text and "Final exam" in detail.text
    # Unbind: back to the class's home page.
    session.get("activities/")
    assert session.submit("/activities/unbind/").status_code == 200
    link.refresh_from_db()
    assert (link.kind, link.number) == ("", None)


def test_binding_refuses_numbers_the_class_does_not_have(lti_env: LtiEnv) -> None:
    env = lti_env
    session = linked_session(env)
    add_sheets(env, "Only sheet")
    for data in (
        {"kind": "sheet", "number": "7"},
        {"kind": "exam", "number": "1"},
        {"kind": "x", "number": "1"},
    ):
        response = session.post("activities/bind/", data)
        assert response.status_code == 404
    assert session.get("activities/sheet/9/").status_code == 404
    assert ResourceLink.objects.get().kind == ""


def test_custom_sheet_parameter_binds_the_link_on_first_sight(lti_env: LtiEnv) -> None:
    env = lti_env
    linked_session(env)
    add_sheets(env, "One", "Two")
    placed = env.course.add_resource_link("Feuille 2", score_maximum=10, custom={"sheet": "2"})
    url = env.enter(env.student, link=placed)
    assert "sh=2" in url
    link = ResourceLink.objects.get(resource_link_id=placed.id)
    assert (link.kind, link.number) == ("sheet", 2)
    # A binding the teacher chose afterwards wins over the custom parameter.
    ResourceLink.objects.filter(pk=link.pk).update(kind="sheet", number=1)
    assert "sh=1" in env.enter(env.student, link=placed)
    link.refresh_from_db()
    assert link.number == 1


def test_dashboard_makes_no_wims_call_and_shows_the_binding(lti_env: LtiEnv) -> None:
    env = lti_env
    linked_session(env)
    add_sheets(env, "One")
    ResourceLink.objects.update(kind="sheet", number=1)
    assert env.wims.emulator is not None
    log = env.wims.emulator.emulator.request_log
    mark = len(log)
    page = linked_session(env).page
    assert "This link opens sheet 1 for students." in page.text
    assert len(log) == mark
