"""LTI 1.1 pieces on their own: claims from launch parameters, the POX envelope and its replies."""

from __future__ import annotations

import pytest

from wims_lti.lti.lti11 import lti11_claims, parse_outcome_reply, replace_result_xml
from wims_lti.models import Platform

SUCCESS = (
    '<imsx_POXEnvelopeResponse xmlns="http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0">'
    "<imsx_POXHeader><imsx_POXResponseHeaderInfo><imsx_statusInfo><imsx_codeMajor>success</imsx_codeMajor>"
    "<imsx_description>ok</imsx_description></imsx_statusInfo></imsx_POXResponseHeaderInfo></imsx_POXHeader>"
    "</imsx_POXEnvelopeResponse>"
)


def test_claims_from_moodle_parameters() -> None:
    platform = Platform(issuer="lti11:moodle.example.edu", client_id="key1", lti11_consumer_key="key1")
    params = {
        "user_id": "42",
        "roles": "urn:lti:role:ims/lis/Instructor,urn:lti:sysrole:ims/lis/Administrator",
        "context_id": "7",
        "resource_link_id": "r1",
        "launch_presentation_locale": "fr_FR",
        "custom_sheet": "3",
        "lis_person_name_full": "Ada Lovelace",
    }
    claims = lti11_claims(platform=platform, params=params)
    assert claims.sub == "lti11:42" and claims.is_staff and claims.lang == "fr"
    assert claims.bound_activity() == ("sheet", 3)
    assert claims.person_names() == ("Ada", "Lovelace")
    # The old gateway's /E2/ URL wins over a custom parameter.
    exam = lti11_claims(platform=platform, params=params, activity=("exam", 2))
    assert exam.bound_activity() == ("exam", 2)
    learner = lti11_claims(platform=platform, params={**params, "roles": "Learner"})
    assert not learner.is_staff


@pytest.mark.parametrize(
    ("score", "text"), [(0.65, "0.65"), (1, "1.0"), (0, "0.0"), (1.7, "1.0"), (-1, "0.0")]
)
def test_replace_result_score_is_a_decimal_between_0_and_1(score: float, text: str) -> None:
    xml = replace_result_xml(sourcedid="a<b", score=score, message_id="m1")
    assert f"<textString>{text}</textString>" in xml and "<sourcedId>a&lt;b</sourcedId>" in xml


def test_outcome_replies() -> None:
    assert parse_outcome_reply(SUCCESS).success
    failure = parse_outcome_reply(SUCCESS.replace(">success<", ">failure<").replace(">ok<", ">bad id<"))
    assert (failure.success, failure.code_major, failure.description) == (False, "failure", "bad id")
    assert parse_outcome_reply("<html>Server error</html>").code_major == "missing"
    assert parse_outcome_reply("not xml").code_major == "unparsable"
    entity = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "success">]><x><imsx_codeMajor>&a;</imsx_codeMajor></x>'
    )
    assert not parse_outcome_reply(entity).success
