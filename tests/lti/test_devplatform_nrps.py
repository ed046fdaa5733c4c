"""NRPS: who is listed, with which roles and PII, and how each flavor pages."""

from __future__ import annotations

from collections.abc import Callable

import requests

from tests.lti.conftest import Lms
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import LEARNER, MEMBERSHIP_INSTRUCTOR, MEMBERSHIP_TA, TEACHING_ASSISTANT

MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


def _get(lms: Lms, url: str | None = None) -> requests.Response:
    token = lms.access_token([NRPS])
    target = url or lms.platform.urls.memberships(lms.course.id, lms.registration.type_id)
    return requests.get(
        target, headers={"Authorization": f"Bearer {token}", "Accept": MEMBERSHIPS}, timeout=10
    )


def test_moodle_lists_active_members_with_short_roles(moodle: Lms) -> None:
    dropped = moodle.course.enroll(people.student(), LEARNER)
    moodle.course.suspend(dropped)
    url = moodle.platform.urls.memberships(moodle.course.id, moodle.registration.type_id)
    assert "/CourseSection/" in url and "/bindings/" in url

    response = _get(moodle)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == MEMBERSHIPS
    members = {m["user_id"]: m for m in response.json()["members"]}
    assert set(members) == {moodle.teacher.sub, moodle.student.sub}
    assert members[moodle.teacher.sub]["roles"] == ["Instructor"]
    assert members[moodle.student.sub]["roles"] == ["Learner"]
    assert all(m["status"] == "Active" for m in members.values())
    assert response.json()["context"]["title"] == "Algèbre linéaire"


def test_canvas_lists_full_role_uris_and_respects_privacy(make_lms: Callable[..., Lms]) -> None:
    canvas = make_lms("canvas", share_email=False)
    ta = canvas.course.enroll(people.teaching_assistant(), TEACHING_ASSISTANT)
    members = {m["user_id"]: m for m in _get(canvas).json()["members"]}
    assert members[canvas.teacher.sub]["roles"] == [MEMBERSHIP_INSTRUCTOR]
    assert members[ta.sub]["roles"] == [MEMBERSHIP_TA]
    assert "email" not in members[ta.sub] and members[ta.sub]["given_name"] == "Grace"
    assert members[canvas.student.sub]["lti11_legacy_user_id"] == canvas.student.lti11_user_id


def test_moodle_pages_only_with_limit_and_sends_a_bare_link(moodle: Lms) -> None:
    for _ in range(3):
        moodle.course.enroll(people.student(), LEARNER)
    assert "Link" not in _get(moodle).headers and len(_get(moodle).json()["members"]) == 5

    url = moodle.platform.urls.memberships(moodle.course.id, moodle.registration.type_id)
    page = _get(moodle, url + "?limit=2")
    assert len(page.json()["members"]) == 2
    assert page.headers["Link"] == f"{url}?limit=2&from=2;rel=next"  # no brackets, no quotes
    last = _get(moodle, url + "?limit=2&from=4")
    assert len(last.json()["members"]) == 1 and "Link" not in last.headers


def test_canvas_pages_at_fifty_with_standard_links(canvas: Lms) -> None:
    for _ in range(53):
        canvas.course.enroll(people.student(), LEARNER)
    first = _get(canvas)
    assert len(first.json()["members"]) == 50
    second = _get(canvas, first.links["next"]["url"])
    assert len(second.json()["members"]) == 5 and "next" not in second.links
    assert len(_get(canvas, first.links["first"]["url"] + "&limit=500").json()["members"]) == 50


def test_canvas_refuses_an_unknown_rlid(canvas: Lms) -> None:
    url = canvas.platform.urls.memberships(canvas.course.id, canvas.registration.type_id)
    assert _get(canvas, url + "?rlid=nope").status_code == 400
    assert _get(canvas, url + f"?rlid={canvas.link.id}").status_code == 200
