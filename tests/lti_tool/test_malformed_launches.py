"""Malformed launches and API requests (issue 10, item 5): each is a 4xx with the usual error page (or the
API's JSON error), never a 500 — whether unsigned garbage or a signed token with claims of the wrong type."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from django.test import Client
from django.urls import reverse

from tests.fixtures.lti_env import LtiEnv
from tests.lti_tool.test_launch_security import _flow_until_id_token
from wims_lti.lti.devplatform import LaunchDefects
from wims_lti.lti.devplatform.claims import (
    CLAIM_CONTEXT,
    CLAIM_LAUNCH_PRESENTATION,
    CLAIM_NRPS,
    CLAIM_RESOURCE_LINK,
    CLAIM_ROLES,
    CLAIM_TOOL_PLATFORM,
)
from wims_lti.models import WimsAccount

pytestmark = pytest.mark.django_db(transaction=True)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def token(header: bytes, payload: bytes) -> str:
    return f"{b64(header)}.{b64(payload)}.c2ln"


NESTED_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000
UNSIGNED_TOKENS = {
    "nested-payload": token(b"{}", nested(5000)),
    "nested-object-payload": token(b'{"alg": "RS256"}', NESTED_OBJECT),
    "list-header": token(b"[1, 2]", b"{}"),
    "nested-header": token(nested(5000), b"{}"),
    "string-header": token(b'"alg"', b"{}"),
    "list-payload": token(json.dumps({"alg": "RS256", "kid": "x"}).encode(), b"[]"),
    "not-base64": "%%%.@@@.###",
    "not-utf8": token(b"{}", bytes(range(128, 256))),
    "huge-number": token(b"{}", b'{"exp": 1' + b"0" * 5000 + b"}"),
    "four-parts": "a.b.c.d",
    "empty": "",
}


@pytest.mark.parametrize("case", sorted(UNSIGNED_TOKENS))
def test_unsigned_garbage_is_refused_with_the_launch_page(lti_env: LtiEnv, case: str) -> None:
    client = Client(raise_request_exception=False)
    for url in (
        reverse("lti-launch"),
        reverse("lti-platform-launch", args=[lti_env.registration.uuid]),
    ):
        response = client.post(url, {"id_token": UNSIGNED_TOKENS[case], "state": "x"})
        assert response.status_code == 400, (case, url, response.status_code)
        assert "could not be verified" in response.content.decode()
        assert response["X-Correlation-ID"] in response.content.decode()


WRONG_TYPES = {
    "context-string": {CLAIM_CONTEXT: "course-1"},
    "context-list": {CLAIM_CONTEXT: [{"id": "1"}]},
    "context-id-object": {CLAIM_CONTEXT: {"id": {"x": 1}, "title": ["t"]}},
    "resource-link-list": {CLAIM_RESOURCE_LINK: ["a", "b"]},
    "resource-link-number": {CLAIM_RESOURCE_LINK: 12},
    "resource-link-id-object": {CLAIM_RESOURCE_LINK: {"id": {"nested": True}}},
    "nrps-string": {CLAIM_NRPS: "https://lms.example/nrps"},
    "nrps-url-list": {CLAIM_NRPS: {"context_memberships_url": ["a"], "service_versions": "2.0"}},
    "presentation-list": {CLAIM_LAUNCH_PRESENTATION: ["fr"]},
    "presentation-locale-number": {CLAIM_LAUNCH_PRESENTATION: {"locale": 12, "return_url": ["x"]}},
    "tool-platform-string": {CLAIM_TOOL_PLATFORM: "moodle"},
    "tool-platform-name-list": {CLAIM_TOOL_PLATFORM: {"name": ["x"], "guid": {}}},
    "roles-string": {CLAIM_ROLES: "Learner"},
    "roles-objects": {CLAIM_ROLES: [{"role": "Learner"}, 3, None]},
    "names-numbers": {"given_name": 12, "family_name": ["x"], "name": {"a": 1}, "email": 3.5},
    "custom-list": {"https://purl.imsglobal.org/spec/lti/claim/custom": ["sheet=1"]},
    "ags-list": {"https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ["scope"]},
    "ags-scope-string": {
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {"scope": "x", "lineitems": 3}
    },
    "lti1p1-string": {"https://purl.imsglobal.org/spec/lti/claim/lti1p1": "u1"},
    "sub-number": {"sub": 12345},
    "sub-object": {"sub": {"id": 1}},
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_signed_launches_with_claims_of_the_wrong_type_get_a_4xx_page(lti_env: LtiEnv, case: str) -> None:
    env = lti_env
    env.enter(env.teacher)
    response = env.launch(env.student, defects=LaunchDefects(extra_claims=WRONG_TYPES[case]))
    # Either refused with a clear page, or the malformed claim is read as absent and the student gets in.
    assert response.status_code in (302, 400, 403, 409), (case, response.status_code, response.text[:800])
    if response.status_code != 302:
        assert response.headers["X-Correlation-ID"] in response.text
    else:
        assert WimsAccount.objects.filter(lms_user__sub=str(env.student.sub)).exists() or case.startswith(
            "sub"
        )


def test_api_authentication_with_deeply_nested_json_is_a_400(live_server: object) -> None:
    url = reverse("api-authentication")
    client = Client(raise_request_exception=False)
    for body in (nested(5000), b'{"token":' * 5000 + b'"x"' + b"}" * 5000):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, response.content[:300]
        assert response.json()["status"] == "error"


def test_api_authentication_with_a_3mb_body_is_a_4xx(live_server: object) -> None:
    url = live_server.url + reverse("api-authentication")  # type: ignore[attr-defined]
    form = requests.post(url, data={"token": "x" * (3 * 1024 * 1024)}, timeout=30)
    assert form.status_code in (400, 413), form.text[:300]
    assert form.json()["status"] == "error"
    many = requests.post(url, data="&".join(f"f{i}=v" for i in range(20_000)), timeout=30,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert many.status_code in (400, 413) and many.json()["status"] == "error"
    big_json = requests.post(url, json={"token": "y" * (3 * 1024 * 1024)}, timeout=30)
    assert big_json.status_code in (400, 413) and big_json.json()["status"] == "error"


def test_a_3mb_launch_post_gets_the_error_page(lti_env: LtiEnv) -> None:
    url = lti_env.tool_url + reverse("lti-launch")
    response = requests.post(url, data={"id_token": "x" * (3 * 1024 * 1024)}, timeout=30)
    assert response.status_code in (400, 413)
    assert "text/html" in response.headers["Content-Type"]
    assert response.headers["X-Correlation-ID"] in response.text


@pytest.mark.parametrize(
    "header", [b"[1, 2]", b'["RS256", {"kid": "x"}]', b'"RS256"', b"null", b"[" * 5000 + b"]" * 5000]
)
def test_a_header_that_is_not_an_object_in_a_real_flow_is_refused(lti_env: LtiEnv, header: bytes) -> None:
    """With the state cookie and a payload naming the registration, validation reaches the signature
    check, which reads the header's `kid`: a list there was an AttributeError (500)."""
    env = lti_env
    env.enter(env.teacher)
    browser, action, fields = _flow_until_id_token(env, env.student)
    _header, payload, signature = fields["id_token"].split(".")
    fields["id_token"] = ".".join((b64(header), payload, signature))
    response = browser.session.post(action, data=fields, allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "could not be verified" in response.text
