"""The whole OIDC launch, driven by DevBrowser against the mini tool, and the claims each flavor sends."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import jwt
import pytest
import requests

from tests.lti.conftest import Lms
from wims_lti.lti.devplatform import DEEP_LINKING_REQUEST, DevBrowser, lti1p1_signature, people
from wims_lti.lti.devplatform.roles import (
    CANVAS_TEST_USER,
    INSTITUTION_ADMINISTRATOR,
    INSTRUCTOR,
    LEARNER,
    MEMBERSHIP_INSTRUCTOR,
    MEMBERSHIP_LEARNER,
    MEMBERSHIP_TA,
    NON_EDITING_TEACHER,
    TEACHING_ASSISTANT,
)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def test_a_full_launch_reaches_the_tool_with_a_verified_id_token(lms: Lms) -> None:
    response = lms.launch(lms.student)

    assert response.status_code == 200, response.text
    assert response.json() == {"launched": True, "sub": lms.student.sub}
    claims = lms.tool.launches[-1]
    assert claims["iss"] == lms.platform.issuer
    assert claims["aud"] == lms.registration.client_id
    assert claims["azp"] == lms.registration.client_id
    assert claims[LTI + "message_type"] == "LtiResourceLinkRequest"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == "1"
    assert claims[LTI + "resource_link"] == {
        "id": lms.link.id,
        "title": "Feuille 1",
        "description": "Exercices",
    }
    assert claims[LTI + "context"]["title"] == "Algèbre linéaire"
    assert claims[LTI + "tool_platform"]["product_family_code"] == lms.flavor
    assert claims[LTI + "launch_presentation"]["document_target"] == "iframe"
    assert claims[AGS]["lineitem"] == lms.lineitem_url()
    assert claims[AGS]["lineitems"].startswith(lms.server.url)
    assert claims[NRPS]["service_versions"] == ["2.0"]
    assert claims["given_name"] == "Alan" and claims["email"].endswith("@example.edu")


def test_the_browser_walks_tool_redirect_platform_form_and_keeps_the_state_cookie(moodle: Lms) -> None:
    browser = DevBrowser()
    final = browser.launch(moodle.platform.start_launch(moodle.student, moodle.course, moodle.link))

    steps = [(r.request.method, r.url.split("?")[0], r.status_code) for r in browser.history]
    assert steps == [
        ("POST", moodle.tool.url + "/login", 302),
        ("GET", moodle.platform.auth_login_url, 200),
        ("POST", moodle.tool.url + "/launch", 200),
    ]
    assert final.status_code == 200
    assert "lti_state" in browser.session.cookies


def test_the_browser_stops_at_redirects_to_hosts_it_was_not_given(make_lms: Callable[..., Lms]) -> None:
    lms = make_lms("canvas", issuer="https://canvas.instructure.com")
    browser = DevBrowser()
    stopped = browser.launch(lms.platform.start_launch(lms.student, lms.course, lms.link))  # no platform_url

    assert stopped.status_code == 302
    assert stopped.headers["Location"].startswith(lms.platform.auth_login_url)
    assert len(browser.history) == 1 and lms.tool.launches == []


def test_moodle_and_canvas_write_roles_their_own_way(make_lms: Callable[..., Lms]) -> None:
    moodle, canvas = make_lms("moodle"), make_lms("canvas")
    for lms in (moodle, canvas):
        ta = lms.course.enroll(people.teaching_assistant(), TEACHING_ASSISTANT)
        net = lms.course.enroll(people.teacher(), NON_EDITING_TEACHER)
        admin = lms.course.enroll(people.admin(), INSTRUCTOR)
        for user in (ta, net, admin, lms.teacher):
            assert lms.launch(user).status_code == 200

    def roles(lms: Lms, index: int) -> list[str]:
        return lms.tool.launches[index][LTI + "roles"]

    assert roles(moodle, 0) == [MEMBERSHIP_LEARNER]  # a TA is no editing teacher in Moodle
    assert roles(moodle, 1) == [MEMBERSHIP_LEARNER]  # non-editing teacher
    assert INSTITUTION_ADMINISTRATOR in roles(moodle, 2) and MEMBERSHIP_INSTRUCTOR in roles(moodle, 2)
    assert roles(moodle, 3) == [MEMBERSHIP_INSTRUCTOR]
    assert MEMBERSHIP_TA in roles(canvas, 0)
    assert MEMBERSHIP_INSTRUCTOR in roles(canvas, 3)
    assert "http://purl.imsglobal.org/vocab/lis/v2/system/person#User" in roles(canvas, 3)


def test_canvas_claims_carry_canvas_custom_vars_extensions_and_test_student(canvas: Lms) -> None:
    fake = canvas.course.enroll(people.test_student(), LEARNER)
    assert canvas.launch(fake, custom={"wims_sheet": "3"}).status_code == 200

    claims = canvas.tool.launches[-1]
    assert CANVAS_TEST_USER in claims[LTI + "roles"]
    assert claims[LTI + "custom"]["canvas_course_id"] == str(canvas.course.id)
    assert claims[LTI + "custom"]["wims_sheet"] == "3"
    assert claims["https://www.instructure.com/placement"] == "course_navigation"
    assert claims[LTI + "tool_platform"]["guid"].endswith(":canvas-lms")
    assert "email" not in claims and claims["name"] == "Test Student"
    assert claims[LTI + "launch_presentation"]["width"] == 800


def test_privacy_settings_and_omitted_fields_remove_pii(make_lms: Callable[..., Lms]) -> None:
    lms = make_lms("canvas", share_name=False, share_email=False)
    assert lms.launch(lms.student).status_code == 200
    assert not {"name", "given_name", "family_name", "email", "picture"} & set(lms.tool.launches[-1])

    nameless = lms.course.enroll(people.nameless_user(), LEARNER)
    lms.registration.share_name = lms.registration.share_email = True
    assert lms.launch(nameless, omit=("locale",)).status_code == 200
    assert not {"name", "email", "locale"} & set(lms.tool.launches[-1])


def test_unicode_names_and_a_very_long_course_title_survive_the_launch(moodle: Lms) -> None:
    course = moodle.platform.add_course(people.LONG_COURSE_TITLE, "LONG")
    link = course.add_resource_link("Feuille Ω")
    for user in people.unicode_students():
        course.enroll(user, LEARNER)
        response = DevBrowser().launch(moodle.platform.start_launch(user, course, link))
        assert response.status_code == 200
        claims = moodle.tool.launches[-1]
        assert claims["name"] == user.name
        assert claims[LTI + "context"]["title"] == people.LONG_COURSE_TITLE
    assert {c["name"] for c in moodle.tool.launches} >= {"Łukasz Żółć", "李雷"}


def test_lti11_migration_claim_is_signed_per_the_migration_spec(make_lms: Callable[..., Lms]) -> None:
    lms = make_lms("moodle", lti11_consumer_key="wims-key", lti11_secret="s3cret")
    assert lms.launch(lms.student, lti1p1=True).status_code == 200

    claims = lms.tool.launches[-1]
    migration = claims[LTI + "lti1p1"]
    expected = lti1p1_signature(
        key="wims-key",
        secret="s3cret",
        deployment_id="1",
        iss=lms.platform.issuer,
        client_id=lms.registration.client_id,
        exp=claims["exp"],
        nonce=claims["nonce"],
    )
    assert migration["oauth_consumer_key"] == "wims-key"
    assert migration["oauth_consumer_key_sign"] == expected
    assert migration["user_id"] == lms.student.lti11_user_id


def test_a_fixed_issuer_emulates_canvas_cloud(make_lms: Callable[..., Lms]) -> None:
    lms = make_lms("canvas", issuer="https://canvas.instructure.com")
    initiation = lms.platform.start_launch(lms.student, lms.course, lms.link)
    assert initiation.params["iss"] == "https://canvas.instructure.com"
    assert lms.platform.auth_login_url.startswith(lms.server.url)
    assert DevBrowser().launch(initiation, platform_url=lms.server.url).status_code == 200
    assert lms.tool.launches[-1]["iss"] == "https://canvas.instructure.com"


def test_deep_linking_request_carries_flavor_settings(lms: Lms) -> None:
    lms.launch(lms.teacher, message_type=DEEP_LINKING_REQUEST)
    settings = lms.tool.launches[-1]["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    assert settings["accept_types"] == ["ltiResourceLink"]
    assert settings["accept_multiple"] is True
    assert settings["deep_link_return_url"].startswith(lms.server.url)
    assert LTI + "resource_link" not in lms.tool.launches[-1]
    if lms.flavor == "moodle":
        assert settings["accept_presentation_document_targets"] == ["frame", "iframe", "window"]


def _auth_params(lms: Lms, **overrides: str) -> dict[str, str]:
    initiation = lms.platform.start_launch(lms.student, lms.course, lms.link)
    params = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": lms.registration.client_id,
        "redirect_uri": lms.tool.url + "/launch",
        "state": "s1",
        "nonce": "n1",
        "login_hint": initiation.params["login_hint"],
        "lti_message_hint": initiation.params["lti_message_hint"],
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != "<drop>"}


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"scope": "openid profile"}, "scope must be"),
        ({"response_type": "code"}, "response_type must be"),
        ({"response_mode": "query"}, "response_mode must be"),
        ({"prompt": "login"}, "prompt must be"),
        ({"client_id": "stranger"}, "unknown client_id"),
        ({"redirect_uri": "http://127.0.0.1:9/evil"}, "is not registered"),
        ({"nonce": "<drop>"}, "nonce is missing"),
        ({"state": "<drop>"}, "state is missing"),
        ({"login_hint": "someone-else"}, "login_hint does not match"),
        ({"lti_message_hint": "forged"}, "does not match any pending launch"),
    ],
)
def test_the_authorization_endpoint_refuses_what_an_lms_refuses(
    moodle: Lms, overrides: dict, reason: str
) -> None:
    response = requests.get(
        moodle.platform.auth_login_url + "?" + urlencode(_auth_params(moodle, **overrides)), timeout=10
    )
    assert response.status_code == 400
    assert reason in response.text
    assert 'name="id_token"' not in response.text


def test_a_valid_auth_request_answers_an_auto_post_form_and_is_single_use(canvas: Lms) -> None:
    params = _auth_params(canvas)
    first = requests.post(canvas.platform.auth_login_url, data=params, timeout=10)
    second = requests.post(canvas.platform.auth_login_url, data=params, timeout=10)

    assert first.status_code == 200
    assert f'action="{canvas.tool.url}/launch"' in first.text and ".submit()" in first.text
    assert 'name="lti_storage_target"' in first.text
    token = canvas.platform.issued_id_tokens[-1].token
    assert jwt.get_unverified_header(token)["kid"] == canvas.platform.keys.current.kid
    assert second.status_code == 400
