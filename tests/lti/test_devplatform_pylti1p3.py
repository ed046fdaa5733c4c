"""A real tool library (pylti1p3's own service classes) talking to the platform over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.registration import Registration
from pylti1p3.service_connector import ServiceConnector

from tests.lti.conftest import CLIENT_ID, Lms
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import LEARNER

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


class CachingConnector(ServiceConnector):
    """The two cache hooks pylti1p3 leaves to the tool, kept in memory."""

    def __init__(self, registration: Registration) -> None:
        super().__init__(registration)
        self._cache: dict[str, str] = {}

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return self._cache.get(scope_key)

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        self._cache[scope_key] = access_token


def _services(lms: Lms) -> tuple[AssignmentsGradesService, NamesRolesProvisioningService]:
    registration = (
        Registration()
        .set_issuer(lms.platform.issuer)
        .set_client_id(CLIENT_ID)
        .set_auth_token_url(lms.platform.auth_token_url)
        .set_tool_private_key(lms.key.private_pem)
        .set_tool_public_key(lms.key.public_pem)
    )
    assert registration.get_kid() == lms.key.kid
    assert lms.launch(lms.student).status_code == 200
    claims = lms.tool.launches[-1]  # service URLs and scopes as the launch advertised them
    connector = CachingConnector(registration)
    return AssignmentsGradesService(connector, claims[AGS]), NamesRolesProvisioningService(
        connector, claims[NRPS]
    )


def _grade(user_sub: str, score: float) -> Grade:
    return (
        Grade()
        .set_score_given(score)
        .set_score_maximum(20)
        .set_timestamp(datetime.now(UTC).isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(user_sub)
    )


def test_pylti1p3_grades_lists_and_creates_line_items_with_one_token_request(lms: Lms) -> None:
    ags, nrps = _services(lms)

    ags.put_grade(_grade(lms.student.sub, 15))
    assert lms.platform.gradebook[(lms.link, lms.student.sub)].grade == 7.5  # 15/20 of 10

    created = ags.find_or_create_lineitem(
        LineItem().set_tag("wims-sheet-2").set_label("Feuille 2").set_score_maximum(10)
    )
    again = ags.find_or_create_lineitem(
        LineItem().set_tag("wims-sheet-2").set_label("Feuille 2").set_score_maximum(10)
    )
    assert created.get_id() == again.get_id()
    assert [item["label"] for item in ags.get_lineitems()] == ["Feuille 1", "Feuille 2"]
    assert [r["resultScore"] for r in ags.get_grades()] == [7.5]

    members = nrps.get_members()
    assert {m["user_id"] for m in members} == {lms.teacher.sub, lms.student.sub}
    assert lms.platform.tokens.request_count == 2  # one per scope set (AGS claim scopes, NRPS scope)


def test_pylti1p3_follows_canvas_nrps_pages(canvas: Lms) -> None:
    for _ in range(60):
        canvas.course.enroll(people.student(), LEARNER)
    _, nrps = _services(canvas)
    assert len(nrps.get_members()) == 62
    assert len(canvas.platform.requests_matching(r"/names_and_roles", method="GET")) == 2


def test_pylti1p3_cannot_read_moodles_bare_link_header(moodle: Lms) -> None:
    """The pitfall the conventions describe: with `limit`, pylti1p3 stops after the first page."""
    for _ in range(3):
        moodle.course.enroll(people.student(), LEARNER)
    _, nrps = _services(moodle)
    url = moodle.platform.urls.memberships(moodle.course.id, moodle.registration.type_id)
    members, next_url = nrps.get_members_page(url + "?limit=2")
    assert len(members) == 2 and next_url is None
    assert len(nrps.get_members()) == 5  # without limit Moodle sends everything at once


def test_pylti1p3_surfaces_injected_failures(moodle: Lms) -> None:
    ags, _ = _services(moodle)
    moodle.platform.faults.add(r"/scores", status=503, times=1)
    with pytest.raises(LtiServiceException):
        ags.put_grade(_grade(moodle.student.sub, 10))
