"""AGS: score rules of each flavor, line item CRUD and paging, results."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from tests.lti.conftest import Lms, now_iso
from wims_lti.lti.devplatform import MOODLE_GRADE_SYNC_ONLY_SCOPES, people
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER, NON_EDITING_TEACHER

CONTAINER = "application/vnd.ims.lis.v2.lineitemcontainer+json"
ITEM = "application/vnd.ims.lis.v2.lineitem+json"
SUBMISSION = "https://canvas.instructure.com/lti/submission"


def _ext(**settings: bool) -> dict[str, Any]:
    return {SUBMISSION: settings}


def _auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


# -- scores: Moodle ---------------------------------------------------------------------------------
def test_moodle_needs_the_exact_score_media_type(moodle: Lms) -> None:
    token = moodle.access_token()
    for content_type in ("application/vnd.ims.lis.v1.score+json; charset=utf-8", "application/json"):
        response = moodle.post_score(token, moodle.student, content_type=content_type)
        assert response.status_code == 400 and response.content == b""
    assert moodle.post_score(token, moodle.student).status_code == 200
    assert moodle.platform.gradebook[(moodle.link, moodle.student.sub)].grade == 7


def test_moodle_scores_are_rescaled_clamped_and_keep_the_comment(moodle: Lms) -> None:
    token = moodle.access_token()
    moodle.post_score(token, moodle.student, scoreGiven=30, scoreMaximum=20, comment="Bravo")
    entry = moodle.platform.gradebook[(moodle.lineitem_url(), moodle.student.sub)]
    assert entry.grade == 10  # 30/20 of 10 clamped to the column maximum
    assert entry.comment == "Bravo" and entry.last_score["scoreGiven"] == 30


def test_moodle_refuses_same_second_or_older_timestamps_with_409(moodle: Lms) -> None:
    token = moodle.access_token()
    stamp = now_iso()
    assert moodle.post_score(token, moodle.student, timestamp=stamp).status_code == 200
    same = moodle.post_score(token, moodle.student, timestamp=stamp, scoreGiven=9)
    assert same.status_code == 409
    assert "Refusing score with an earlier timestamp" in same.json()["reason"]
    assert moodle.post_score(token, moodle.student, timestamp=now_iso(1), scoreGiven=9).status_code == 200
    moodle.platform.teacher_override(moodle.link, moodle.student.sub, 4)  # moves timemodified to now
    assert moodle.post_score(token, moodle.student, timestamp=now_iso(-5)).status_code == 409


def test_moodle_answers_incorrect_score_for_teachers_unknown_users_and_bad_bodies(moodle: Lms) -> None:
    token = moodle.access_token()
    net = moodle.course.enroll(people.teacher(), NON_EDITING_TEACHER)
    stranger = people.student()
    for user in (moodle.teacher, net, stranger):
        response = moodle.post_score(token, user)
        assert response.status_code == 400
        assert response.json()["reason"].startswith("Incorrect score received")
    assert moodle.post_score(token, moodle.student, timestamp="yesterday").status_code == 400
    assert moodle.post_score(token, moodle.student, scoreMaximum=None).status_code == 400
    assert moodle.post_score(token, moodle.student, activityProgress=None).status_code == 400


def test_moodle_only_fully_graded_writes_a_grade_others_blank_it(moodle: Lms) -> None:
    token = moodle.access_token()
    moodle.post_score(token, moodle.student, scoreGiven=8)
    moodle.post_score(token, moodle.student, timestamp=now_iso(1), gradingProgress="PendingManual")
    entry = moodle.platform.gradebook[(moodle.link, moodle.student.sub)]
    assert entry.grade is None and entry.posts == 2


# -- scores: Canvas ---------------------------------------------------------------------------------
def test_canvas_accepts_json_and_answers_result_url(canvas: Lms) -> None:
    response = canvas.post_score(canvas.access_token(), canvas.student, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["resultUrl"].endswith(f"/results/{canvas.student.sub}")
    assert canvas.platform.gradebook[(canvas.link, canvas.student.sub)].grade == 7


def test_canvas_422_for_non_students_and_400_for_older_timestamps(canvas: Lms) -> None:
    token = canvas.access_token()
    refused = canvas.post_score(token, canvas.teacher)
    assert refused.status_code == 422
    assert refused.json()["errors"]["message"] == "User not found in course or is not a student"
    stamp = now_iso()
    assert canvas.post_score(token, canvas.student, timestamp=stamp).status_code == 200
    assert canvas.post_score(token, canvas.student, timestamp=stamp).status_code == 200  # equal is fine
    older = canvas.post_score(token, canvas.student, timestamp=now_iso(-60))
    assert older.status_code == 400 and "before last updated timestamp" in older.text


def test_canvas_validates_score_values(canvas: Lms) -> None:
    token = canvas.access_token()
    cases: dict[str, dict[str, Any]] = {
        "ScoreGiven must be greater than or equal to 0": {"scoreGiven": -1},
        "ScoreMaximum cannot be zero": {"scoreMaximum": 0},
        "ScoreMaximum not supplied when ScoreGiven present": {"scoreMaximum": None},
    }
    for message, fields in cases.items():
        response = canvas.post_score(token, canvas.student, **fields)
        assert response.status_code == 422 and message in response.text
    missing = canvas.post_score(token, canvas.student, gradingProgress=None)
    assert missing.status_code == 400 and "gradingProgress is missing" in missing.text


def test_canvas_counts_submissions_and_honours_new_submission_false(canvas: Lms) -> None:
    token = canvas.access_token()
    canvas.post_score(token, canvas.student, comment="first")
    canvas.post_score(token, canvas.student, comment="second")
    canvas.post_score(token, canvas.student, **_ext(new_submission=False))
    entry = canvas.platform.gradebook[(canvas.link, canvas.student.sub)]
    assert entry.submissions == 2 and entry.posts == 3
    assert entry.comments == ["first", "second"]

    canvas.platform.line_item(canvas.link).allowed_attempts = 2
    exhausted = canvas.post_score(token, canvas.student)
    assert exhausted.status_code == 422 and "maximum number of allowed attempts" in exhausted.text


def test_canvas_pending_manual_keeps_score_others_reset_unless_preserved(canvas: Lms) -> None:
    token = canvas.access_token()
    canvas.post_score(token, canvas.student, scoreGiven=5, gradingProgress="PendingManual")
    entry = canvas.platform.gradebook[(canvas.link, canvas.student.sub)]
    assert entry.grade == 5 and entry.needs_review
    canvas.post_score(token, canvas.student, gradingProgress="Pending", **_ext(preserve_score=True))
    assert entry.grade == 5
    canvas.post_score(token, canvas.student, gradingProgress="NotReady")
    assert entry.grade is None


def test_canvas_refuses_grades_on_unpublished_assignments(canvas: Lms) -> None:
    canvas.platform.line_item(canvas.link).published = False
    response = canvas.post_score(canvas.access_token(), canvas.student)
    assert response.status_code == 422 and "still unpublished" in response.text
    canvas.platform.publish(canvas.link)
    assert canvas.post_score(canvas.access_token(), canvas.student).status_code == 200


# -- line items -------------------------------------------------------------------------------------
def _create(lms: Lms, token: str, **fields: Any) -> requests.Response:
    url = lms.platform.urls.lineitems(lms.course.id, lms.registration.type_id)
    return requests.post(
        url,
        data=json.dumps(fields),
        timeout=10,
        headers=_auth(token, **{"Content-Type": ITEM, "Accept": ITEM}),
    )


def test_line_item_create_get_put_delete(lms: Lms) -> None:
    token = lms.access_token()
    assert _create(lms, token, label="No max").status_code == 400
    created = _create(lms, token, label="Feuille 2", scoreMaximum=20, tag="wims", resourceId="sheet-2")
    assert created.status_code == 201
    item = created.json()
    if lms.flavor == "moodle":
        assert item["id"].endswith(f"/lineitem?type_id={lms.registration.type_id}")

    got = requests.get(item["id"], headers=_auth(token, Accept=ITEM), timeout=10).json()
    assert got["label"] == "Feuille 2" and got["tag"] == "wims"
    put = requests.put(
        item["id"],
        data=json.dumps({"label": "Feuille 2b", "scoreMaximum": 25}),
        timeout=10,
        headers=_auth(token, **{"Content-Type": ITEM}),
    )
    assert put.status_code == 200 and put.json()["scoreMaximum"] == 25
    assert requests.delete(item["id"], headers=_auth(token), timeout=10).status_code == 204
    assert requests.get(item["id"], headers=_auth(token, Accept=ITEM), timeout=10).status_code == 404


def test_declared_line_item_delete_differs(make_lms: Callable[..., Lms]) -> None:
    moodle, canvas = make_lms("moodle"), make_lms("canvas")
    for lms in (moodle, canvas):
        lms.post_score(lms.access_token(), lms.student)
    canvas_delete = requests.delete(canvas.lineitem_url(), headers=_auth(canvas.access_token()), timeout=10)
    assert canvas_delete.status_code == 401  # the assignment's own column
    url = moodle.lineitem_url()
    assert requests.delete(url, headers=_auth(moodle.access_token()), timeout=10).status_code == 204
    assert (url, moodle.student.sub) not in moodle.platform.gradebook  # the grades went with it


def test_moodle_creating_line_items_needs_column_management(make_lms: Callable[..., Lms]) -> None:
    lms = make_lms("moodle", scopes=MOODLE_GRADE_SYNC_ONLY_SCOPES)
    assert _create(lms, lms.access_token(), label="X", scoreMaximum=1).status_code == 401


def test_moodle_lists_everything_or_pages_with_curly_quotes(moodle: Lms) -> None:
    token = moodle.access_token()
    for n in range(4):
        _create(moodle, token, label=f"S{n}", scoreMaximum=10)
    url = moodle.platform.urls.lineitems(moodle.course.id, moodle.registration.type_id)
    everything = requests.get(url, headers=_auth(token, Accept=CONTAINER), timeout=10)
    assert len(everything.json()) == 5 and "Link" not in everything.headers
    assert requests.get(url, headers=_auth(token, Accept="*/*"), timeout=10).status_code == 400

    page = requests.get(url + "&limit=2", headers=_auth(token, Accept=CONTAINER), timeout=10)
    assert len(page.json()) == 2
    raw_link = page.headers["Link"].encode("latin-1").decode("utf-8")  # PHP sends UTF-8 bytes
    assert "from=2>; rel=“next”" in raw_link
    assert 'rel="next"' not in raw_link


def test_canvas_pages_line_items_by_ten_with_standard_links(canvas: Lms) -> None:
    token = canvas.access_token()
    for n in range(11):
        _create(canvas, token, label=f"S{n}", scoreMaximum=10)
    url = canvas.platform.urls.lineitems(canvas.course.id, canvas.registration.type_id)
    first = requests.get(url, headers=_auth(token, Accept=CONTAINER), timeout=10)
    assert len(first.json()) == 10
    assert first.links["next"]["url"].endswith("page=2&per_page=10")
    second = requests.get(first.links["next"]["url"], headers=_auth(token, Accept=CONTAINER), timeout=10)
    assert len(second.json()) == 2 and "next" not in second.links
    tagged = requests.get(url + "?tag=none", headers=_auth(token, Accept=CONTAINER), timeout=10)
    assert tagged.json() == []


def test_results_list_the_gradebook(lms: Lms) -> None:
    other = lms.course.enroll(people.student(), LEARNER)
    token = lms.access_token()
    lms.post_score(token, lms.student, scoreGiven=4)
    lms.post_score(token, other, scoreGiven=6, comment="ok")
    results_url = lms.platform.lineitem_url(lms.platform.line_item(lms.link), "/results")
    results = requests.get(results_url, headers=_auth(token), timeout=10).json()
    assert sorted((r["userId"], r["resultScore"]) for r in results) == sorted(
        [(lms.student.sub, 4.0), (other.sub, 6.0)]
    )
    teacher = lms.course.member(lms.teacher.sub)
    assert teacher is not None and teacher.roles == (INSTRUCTOR,)
