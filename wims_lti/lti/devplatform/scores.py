"""AGS scores (POST) and results (GET), with the exact checks of Moodle 4.x and Canvas."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .http import Request, Response, empty_response, json_response
from .model import LTI_SCOPE_RESULT_READONLY, LTI_SCOPE_SCORE, GradebookEntry, LineItem
from .services import ServiceCall, error, open_call
from .urls import Route

if TYPE_CHECKING:
    from .platform import DevPlatform

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULT_CONTAINER_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
_ISO_8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$")


def _epoch(timestamp: str) -> float:
    parsed = datetime.fromisoformat(timestamp)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def handle_scores(platform: DevPlatform, request: Request, route: Route) -> Response:
    if request.method != "POST":
        return error(platform, request, 405, "Method not allowed")
    # Moodle's router compares the raw Content-Type before any resource code runs: bare 400.
    if platform.flavor == "moodle" and request.header("content-type") != SCORE_TYPE:
        return empty_response(400)
    call = open_call(platform, request, route, (LTI_SCOPE_SCORE,))
    if isinstance(call, Response):
        return call
    try:
        data = request.json()
    except ValueError:
        data = None
    if platform.flavor == "moodle":
        return _moodle_score(platform, request, call, data)
    return _canvas_score(platform, request, call, data)


def _moodle_score(platform: DevPlatform, request: Request, call: ServiceCall, data: Any) -> Response:
    item = call.line_item
    assert item is not None
    refused = error(
        platform, request, 400, "Incorrect score received" + request.body.decode("utf-8", "replace")
    )
    if not isinstance(data, dict):
        return refused
    required = ("userId", "timestamp", "gradingProgress", "activityProgress")
    if any(not data.get(key) for key in required) or not _ISO_8601.match(str(data["timestamp"])):
        return refused
    given, maximum = data.get("scoreGiven"), data.get("scoreMaximum")
    if (given is not None and not _number(given)) or (maximum is not None and not _number(maximum)):
        return refused
    if given is not None and maximum is None:
        return refused
    sub = str(data["userId"])
    member = call.course.member(sub)
    if member is None or not member.gradable:  # is_user_gradable_in_course
        return refused
    stamp = int(_epoch(str(data["timestamp"])))
    with platform.lock:
        entry = platform.gradebook.entry(item.id, sub)
        if entry.time_modified >= stamp:  # teacher edits move time_modified too
            return error(
                platform,
                request,
                409,
                f"Refusing score with an earlier timestamp for item {item.id} and user {sub}",
            )
        grade = None
        if data["gradingProgress"] == "FullyGraded" and given is not None:
            grade = float(given) if not maximum else float(given) * item.score_maximum / float(maximum)
            grade = min(max(grade, 0.0), item.score_maximum)
        _store(entry, data, grade)
        entry.time_modified = stamp
        entry.comment = data.get("comment")
    return empty_response(200)


def _canvas_score(platform: DevPlatform, request: Request, call: ServiceCall, data: Any) -> Response:
    item = call.line_item
    assert item is not None
    if not isinstance(data, dict):
        return error(platform, request, 400, "Invalid JSON body")
    for key in ("userId", "activityProgress", "gradingProgress", "timestamp"):
        if data.get(key) in (None, ""):
            return error(platform, request, 400, f"{key} is missing")
    sub = str(data["userId"])
    member = call.course.member(sub)
    if member is None or not member.active or not member.gradable:
        return error(
            platform, request, 422, "User not found in course or is not a student", "unprocessable_entity"
        )
    given, maximum = data.get("scoreGiven"), data.get("scoreMaximum")
    problem = _canvas_score_problem(item, given, maximum)
    if problem:
        return error(platform, request, 422, problem, "unprocessable_entity")
    try:
        stamp = _epoch(str(data["timestamp"]))
    except ValueError:
        return error(platform, request, 400, "Provided timestamp is not a valid ISO 8601 timestamp")
    raw_extension = data.get(CANVAS_SUBMISSION)
    extension: dict[str, Any] = raw_extension if isinstance(raw_extension, dict) else {}
    with platform.lock:
        entry = platform.gradebook.entry(item.id, sub)
        if entry.timestamp is not None and _epoch(entry.timestamp) > stamp:
            return error(
                platform,
                request,
                400,
                f"Provided timestamp of {data['timestamp']} before last updated timestamp "
                f"of {entry.timestamp}",
            )
        if not item.published:
            return json_response(
                422,
                {
                    "errors": [
                        {
                            "field": "grade",
                            "message": (
                                "cannot be changed at this time: This assignment is still unpublished"
                            ),
                        }
                    ]
                },
            )
        new_submission = extension.get("new_submission", extension.get("submission_type") != "none")
        if new_submission:
            if item.allowed_attempts is not None and entry.submissions >= item.allowed_attempts:
                return error(
                    platform,
                    request,
                    422,
                    "The maximum number of allowed attempts has been reached for this submission",
                    "unprocessable_entity",
                )
            entry.submissions += 1
        if data["gradingProgress"] in ("FullyGraded", "PendingManual") and given is not None:
            grade: float | None = (
                float(given) * item.score_maximum / float(maximum) if maximum else float(given)
            )
        elif extension.get("preserve_score"):
            grade = entry.grade
        else:
            grade = None
        _store(entry, data, grade)
        entry.needs_review = data["gradingProgress"] == "PendingManual"
        entry.time_modified = time.time()
        if data.get("comment"):
            entry.comment = str(data["comment"])
            entry.comments.append(str(data["comment"]))
        result_url = platform.lineitem_url(item, "/results") + f"/{sub}"
    return json_response(200, {"resultUrl": result_url})


def _canvas_score_problem(item: LineItem, given: object, maximum: object) -> str | None:
    if given is not None and not _number(given):
        return "ScoreGiven must be a number"
    if maximum is not None and not _number(maximum):
        return "ScoreMaximum must be a number"
    if given is not None and maximum is None:
        return "ScoreMaximum not supplied when ScoreGiven present"
    if _number(given) and float(given) < 0:  # type: ignore[arg-type]
        return "ScoreGiven must be greater than or equal to 0"
    if _number(maximum) and float(maximum) < 0:  # type: ignore[arg-type]
        return "ScoreMaximum must be greater than or equal to 0"
    if maximum == 0 and item.score_maximum != 0:
        return "ScoreMaximum cannot be zero if line item's maximum is not zero"
    return None


def _store(entry: GradebookEntry, data: dict[str, Any], grade: float | None) -> None:
    entry.grade = grade
    entry.score_given = data.get("scoreGiven")
    entry.score_maximum = data.get("scoreMaximum")
    entry.activity_progress = data.get("activityProgress")
    entry.grading_progress = data.get("gradingProgress")
    entry.timestamp = str(data.get("timestamp"))
    entry.posts += 1
    entry.last_score = dict(data)


def handle_results(platform: DevPlatform, request: Request, route: Route) -> Response:
    if request.method != "GET":
        return error(platform, request, 405, "Method not allowed")
    call = open_call(platform, request, route, (LTI_SCOPE_RESULT_READONLY,))
    if isinstance(call, Response):
        return call
    item = call.line_item
    assert item is not None
    user_id = request.arg("user_id")
    with platform.lock:
        base = platform.lineitem_url(item, "/results")
        results = [
            {
                "id": f"{base.split('?')[0]}/{entry.user_sub}",
                "scoreOf": platform.lineitem_url(item),
                "userId": entry.user_sub,
                "resultScore": entry.grade,
                "resultMaximum": item.score_maximum,
                **({"comment": entry.comment} if entry.comment else {}),
            }
            for entry in platform.gradebook.for_line_item(item.id)
            if user_id is None or entry.user_sub == user_id
        ]
    return json_response(200, results, content_type=RESULT_CONTAINER_TYPE)
