"""Platform keys: the JWKS over HTTP, direct signing, and rotation that keeps the old kid published."""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.lti.conftest import Lms
from wims_lti.lti.devplatform import SigningKey


def test_jwks_publishes_rs256_signing_keys_with_kid(lms: Lms) -> None:
    response = requests.get(lms.platform.jwks_url, timeout=10)

    assert response.status_code == 200
    keys = response.json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kid"] == lms.platform.keys.current.kid
    assert (keys[0]["alg"], keys[0]["use"], keys[0]["kty"]) == ("RS256", "sig", "RSA")
    assert "d" not in keys[0]  # public part only


def test_sign_id_token_is_verifiable_with_the_jwks_endpoint(moodle: Lms) -> None:
    token = moodle.platform.sign_id_token({"sub": "42", "aud": "x", "iss": moodle.platform.issuer})
    key = jwt.PyJWKClient(moodle.platform.jwks_url).get_signing_key_from_jwt(token).key
    assert jwt.decode(token, key, algorithms=["RS256"], audience="x")["sub"] == "42"

    foreign = moodle.platform.sign_id_token({"sub": "42"}, key=SigningKey.generate(kid="foreign"))
    with pytest.raises(jwt.PyJWKClientError):
        jwt.PyJWKClient(moodle.platform.jwks_url).get_signing_key_from_jwt(foreign)


def test_rotation_signs_with_the_new_key_and_keeps_the_old_kid(canvas: Lms) -> None:
    old_kid = canvas.platform.keys.current.kid
    assert canvas.launch(canvas.student).status_code == 200
    new = canvas.platform.rotate_key()

    kids = [key["kid"] for key in requests.get(canvas.platform.jwks_url, timeout=10).json()["keys"]]
    assert kids == [old_kid, new.kid]
    assert canvas.launch(canvas.student).status_code == 200  # the tool refetches on the unknown kid
    assert jwt.get_unverified_header(canvas.platform.issued_id_tokens[-1].token)["kid"] == new.kid

    canvas.platform.keys.retire(old_kid)
    kids = [key["kid"] for key in requests.get(canvas.platform.jwks_url, timeout=10).json()["keys"]]
    assert kids == [new.kid]
