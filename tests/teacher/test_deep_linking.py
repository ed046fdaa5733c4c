"""Deep Linking 2.0: a teacher picks sheets and exams; the LMS gets a signed response it accepts."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
import requests

from tests.fixtures.lti_env import BROWSER_TIMEOUT, LtiEnv, html_forms
from tests.teacher.helpers import TeacherSession, add_sheets, linked_session
from wims_lti.lti.devplatform import DEEP_LINKING_REQUEST, DeepLinkingSettings, DevBrowser
from wims_lti.models import Course, ResourceLink
from wims_lti.services.keys import signing_key

pytestmark = pytest.mark.django_db(transaction=True)


def _picker(env: LtiEnv, **kwargs: Any) -> TeacherSession:
    browser = DevBrowser(timeout=BROWSER_TIMEOUT)
    initiation = env.platform.start_launch(
        env.teacher, env.course, None, message_type=DEEP_LINKING_REQUEST, **kwargs
    )
    page = browser.launch(initiation, platform_url=env.server.url)
    assert page.status_code == 200 and "/teacher/" in page.url, (page.status_code, page.text[:800])
    return TeacherSession(env, page, browser)


def _return_to_platform(session: TeacherSession, response: requests.Response) -> requests.Response:
    """What the auto-submitting page does: POST the JWT to the platform's deep_link_return_url."""
    form = next(f for f in html_forms(response.text) if "JWT" in f.fields)
    return session.browser.session.post(form.action, data=form.fields, timeout=BROWSER_TIMEOUT)


def test_deep_linking_pick_of_two_sheets_is_accepted_with_line_items(lti_env_flavors: LtiEnv) -> None:
    env = lti_env_flavors
    linked_session(env)
    add_sheets(env, "Vectors", "Matrices", "Spaces")
    session = _picker(
        env,
        deep_linking=DeepLinkingSettings(
            ["ltiResourceLink"], ["iframe", "window"], accept_multiple=True, data="opaque-42"
        ),
    )
    assert session.page.url.endswith("/deep-linking/")
    assert 'type="checkbox"' in session.page.text and "Matrices" in session.page.text
    response = session.browser.session.post(
        session.url("deep-linking/"), data={"item": ["sheet-1", "sheet-3"]}, timeout=BROWSER_TIMEOUT
    )
    assert response.status_code == 200
    assert "auto-submit.js" in response.text and 'target="_self"' in response.text
    token = next(f for f in html_forms(response.text) if "JWT" in f.fields).fields["JWT"]
    header = jwt.get_unverified_header(token)
    assert header["kid"] == signing_key().kid and header["alg"] == "RS256"
    landed = _return_to_platform(session, response)
    assert landed.status_code == 200, landed.text
    result = env.platform.deep_linking_results[-1]
    assert result.accepted, result.error
    items = result.content_items
    assert [i["custom"] for i in items] == [{"sheet": "1"}, {"sheet": "3"}]
    qclass = Course.objects.get().qclass
    for item, number, title in zip(items, (1, 3), ("Vectors", "Spaces"), strict=True):
        assert item["type"] == "ltiResourceLink" and item["title"] == title and item["text"]
        assert item["url"] == f"{env.tool_url}/lti/{env.registration.uuid}/launch/"
        assert item["lineItem"] == {
            "scoreMaximum": 10,
            "label": title,
            "resourceId": f"wims:{env.wims_server.name}:{qclass}:sheet:{number}",
            "tag": "wims",
        }
    assert result.claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-42"
    assert len(result.line_items) == 2 and all(li.score_maximum == 10 for li in result.line_items)
    # A student opening the new link lands on its sheet, and the link is bound on first sight.
    new_link = result.resource_links[1]
    url = env.enter(env.student, link=new_link)
    assert "module=adm%2Fsheet" in url and "sh=3" in url
    assert ResourceLink.objects.get(resource_link_id=new_link.id).number == 3


def test_single_choice_placement_gets_radios_and_refuses_two(lti_env: LtiEnv) -> None:
    env = lti_env
    linked_session(env)
    add_sheets(env, "One", "Two")
    session = _picker(
        env, deep_linking=DeepLinkingSettings(["ltiResourceLink"], ["iframe"], accept_multiple=False)
    )
    assert 'type="radio"' in session.page.text and 'type="checkbox"' not in session.page.text
    two = session.browser.session.post(
        session.url("deep-linking/"), data={"item": ["sheet-1", "sheet-2"]}, timeout=BROWSER_TIMEOUT
    )
    assert two.status_code == 400 and "one activity only" in two.text
    none = session.browser.session.post(session.url("deep-linking/"), data={}, timeout=BROWSER_TIMEOUT)
    assert none.status_code == 400 and "at least one" in none.text
    one = session.browser.session.post(
        session.url("deep-linking/"), data={"item": "sheet-2"}, timeout=BROWSER_TIMEOUT
    )
    assert one.status_code == 200
    assert _return_to_platform(session, one).status_code == 200
    result = env.platform.deep_linking_results[-1]
    assert result.accepted and [i["custom"] for i in result.content_items] == [{"sheet": "2"}]
    assert "https://purl.imsglobal.org/spec/lti-dl/claim/data" not in result.claims  # none was sent


def test_deep_linking_on_an_unlinked_course_links_it_first(lti_env: LtiEnv) -> None:
    env = lti_env
    session = _picker(env)
    assert session.page.url.endswith("/course/")  # the linking step comes first
    response = session.submit("/course/create/")
    assert response.status_code == 200 and response.url.endswith("/deep-linking/")
    assert "The class has no worksheet or exam yet" in response.text
    assert Course.objects.get().is_linked


def test_picker_refuses_ids_of_another_class(lti_env: LtiEnv) -> None:
    env = lti_env
    linked_session(env)
    add_sheets(env, "One")
    session = _picker(env)
    for value in ("sheet-2", "exam-1", "sheet-x", "../1"):
        response = session.browser.session.post(
            session.url("deep-linking/"), data={"item": value}, timeout=BROWSER_TIMEOUT
        )
        assert response.status_code == 404
    assert env.platform.deep_linking_results == []


def test_a_students_deep_linking_launch_is_refused(lti_env: LtiEnv) -> None:
    env = lti_env
    initiation = env.platform.start_launch(env.student, env.course, None, message_type=DEEP_LINKING_REQUEST)
    response = DevBrowser(timeout=BROWSER_TIMEOUT).launch(initiation, platform_url=env.server.url)
    assert response.status_code == 403 and "/teacher/" not in response.url
    assert "Only teachers can add WIMS activities" in response.text
    assert not Course.objects.exists()  # nothing was set up for the student
