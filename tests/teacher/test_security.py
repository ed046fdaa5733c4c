"""Only the instructors of an LMS context act on that context's class; framing is limited to the LMSs."""

from __future__ import annotations

import re

import pytest
import requests
from django.test import Client, override_settings
from django.urls import URLPattern, get_resolver

from tests.fixtures.lti_env import BROWSER_TIMEOUT, LtiEnv
from tests.teacher.helpers import add_sheets, linked_session, teacher_session, token_of
from wims_lti.lti.devplatform import DEEP_LINKING_REQUEST, DevBrowser, people
from wims_lti.lti.devplatform.roles import INSTRUCTOR
from wims_lti.models import Course, ResourceLink, WimsServer
from wims_lti.security import frame_ancestors
from wims_lti.services.platforms import platform_register

pytestmark = pytest.mark.django_db(transaction=True)


def _teacher_paths(token: str) -> list[str]:
    """Every URL of the teacher pages (grades included), with `token` in it."""
    resolver = get_resolver()
    teacher = next(p for p in resolver.url_patterns if str(p.pattern) == "teacher/")
    paths = []
    for pattern in teacher.url_patterns:  # type: ignore[attr-defined]
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        route = (
            route.replace("<str:token>", token).replace("<str:kind>", "sheet").replace("<int:number>", "1")
        )
        assert "<" not in route, route
        paths.append("/teacher/" + route)
    return paths


def test_a_student_gets_403_on_every_teacher_url(lti_env: LtiEnv) -> None:
    env = lti_env
    teacher_token = token_of(linked_session(env).page.url)
    student_url = env.enter(env.student)
    assert "/teacher/" not in student_url  # students are never given a token
    client = Client()
    paths = _teacher_paths("x") + _teacher_paths(teacher_token + "x") + _teacher_paths(teacher_token[:-3])
    assert len(paths) >= 3 * 12
    for path in paths:
        for method in (client.get, client.post):
            response = method(path, {"confirm": "unlink", "kind": "sheet", "number": "1", "item": "sheet-1"})
            assert response.status_code == 403, (method, path, response.status_code)
    assert Course.objects.get(context_id=str(env.course.id)).is_linked


def test_a_teacher_of_course_a_cannot_act_on_course_b(lti_env: LtiEnv) -> None:
    env = lti_env
    other = env.platform.add_course("Course B", "B")
    teacher_b = other.enroll(people.teacher(), INSTRUCTOR)
    link_b = other.add_resource_link("B1")
    linked_session(env, user=teacher_b, course=other, link=link_b)
    course_b = Course.objects.get(context_id=str(other.id))
    client = env.wims.client()
    for title in ("B one", "B two", "B three"):
        number = client.addsheet(course_b.qclass, course_b.rclass, {"title": title})["sheet_id"]
        client.putexo(course_b.qclass, course_b.rclass, number, {"module": "classes/en", "title": "x"})
    session_a = linked_session(env)
    add_sheets(env, "A one")
    course_a = Course.objects.get(context_id=str(env.course.id))
    # Binding B's sheet 3 with A's token: A's class has no sheet 3 → 404, nothing changes anywhere.
    assert session_a.post("activities/bind/", {"kind": "sheet", "number": "3"}).status_code == 404
    assert set(ResourceLink.objects.values_list("kind", flat=True)) == {""}
    # The page of B's sheet 2 through A's token does not show B's data.
    response = session_a.get("activities/sheet/2/")
    assert response.status_code == 404 and "B two" not in response.text
    # Linking course A to B's class: refused (A cannot prove it owns it), B keeps its class.
    session_a.get("course/unlink/")
    session_a.post("course/unlink/", {"confirm": "unlink"})
    response = session_a.post("course/link/", {"server": env.wims_server.name, "qclass": course_b.qclass})
    assert response.status_code == 403
    assert not Course.objects.get(pk=course_a.pk).is_linked
    assert Course.objects.get(pk=course_b.pk).qclass == course_b.qclass
    # An unknown server name is a form error, not a lookup outside the stored servers.
    response = session_a.post("course/link/", {"server": "nope", "qclass": course_a.qclass})
    assert response.status_code == 400 and not Course.objects.get(pk=course_a.pk).is_linked
    # A's deep-linking picker does not take B's items.
    session_a.post("course/link/", {"server": env.wims_server.name, "qclass": course_a.qclass})
    browser = DevBrowser(timeout=BROWSER_TIMEOUT)
    initiation = env.platform.start_launch(env.teacher, env.course, None, message_type=DEEP_LINKING_REQUEST)
    picker = browser.launch(initiation, platform_url=env.server.url)
    response = browser.session.post(picker.url, data={"item": "sheet-3"}, timeout=BROWSER_TIMEOUT)
    assert response.status_code == 404 and env.platform.deep_linking_results == []


def test_changes_need_post(lti_env: LtiEnv) -> None:
    session = linked_session(lti_env)
    for path in ("course/create/", "course/link/", "course/recreate/", "course/restore/", "activities/bind/"):
        assert requests.get(session.url(path), timeout=10).status_code == 405
    assert Course.objects.get().is_linked


def test_tool_pages_may_be_framed_by_the_registered_platforms_only(lti_env: LtiEnv) -> None:
    env = lti_env
    page = teacher_session(env).page
    csp = page.headers["Content-Security-Policy"]
    assert csp.startswith("frame-ancestors 'self' ")
    assert env.server.url in csp.split()  # the dev platform's origin (issuer and login URL)
    assert "X-Frame-Options" not in page.headers
    # Error pages and the LTI endpoints carry it too.
    error = requests.get(f"{env.tool_url}/teacher/bad/", timeout=10)
    assert error.status_code == 403 and "frame-ancestors" in error.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in error.headers
    # The admin is never framed.
    admin = requests.get(f"{env.tool_url}/admin/login/", timeout=10)
    assert admin.headers["X-Frame-Options"] == "DENY"
    assert admin.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_frame_ancestors_follow_registrations_at_once(lti_env: LtiEnv) -> None:
    before = frame_ancestors()
    assert "https://canvas.example.edu" not in before
    server = WimsServer.objects.first()
    assert server is not None
    platform_register(
        name="Canvas cloud",
        issuer="https://canvas.instructure.com",
        client_id="10000000000001",
        auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
        auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
        keyset_url="https://sso.canvaslms.com/api/lti/security/jwks",
        deployment_ids=["1"],
        wims_server=server,
    )
    after = frame_ancestors()
    assert {
        "https://canvas.instructure.com",
        "https://sso.canvaslms.com",
        "https://*.instructure.com",
    } <= set(after)
    with override_settings(LTI_FRAME_ANCESTORS=["https://moodle.example.edu"]):
        from wims_lti.models import Platform

        Platform.objects.first().save()  # type: ignore[union-attr]  # any change refreshes the cache
        assert "https://moodle.example.edu" in frame_ancestors()
        csp = Client().get("/health/").headers["Content-Security-Policy"]
        assert re.search(r"frame-ancestors 'self' .*https://moodle\.example\.edu", csp)
