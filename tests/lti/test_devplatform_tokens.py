"""Token endpoint: client-assertion checks per flavor, scopes, counting, and bearer checks on services."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import requests

from tests.lti.conftest import Lms
from tests.lti.minitool import ToolKey
from wims_lti.lti.devplatform import MOODLE_GRADE_SYNC_ONLY_SCOPES

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def test_a_valid_assertion_gets_a_bearer_token(lms: Lms) -> None:
    response = lms.request_token([SCORE, NRPS])

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert set(body["scope"].split()) == {SCORE, NRPS}
    assert body["access_token"]
    assert lms.platform.tokens.request_count == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"signer": ToolKey.generate()},  # signed by a key the tool's JWKS does not hold
        {"exp": int(time.time()) - 10},
        {"iss": "someone-else"},
    ],
    ids=["bad-signature", "expired", "wrong-iss"],
)
def test_bad_assertions_are_refused_on_both_flavors(lms: Lms, overrides: dict) -> None:
    response = lms.request_token([SCORE], **overrides)
    assert response.status_code == 400
    assert "error" in response.json()


def test_unknown_client_is_401(lms: Lms) -> None:
    response = lms.request_token([SCORE], sub="nobody", iss="nobody")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_replayed_jti_is_refused(lms: Lms) -> None:
    assert lms.request_token([SCORE], jti="once").status_code == 200
    replay = lms.request_token([SCORE], jti="once")
    assert replay.status_code == 400
    assert "jti" in replay.text


def test_canvas_wants_aud_to_be_its_token_url_moodle_ignores_it(make_lms: Callable[..., Lms]) -> None:
    moodle, canvas = make_lms("moodle"), make_lms("canvas")
    assert (
        canvas.request_token([SCORE], aud="https://sso.canvaslms.com/login/oauth2/token").status_code == 400
    )
    assert canvas.request_token([SCORE], aud=[canvas.platform.auth_token_url, "x"]).status_code == 200
    assert moodle.request_token([SCORE], aud="https://anything.example/token").status_code == 200


def test_canvas_iat_window_and_moodle_zero_leeway(make_lms: Callable[..., Lms]) -> None:
    moodle, canvas = make_lms("moodle"), make_lms("canvas")
    now = int(time.time())
    assert canvas.request_token([SCORE], iat=now - 400).status_code == 400  # > 5 min old
    assert canvas.request_token([SCORE], iat=now + 60).status_code == 400  # > 30 s ahead
    assert canvas.request_token([SCORE], iat=now + 20).status_code == 200
    assert canvas.request_token([SCORE], jti=None).status_code == 400  # jti required
    assert moodle.request_token([SCORE], iat=now + 20).status_code == 400  # php-jwt leeway 0
    assert moodle.request_token([SCORE], iat=now - 400, jti=None).status_code == 200


def test_canvas_refuses_any_scope_not_on_the_key_moodle_grants_the_intersection(
    make_lms: Callable[..., Lms],
) -> None:
    moodle = make_lms("moodle", scopes=MOODLE_GRADE_SYNC_ONLY_SCOPES)
    canvas = make_lms("canvas", scopes=MOODLE_GRADE_SYNC_ONLY_SCOPES)

    refused = canvas.request_token([SCORE, LINEITEM])
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    granted = moodle.request_token([SCORE, LINEITEM])
    assert granted.status_code == 200 and granted.json()["scope"] == SCORE
    assert moodle.request_token([LINEITEM]).json()["error"] == "invalid_scope"


def test_every_token_request_is_counted(moodle: Lms) -> None:
    moodle.request_token([SCORE])
    moodle.request_token([SCORE], exp=1)
    assert moodle.platform.tokens.request_count == 2
    assert [r.status for r in moodle.platform.tokens.requests] == [200, 400]


def test_token_endpoint_can_fail_or_be_down(moodle: Lms) -> None:
    moodle.platform.faults.add("/mod/lti/token.php", status=500, times=1)
    moodle.platform.faults.down("/mod/lti/token.php", times=1)
    assert moodle.request_token([SCORE]).status_code == 500
    with pytest.raises(requests.ConnectionError):
        moodle.request_token([SCORE])
    assert moodle.request_token([SCORE]).status_code == 200


def test_the_tool_keyset_is_cached_and_refetched_on_an_unknown_kid(canvas: Lms) -> None:
    canvas.request_token([SCORE])
    canvas.request_token([SCORE])
    keyset = canvas.platform.tool_keyset(canvas.registration)
    assert keyset.fetch_count == 1
    assert canvas.request_token([SCORE], kid="rotated-kid").status_code == 400
    assert keyset.fetch_count == 2


def test_services_need_a_valid_unexpired_token_with_the_scope(lms: Lms) -> None:
    url = lms.platform.lineitem_url(lms.platform.line_item(lms.link))
    accept = {"Accept": "application/vnd.ims.lis.v2.lineitem+json"}
    assert requests.get(url, headers=accept, timeout=10).status_code == 401
    assert (
        requests.get(url, headers={**accept, "Authorization": "Bearer nope"}, timeout=10).status_code == 401
    )

    nrps_only = lms.access_token([NRPS])
    assert (
        requests.get(url, headers={**accept, "Authorization": f"Bearer {nrps_only}"}, timeout=10).status_code
        == 401
    )
    token = lms.access_token()
    assert (
        requests.get(url, headers={**accept, "Authorization": f"Bearer {token}"}, timeout=10).status_code
        == 200
    )
    lms.platform.tokens.expire_all()
    assert (
        requests.get(url, headers={**accept, "Authorization": f"Bearer {token}"}, timeout=10).status_code
        == 401
    )
