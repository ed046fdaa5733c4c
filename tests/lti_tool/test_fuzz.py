"""A bounded fuzz of the public LTI endpoints (issue 10, item 5): whatever is sent — garbage forms, JSON,
bytes, tokens, or a correctly signed launch whose claims hold arbitrary JSON — the answer is never a 5xx.
(The admin API is fuzzed against its OpenAPI document by tests/api/test_schemathesis.py.)"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.lti_env import LtiEnv
from wims_lti.lti.devplatform import LaunchDefects
from wims_lti.lti.devplatform.claims import CLAIM_ALIASES

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = [
    "iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id",
    "id_token", "state", "nonce", "oauth_consumer_key", "oauth_signature", "oauth_signature_method",
    "oauth_timestamp", "oauth_nonce", "oauth_version", "lti_message_type", "lti_version", "user_id",
    "context_id", "resource_link_id", "roles", "lis_person_name_given", "launch_presentation_locale",
    "custom_sheet", "openid_configuration", "registration_token", "token",
]  # fmt: skip
TEXT = st.text(st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    ["", "1", "https://lms.example", "\x00", "[" * 50, "é" * 20, "a.b.c", "x" * 3000]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


DEEP = b"[" * 3000 + b"]" * 3000  # nesting far past Python's recursion limit
JWT = st.builds(
    lambda header, payload, sig: (
        f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{sig}"
    ),
    JSON,
    JSON,
    st.text("abcXYZ0129-_", max_size=20),
) | st.sampled_from([f"{b64(b'{}')}.{b64(DEEP)}.c2ln", f"{b64(DEEP)}.{b64(b'{}')}.c2ln"])
FORM = st.dictionaries(st.sampled_from(FIELDS) | TEXT, TEXT | JWT, max_size=8)


def endpoints(env: LtiEnv) -> list[str]:
    uuid = env.registration.uuid
    return [
        "/lti/login/", "/lti/launch/", "/lti/jwks/", f"/lti/{uuid}/login/", f"/lti/{uuid}/launch/",
        f"/lti/{uuid}/config/", f"/lti/{uuid}/canvas.json", "/lti/launch11/", "/lti/C1/", "/lti/C1/S1/",
        "/lti/C1/E1/", "/lti/register/not-a-token/", "/teacher/not-a-token/", "/health/", "/",
    ]  # fmt: skip


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_unauthenticated_requests_never_get_a_5xx(lti_env: LtiEnv, data: st.DataObject) -> None:
    client = Client(raise_request_exception=False)
    path = data.draw(st.sampled_from(endpoints(lti_env)), label="path")
    method = data.draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]), label="method")
    kind = data.draw(st.sampled_from(["form", "query", "json", "bytes"]), label="kind")
    # WSGI hands headers over as Latin-1 text: that is all a real server can pass on.
    headers = {"HTTP_ACCEPT_LANGUAGE": data.draw(st.text(st.characters(codec="latin-1"), max_size=40))}
    if kind == "form" and method == "POST":
        response = client.post(path, data.draw(FORM, label="form"), **headers)
    elif kind == "json":
        body = json.dumps(data.draw(JSON, label="json"))
        response = client.generic(method, path, body, content_type="application/json", **headers)
    elif kind == "bytes":
        body_bytes = data.draw(st.binary(max_size=500), label="bytes")
        content_type = data.draw(
            st.sampled_from(
                ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]
            )
        )
        response = client.generic(method, path, body_bytes, content_type=content_type, **headers)
    else:
        query = urlencode(data.draw(FORM, label="query"))  # percent-encoded, as a browser sends it
        response = client.generic(method, path, **headers, QUERY_STRING=query)
    assert response.status_code < 500, (method, path, kind, response.status_code)


# The claims a launch reads its content from (breaking the ones pylti1p3 checks first, message_type
# and the like, only ever gets the launch refused before any content is read).
CONTENT = ("context", "resource_link", "tool_platform", "launch_presentation", "custom", "lis", "ags", "nrps")
CLAIMS = sorted({*(CLAIM_ALIASES[c] for c in CONTENT), CLAIM_ALIASES["roles"], "given_name", "family_name",
                 "name", "email"})  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(claims=st.dictionaries(st.sampled_from(CLAIMS), JSON, min_size=1, max_size=4))
def test_signed_launches_with_arbitrary_claim_values_never_get_a_5xx(
    lti_env: LtiEnv, claims: dict[str, Any]
) -> None:
    response = lti_env.launch(lti_env.student, defects=LaunchDefects(extra_claims=claims))
    assert response.status_code < 500, (claims, response.status_code, response.text[:500])
