"""LaunchClaims reads any JSON without raising: wrong types read as absent, texts lose NUL bytes and lone
surrogates, ids always fit the database (a stable stand-in for longer ones)."""

from __future__ import annotations

from wims_lti.lti.claims import ID_MAX_LENGTH, LTI, LaunchClaims


def test_wrong_types_read_as_absent() -> None:
    claims = LaunchClaims.from_jwt_body(
        {
            "sub": {"x": 1},
            "aud": [5],
            LTI + "context": ["c"],
            LTI + "resource_link": "r",
            LTI + "roles": "Learner",
            LTI + "custom": ["sheet=1"],
            LTI + "launch_presentation": {"locale": 3},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ["x"],
            "given_name": 12,
        }
    )
    assert (claims.sub, claims.client_id, claims.context_id, claims.resource_link_id) == ("", "", "", "")
    assert claims.roles == () and claims.custom == {} and claims.ags is None
    assert claims.lang == "en" and claims.given_name == ""
    assert LaunchClaims.from_jwt_body([]).sub == ""  # type: ignore[arg-type]


def test_numbers_as_ids_are_read_as_text() -> None:
    assert LaunchClaims.from_jwt_body({"sub": 1234, LTI + "context": {"id": 7}}).context_id == "7"


def test_nul_bytes_and_surrogates_never_reach_the_database() -> None:
    claims = LaunchClaims.from_jwt_body(
        {"sub": "a\x00b", "given_name": "Jo\x00e", LTI + "context": {"id": "c1", "title": "T\ud800x"}}
    )
    assert "\x00" not in claims.sub and claims.given_name == "Joe"
    claims.context_title.encode("utf-8")  # no lone surrogate left
    assert LaunchClaims.from_jwt_body({"sub": "a\x00b"}).sub == claims.sub  # stable
    assert LaunchClaims.from_jwt_body({"sub": "ab"}).sub == "ab" != claims.sub  # never the same as "ab"


def test_ids_longer_than_the_columns_get_a_stable_stand_in() -> None:
    long_a, long_b = "x" * 600 + "a", "x" * 600 + "b"
    a = LaunchClaims.from_jwt_body({"sub": long_a}).sub
    b = LaunchClaims.from_jwt_body({"sub": long_b}).sub
    assert len(a) == len(b) == ID_MAX_LENGTH and a != b
    assert LaunchClaims.from_jwt_body({"sub": long_a}).sub == a
    exact = "y" * ID_MAX_LENGTH
    assert LaunchClaims.from_jwt_body({"sub": exact}).sub == exact  # ids that fit are kept as they are
