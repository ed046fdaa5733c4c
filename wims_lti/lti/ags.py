"""Assignment and Grade Services: line items, scores, results — and what each LMS's answers mean.

URLs: `/scores` and `/results` are appended to the line item URL's *path*, keeping its query (Moodle's
`…/lineitem?type_id=N` → `…/lineitem/scores?type_id=N`). Scores are POSTed with the exact media type
`application/vnd.ims.lis.v1.score+json` (no charset: Moodle routes on the raw Content-Type). Paged
lists follow `Link` headers parsed leniently (see `next_link`).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from .service_connector import ServiceError, ServiceSession

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEM_CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULT_CONTAINER_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
MAX_PAGES = 100


def service_url(base: str, suffix: str = "", **query: str) -> str:
    """`base` with `suffix` appended to its path and `query` merged into its query string."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/") + suffix if suffix else parts.path
    params = parse_qsl(parts.query, keep_blank_values=True)
    params += [(key, value) for key, value in query.items()]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(params), parts.fragment))


_LINK_VALUE = re.compile(r"\s*(?:<(?P<bracketed>[^>]*)>|(?P<bare>[^\s<>;,]+))\s*(?P<params>(?:;[^,]*)*)")
_REL = re.compile(r"""\brel\s*=\s*["'“”]?\s*(?P<rel>[^"'“”;,]+?)\s*["'“”]?\s*(?:;|$)""", re.IGNORECASE)


def next_link(header: str | None) -> str | None:
    """The `rel=next` URL of a Link header, however it is written: RFC 8288 (`<url>; rel="next"`),
    Moodle's NRPS (`url;rel=next`, no brackets nor quotes) or its line items (`rel=“next”`). URLs keep
    their case."""
    if not header:
        return None
    position = 0
    while position < len(header):
        match = _LINK_VALUE.match(header, position)
        if not match or match.end() == position:
            comma = header.find(",", position)
            if comma < 0:
                return None
            position = comma + 1
            continue
        url = match.group("bracketed") if match.group("bracketed") is not None else match.group("bare")
        for param in match.group("params").split(";"):
            rel = _REL.search(param + ";") if param.strip() else None
            if rel and "next" in rel.group("rel").lower().split():
                return url.strip()
        position = match.end()
        if position < len(header) and header[position] == ",":
            position += 1
    return None


def is_canvas(url: str) -> bool:
    return "/api/lti/courses/" in urlsplit(url).path


class Outcome(StrEnum):
    OK = "ok"
    SUPERSEDED = "superseded"  # the LMS has a newer grade (Moodle 409, Canvas "before last updated")
    NOT_GRADABLE = "not_gradable"  # not a student of the course (Moodle 400, Canvas 422)
    ATTEMPTS = "attempts"  # Canvas: limited attempts used up
    SCORE_REFUSED = "score_refused"  # the score itself was refused (422 on values)
    LINE_ITEM_GONE = "line_item_gone"  # 404 on the item: maybe deleted, maybe a concluded course
    COURSE_CLOSED = "course_closed"  # Canvas 422: unpublished assignment, concluded course
    LINE_ITEM_REFUSED = "line_item_refused"  # 412, 403: the tool may not grade this column
    UNAUTHORIZED = "unauthorized"  # 401 even with a fresh token
    OTHER = "other"

    @property
    def per_user(self) -> bool:
        return self in (Outcome.NOT_GRADABLE, Outcome.ATTEMPTS, Outcome.SCORE_REFUSED, Outcome.OTHER)


def error_reason(response: requests.Response) -> str:
    """The LMS's own words: Moodle's JSON `reason`, Canvas's `errors` message, else the text."""
    with contextlib.suppress(ValueError):
        data = response.json()
        if isinstance(data, dict):
            if data.get("reason"):
                return str(data["reason"])[:500]
            errors = data.get("errors")
            if isinstance(errors, dict) and errors.get("message"):
                return str(errors["message"])[:500]
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                return str(errors[0].get("message") or errors[0])[:500]
            if data.get("error"):
                return str(data.get("error_description") or data["error"])[:500]
    return (response.text.strip() or response.reason or f"HTTP {response.status_code}")[:500]


def classify_score_response(response: requests.Response) -> tuple[Outcome, str]:
    """What a score POST's answer means, on Moodle and Canvas."""
    status = response.status_code
    if 200 <= status < 300:
        return Outcome.OK, ""
    reason = error_reason(response)
    low = reason.lower()
    if status == 409 or (status == 400 and "before last updated" in low):
        return Outcome.SUPERSEDED, reason
    if status == 400 and low.startswith("incorrect score received"):
        return Outcome.NOT_GRADABLE, reason
    if status == 422:
        if "not a student" in low or "user not found" in low:
            return Outcome.NOT_GRADABLE, reason
        if "attempts" in low:
            return Outcome.ATTEMPTS, reason
        if "unpublished" in low or "concluded" in low:
            return Outcome.COURSE_CLOSED, reason
        return Outcome.SCORE_REFUSED, reason
    if status == 404:
        return Outcome.LINE_ITEM_GONE, reason
    if status in (403, 412):
        if "enrolled" in low or ("user" in low and "not" in low):  # D2L: not enrolled in the org unit
            return Outcome.NOT_GRADABLE, reason
        return Outcome.LINE_ITEM_REFUSED, reason
    if status == 401:
        return Outcome.UNAUTHORIZED, reason
    return Outcome.OTHER, reason


class AgsError(ServiceError):
    def __init__(self, message: str, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


ACTIVITY_PROGRESS = ("Initialized", "Started", "InProgress", "Submitted", "Completed")


@dataclass(frozen=True)
class Score:
    """A score the LMS writes into its gradebook: always `gradingProgress: FullyGraded` with `scoreGiven`
    (Moodle keeps a grade only for FullyGraded, Canvas also for PendingManual; anything else blanks it).
    `activity_progress` says how far the student is; `started_at`/`submitted_at` (ISO 8601, UTC) go in
    AGS 2.0's `submission` object when known (Canvas takes `submittedAt` as the submission time)."""

    user_id: str
    given: float
    maximum: float
    timestamp: str  # ISO 8601, UTC
    first_post: bool = True  # Canvas: later posts are not new submissions
    activity_progress: str = "Completed"
    started_at: str | None = None
    submitted_at: str | None = None

    def payload(self, *, canvas: bool) -> dict[str, Any]:
        if self.activity_progress not in ACTIVITY_PROGRESS:
            raise ValueError(f"not an AGS activityProgress: {self.activity_progress!r}")
        data: dict[str, Any] = {
            "userId": self.user_id,
            "scoreGiven": self.given,
            "scoreMaximum": self.maximum,
            "activityProgress": self.activity_progress,
            "gradingProgress": "FullyGraded",
            "timestamp": self.timestamp,
        }
        submission = {
            key: value
            for key, value in (("startedAt", self.started_at), ("submittedAt", self.submitted_at))
            if value
        }
        if submission:
            data["submission"] = submission
        if canvas and not self.first_post:
            data[CANVAS_SUBMISSION] = {"new_submission": False}
        return data


class AgsClient:
    def __init__(self, service: ServiceSession) -> None:
        self.service = service

    def _json(self, response: requests.Response, what: str) -> Any:
        if not 200 <= response.status_code < 300:
            raise AgsError(
                f"{what}: HTTP {response.status_code}", response.status_code, error_reason(response)
            )
        try:
            return response.json()
        except ValueError as exc:
            raise AgsError(f"{what}: not JSON", response.status_code) from exc

    def line_items(self, container_url: str, **filters: str) -> list[dict[str, Any]]:
        """Every line item of the container matching the filters (`resource_link_id`, `resource_id`,
        `tag`), following `Link: rel=next` pages."""
        url: str | None = service_url(container_url, **filters)
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = self.service.request("GET", url, accept=LINEITEM_CONTAINER_TYPE)
            page = self._json(response, "line items")
            items += [item for item in page if isinstance(item, dict)] if isinstance(page, list) else []
            url = next_link(response.headers.get("Link"))
        return items

    def line_item(self, url: str) -> dict[str, Any]:
        return dict(self._json(self.service.request("GET", url, accept=LINEITEM_TYPE), "line item"))

    def create_line_item(self, container_url: str, data: dict[str, Any]) -> dict[str, Any]:
        response = self.service.request(
            "POST",
            container_url,
            accept=LINEITEM_TYPE,
            content_type=LINEITEM_TYPE,
            body=json.dumps(data).encode(),
        )
        return dict(self._json(response, "line item creation"))

    def post_score(self, lineitem_url: str, score: Score) -> tuple[Outcome, str]:
        body = json.dumps(score.payload(canvas=is_canvas(lineitem_url))).encode()
        response = self.service.request(
            "POST", service_url(lineitem_url, "/scores"), content_type=SCORE_TYPE, body=body
        )
        return classify_score_response(response)

    def result(self, lineitem_url: str, user_id: str) -> dict[str, Any] | None:
        """The LMS's current result of one user (None when it has none)."""
        url = service_url(lineitem_url, "/results", user_id=user_id)
        data = self._json(self.service.request("GET", url, accept=RESULT_CONTAINER_TYPE), "results")
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and str(item.get("userId")) == user_id:
                return item
        return None
