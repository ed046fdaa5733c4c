"""Each negative knob forges exactly the defect it names; the mini tool refuses every one of them."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from tests.lti.conftest import Lms
from wims_lti.lti.devplatform import LaunchDefects

LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _issued(lms: Lms, defects: LaunchDefects):
    response = lms.launch(lms.student, defects=defects)
    return response, lms.platform.issued_id_tokens[-1]


def _verify(lms: Lms, token: str, **options: Any) -> dict:
    key = jwt.PyJWKClient(lms.platform.jwks_url).get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["RS256"], audience=lms.registration.client_id, **options)


@pytest.mark.parametrize(
    ("defects", "tool_error"),
    [
        (LaunchDefects(foreign_key=True), "InvalidSignatureError"),
        (LaunchDefects(unknown_kid=True), "PyJWKClientError"),
        (LaunchDefects(aud="someone-else"), "InvalidAudienceError"),
        (LaunchDefects(expired=True), "ExpiredSignatureError"),
        (LaunchDefects(iat_ahead=120), "ImmatureSignatureError"),
        (LaunchDefects(nonce="a-nonce-seen-before"), "nonce mismatch"),
        (LaunchDefects(deployment_id="unknown-deployment"), "unknown deployment"),
        (LaunchDefects(message_type="LtiSubmissionReviewRequest"), "unsupported message type"),
        (LaunchDefects(version="1.1"), "wrong LTI version"),
        (LaunchDefects(drop_claims=("roles",)), "missing claim " + LTI + "roles"),
        (LaunchDefects(tamper={"sub": "admin"}), "InvalidSignatureError"),
    ],
)
def test_the_tool_refuses_each_forged_launch(lms: Lms, defects: LaunchDefects, tool_error: str) -> None:
    response, _ = _issued(lms, defects)

    assert response.status_code == 401
    assert tool_error in lms.tool.errors[-1]
    assert lms.tool.launches == []


def test_foreign_key_keeps_the_platform_kid_but_fails_the_signature(moodle: Lms) -> None:
    _, issued = _issued(moodle, LaunchDefects(foreign_key=True))
    assert jwt.get_unverified_header(issued.token)["kid"] == moodle.platform.keys.current.kid
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(moodle, issued.token)


def test_expired_and_future_iat_move_exactly_those_times(canvas: Lms) -> None:
    now = time.time()
    _, expired = _issued(canvas, LaunchDefects(expired=True))
    _, ahead = _issued(canvas, LaunchDefects(iat_ahead=300))

    assert expired.claims["exp"] < now
    assert _verify(canvas, expired.token, options={"verify_exp": False})["sub"] == canvas.student.sub
    assert 295 <= ahead.claims["iat"] - now <= 305
    assert _verify(canvas, ahead.token, leeway=400)["iat"] == ahead.claims["iat"]


def test_reused_nonce_is_signed_as_given(moodle: Lms) -> None:
    moodle.launch(moodle.student)
    first_nonce = moodle.tool.launches[-1]["nonce"]
    _, issued = _issued(moodle, LaunchDefects(nonce=first_nonce))

    assert _verify(moodle, issued.token)["nonce"] == first_nonce
    assert "nonce mismatch or replay" in moodle.tool.errors[-1]


def test_unknown_deployment_appears_in_login_initiation_and_token(canvas: Lms) -> None:
    initiation = canvas.platform.start_launch(
        canvas.student, canvas.course, canvas.link, defects=LaunchDefects(deployment_id="99")
    )
    assert initiation.params["lti_deployment_id"] == "99"


def test_dropped_claims_accept_short_and_full_names(moodle: Lms) -> None:
    _, issued = _issued(moodle, LaunchDefects(drop_claims=("resource_link", LTI + "context", "nonce")))
    claims = _verify(moodle, issued.token)
    assert LTI + "resource_link" not in claims and LTI + "context" not in claims and "nonce" not in claims
    assert LTI + "roles" in claims


def test_tampered_payload_keeps_header_and_signature(canvas: Lms) -> None:
    _, issued = _issued(canvas, LaunchDefects(tamper={"sub": "1"}))
    assert jwt.get_unverified_header(issued.token)["kid"] == canvas.platform.keys.current.kid
    assert jwt.decode(issued.token, options={"verify_signature": False})["sub"] == "1"
    assert issued.claims["sub"] == canvas.student.sub
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(canvas, issued.token)


def test_starting_a_launch_for_an_unregistered_deployment_needs_the_knob(moodle: Lms) -> None:
    with pytest.raises(ValueError, match="not registered"):
        moodle.platform.start_launch(moodle.student, moodle.course, moodle.link, deployment_id="99")
