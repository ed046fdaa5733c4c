"""Pure functions of the grade passback: mapping, ledger, timestamps, URLs, Link headers, errors, retries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import requests

from wims_lti.lti.ags import Outcome, Score, classify_score_response, next_link, service_url
from wims_lti.lti.nrps import Member
from wims_lti.lti.service_connector import (
    RetryPolicy,
    ServiceUnavailable,
    _send_with_retries,
    backoff_delay,
    is_rate_limited,
    retry_after_seconds,
)
from wims_lti.models import ScoreLedger
from wims_lti.services.grades.ledger import Action, ledger_decide, next_timestamp
from wims_lti.wims.results import parse_getexamscores, parse_getsheetscores
from wims_lti.wims.scores import LmsScore, lms_scores

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, 0, 400000, tzinfo=UTC)


# --- score mapping ---------------------------------------------------------------------------------------
def _sheet_user(login: str, percent: float, tries: list[int]) -> dict[str, Any]:
    return {"id": login, "user_percent": percent, "got_detail": [percent / 10], "try_detail": tries}


def test_sheet_percent_is_posted_on_the_class_scale_and_idle_students_get_nothing() -> None:
    raw = {
        "class_scoremax": 10,
        "data_scores": [
            _sheet_user("done", 65, [2]),
            _sheet_user("zero", 0, [3]),  # tried, earned nothing: a real 0
            _sheet_user("idle", 0, [0]),  # never worked: no score (would blank a grade)
            {"id": "str", "user_percent": "100", "got_detail": [10], "try_detail": ["1"]},  # WIMS's strings
        ],
    }
    mapped = lms_scores(parse_getsheetscores(raw))
    assert mapped == {
        "done": LmsScore(6.5, 10.0),
        "zero": LmsScore(0.0, 10.0),
        "idle": None,
        "str": LmsScore(10.0, 10.0),
    }


def test_sheet_scale_follows_class_scoremax_and_is_clamped() -> None:
    raw = {"class_scoremax": 20, "data_scores": [_sheet_user("a", 33.333, [1]), _sheet_user("b", 140, [1])]}
    mapped = lms_scores(parse_getsheetscores(raw))
    assert mapped["a"] == LmsScore(6.67, 20.0) and mapped["b"] == LmsScore(20.0, 20.0)


def test_exam_best_score_on_0_10_and_no_attempt_no_score() -> None:
    raw = {"data_scores": [{"id": "a", "score": 7.5, "attempts": 2}, {"id": "b", "score": 0, "attempts": 0}]}
    assert lms_scores(parse_getexamscores(raw)) == {"a": LmsScore(7.5, 10.0), "b": None}
    assert lms_scores(parse_getexamscores({"data_scores": ""})) == {}  # nobody worked


# --- ledger ------------------------------------------------------------------------------------------------
def _entry(**fields: Any) -> ScoreLedger:
    entry = ScoreLedger(**fields)
    entry.modified = fields.get("modified", NOW)
    return entry


RETRY = dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("entry", "score", "action", "first"),
    [
        (None, LmsScore(5, 10), Action.SEND, True),
        (_entry(status="sent", score_given=5, score_maximum=10), LmsScore(5, 10), Action.UNCHANGED, False),
        (_entry(status="sent", score_given=5, score_maximum=10), LmsScore(6, 10), Action.SEND, False),
        (
            _entry(status="superseded", score_given=5, score_maximum=10),
            LmsScore(5, 10),
            Action.UNCHANGED,
            False,
        ),
        (
            _entry(status="rejected", score_given=5, score_maximum=10),
            LmsScore(5, 10),
            Action.KNOWN_REFUSAL,
            True,
        ),
        (_entry(status="rejected", score_given=5, score_maximum=10), LmsScore(7, 10), Action.SEND, True),
        (
            _entry(status="rejected", score_given=5, score_maximum=10, modified=NOW - dt.timedelta(days=2)),
            LmsScore(5, 10),
            Action.SEND,
            True,
        ),
        (
            _entry(pending_given=5, pending_maximum=10, pending_timestamp=NOW),
            LmsScore(5, 10),
            Action.VERIFY,
            False,
        ),
        (
            _entry(pending_given=4, pending_maximum=10, pending_timestamp=NOW),
            LmsScore(5, 10),
            Action.SEND,
            False,
        ),
    ],
)
def test_ledger_decisions(entry: ScoreLedger | None, score: LmsScore, action: Action, first: bool) -> None:
    decision = ledger_decide(entry=entry, score=score, now=NOW, rejected_retry=RETRY)
    assert (decision.action, decision.first_post) == (action, first)


def test_timestamps_are_whole_seconds_and_strictly_increasing_by_one_second() -> None:
    first = next_timestamp(last=None, now=NOW)
    assert first == dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    second = next_timestamp(last=first, now=NOW)  # same second: pushed one second later
    assert second - first == dt.timedelta(seconds=1)
    later = NOW + dt.timedelta(minutes=5)
    assert next_timestamp(last=second, now=later) == later.replace(microsecond=0)
    clock_went_back = NOW - dt.timedelta(hours=1)
    assert next_timestamp(last=second, now=clock_went_back) == second + dt.timedelta(seconds=1)


# --- URLs and Link headers -------------------------------------------------------------------------------
def test_scores_url_is_appended_to_the_path_and_keeps_the_query() -> None:
    moodle = "https://m.example/mod/lti/services.php/2/lineitems/7/lineitem?type_id=3"
    assert (
        service_url(moodle, "/scores")
        == "https://m.example/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=3"
    )
    assert service_url(moodle, "/results", user_id="5") == (
        "https://m.example/mod/lti/services.php/2/lineitems/7/lineitem/results?type_id=3&user_id=5"
    )
    canvas = "https://c.example/api/lti/courses/1/line_items/9/"
    assert service_url(canvas, "/scores") == "https://c.example/api/lti/courses/1/line_items/9/scores"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # Moodle NRPS: no brackets, no quotes
        (
            "https://M.example/mod/lti/services.php/CourseSection/2/bindings/1/memberships?limit=2&from=2;rel=next",
            "https://M.example/mod/lti/services.php/CourseSection/2/bindings/1/memberships?limit=2&from=2",
        ),
        # Moodle line items: typographic quotes
        (
            "<https://m.example/x?limit=2&from=0>; rel=“first”, "
            "<https://m.example/x?limit=2&from=2>; rel=“next”, "
            "<https://m.example/x?limit=2&from=4>; rel=“last”",
            "https://m.example/x?limit=2&from=2",
        ),
        # Canvas: RFC 8288, mixed-case URL kept as is
        (
            '<https://C.example/api/lti/courses/1/names_and_roles?page=1&per_page=50>; rel="current",'
            '<https://C.example/api/lti/courses/1/names_and_roles?page=2&per_page=50>; rel="next",'
            '<https://C.example/api/lti/courses/1/names_and_roles?page=1&per_page=50>; rel="first"',
            "https://C.example/api/lti/courses/1/names_and_roles?page=2&per_page=50",
        ),
        ('<https://x.example/a>; rel="prev", <https://x.example/b>; REL=Next', "https://x.example/b"),
        ('<https://x.example/a>; rel="prev last"', None),
        ("", None),
        (None, None),
    ],
)
def test_link_header_parsing_is_lenient(header: str | None, expected: str | None) -> None:
    assert next_link(header) == expected


# --- error classification ----------------------------------------------------------------------------------
def _response(status: int, body: Any = b"", headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    response.headers.update(headers or {})
    return response


@pytest.mark.parametrize(
    ("status", "body", "outcome"),
    [
        (200, b"", Outcome.OK),
        (
            409,
            {"status": 409, "reason": "Refusing score with an earlier timestamp for item 1 and user 2"},
            Outcome.SUPERSEDED,
        ),
        (400, {"status": 400, "reason": 'Incorrect score received{"userId": "9"}'}, Outcome.NOT_GRADABLE),
        (
            422,
            {
                "errors": {
                    "type": "unprocessable_entity",
                    "message": "User not found in course or is not a student",
                }
            },
            Outcome.NOT_GRADABLE,
        ),
        (
            400,
            {"errors": {"message": "Provided timestamp of X before last updated timestamp of Y"}},
            Outcome.SUPERSEDED,
        ),
        (
            422,
            {"errors": {"message": "The maximum number of allowed attempts has been reached"}},
            Outcome.ATTEMPTS,
        ),
        (
            422,
            {
                "errors": [
                    {
                        "field": "grade",
                        "message": "cannot be changed at this time: This assignment is still unpublished",
                    }
                ]
            },
            Outcome.COURSE_CLOSED,
        ),
        (
            422,
            {"errors": {"message": "This course has concluded. AGS requests will no longer be accepted."}},
            Outcome.COURSE_CLOSED,
        ),
        (
            422,
            {"errors": {"message": "ScoreGiven must be greater than or equal to 0"}},
            Outcome.SCORE_REFUSED,
        ),
        (404, {"errors": {"message": "Line item not found"}}, Outcome.LINE_ITEM_GONE),
        (
            412,
            {"errors": {"message": "The specified LTI link ID is not associated with the line item"}},
            Outcome.LINE_ITEM_REFUSED,
        ),
        (403, {"status": 403, "reason": "Not allowed in context"}, Outcome.LINE_ITEM_REFUSED),
        (403, b"User in requested score is not enrolled in the org unit", Outcome.NOT_GRADABLE),
        (401, {"errors": {"message": "Invalid access token"}}, Outcome.UNAUTHORIZED),
    ],
)
def test_score_answers_are_classified_per_platform(status: int, body: Any, outcome: Outcome) -> None:
    got, reason = classify_score_response(_response(status, body))
    assert got == outcome
    assert (reason == "") == (outcome == Outcome.OK)


def test_rate_limits_and_retry_after() -> None:
    assert is_rate_limited(_response(403, b"403 Forbidden (Rate Limit Exceeded)\n"))
    assert is_rate_limited(_response(403, b"", {"X-Rate-Limit-Remaining": "0.0"}))
    assert is_rate_limited(_response(429))
    assert not is_rate_limited(_response(403, {"reason": "Not allowed in context"}))
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert retry_after_seconds("soon") is None
    assert backoff_delay(0, base=0.5, cap=30, retry_after=4) == 4
    assert backoff_delay(10, base=0.5, cap=30) <= 30
    assert backoff_delay(0, base=0.5, cap=2, retry_after=60) == 2


def test_retries_honour_retry_after_then_give_up() -> None:
    slept: list[float] = []
    answers = iter([_response(429, b"", {"Retry-After": "2"}), _response(503), _response(200, {"ok": 1})])
    policy = RetryPolicy(attempts=3, base=0.01, cap=5, sleep=slept.append)
    assert _send_with_retries(lambda: next(answers), policy, "x").status_code == 200
    assert slept[0] == 2 and len(slept) == 2

    def down() -> requests.Response:
        raise requests.ConnectionError("refused")

    with pytest.raises(ServiceUnavailable):
        _send_with_retries(down, RetryPolicy(attempts=2, base=0.01, cap=0.1, sleep=slept.append), "y")
    final = iter([_response(400, {"reason": "bad"})])
    assert _send_with_retries(lambda: next(final), policy, "z").status_code == 400  # other 4xx: not retried


def test_score_payload_media_and_canvas_resync_extension() -> None:
    first = Score("42", 6.5, 10, "2026-03-01T12:00:00+00:00").payload(canvas=True)
    assert first["activityProgress"] == "Completed" and first["gradingProgress"] == "FullyGraded"
    assert "https://canvas.instructure.com/lti/submission" not in first
    again = Score("42", 7, 10, "2026-03-01T12:00:01+00:00", first_post=False)
    assert again.payload(canvas=True)["https://canvas.instructure.com/lti/submission"] == {
        "new_submission": False
    }
    assert "https://canvas.instructure.com/lti/submission" not in again.payload(canvas=False)


@pytest.mark.parametrize(
    ("roles", "learner"),
    [
        (["Learner"], True),
        (["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], True),
        (["Instructor"], False),
        (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
          "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], False),
        (["http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"], False),
    ],
)  # fmt: skip
def test_roster_learners_short_and_full_roles(roles: list[str], learner: bool) -> None:
    assert Member("1", tuple(roles)).is_learner is learner


# --- schedule and launch hook ------------------------------------------------------------------------------
def test_the_fan_out_is_scheduled_in_code_on_the_grade_queue() -> None:
    from django.conf import settings

    from wims_lti.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["grades-sync-all"]
    assert entry["schedule"] == settings.GRADE_SYNC_INTERVAL * 60 == 15 * 60
    assert entry["options"]["queue"] == settings.GRADE_SYNC_QUEUE
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks and "wims_lti.tasks.grades_sync_activity" in app.tasks
    task = app.tasks["wims_lti.tasks.grades_sync_activity"]
    assert task.acks_late and task.soft_time_limit < task.time_limit
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > task.time_limit


@pytest.mark.django_db
def test_course_services_are_recorded_from_a_launch() -> None:
    from wims_lti.lti.claims import LaunchClaims
    from wims_lti.models import Course, Platform, WimsServer
    from wims_lti.services.grades import course_services_record

    server = WimsServer.objects.create(name="w", url="http://127.0.0.1:9/wims.cgi", ident="i", passwd="p1")
    platform = Platform.objects.create(
        name="p", issuer="https://lms", client_id="c", auth_login_url="https://lms/a",
        auth_token_url="https://lms/t", keyset_url="https://lms/k", default_wims_server=server,
    )  # fmt: skip
    course = Course.objects.create(platform=platform, context_id="ctx")
    body = {
        "iss": "https://lms",
        "aud": "c",
        "sub": "1",
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": "https://lms/nrps"
        },
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {"scope": ["b", "a"], "lineitems": "x"},
    }
    services = course_services_record(course=course, claims=LaunchClaims.from_jwt_body(body))
    assert services is not None
    assert (services.nrps_url, services.ags_scopes) == ("https://lms/nrps", ["a", "b"])
    assert course_services_record(course=course, claims=LaunchClaims.from_jwt_body({"sub": "2"})) is None
