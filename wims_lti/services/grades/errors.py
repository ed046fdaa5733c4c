"""Why a student's score did not reach the LMS, in words a teacher can act on.

Every LMS answer to a score POST falls in one kind (`kind_for_outcome`); only transient failures (5xx,
429, Canvas's rate-limit 403, dropped connections, token endpoint down) are retried — by the HTTP layer,
then by the task. The others are recorded per student on the activity sync (`ActivitySync.errors`,
counted by kind in `ActivitySync.error_counts` and `/metrics`) and shown on the teacher's grades page
with what to do:

- `not_gradable`: not a student of the LMS course (Canvas 422 "User not found in course or is not a
  student", Moodle 400 "Incorrect score received", D2L 403/404 not enrolled). Sent again when the score
  changes or after GRADE_REJECTED_RETRY_HOURS;
- `course_closed`: the column refuses every grade (Canvas 422 "…still unpublished", "…has concluded", or
  a 404 the container does not confirm). Nothing more is posted to that column in this sync; every student
  still to send is listed; the next sync tries again;
- `auth_config`: the tool is not allowed (token refused, 401 with a fresh token, 403 "Not allowed in
  context", 412, no grade services, no right to create columns): an administrator must act;
- `transient`: the LMS stayed unreachable through every retry: a later sync sends it;
- `superseded` (a teacher changed the grade in the LMS: the LMS's grade is kept), `attempts` (Canvas:
  no attempts left), `score_refused`, `wims_missing` (WIMS did not list the student), `other`.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wims_lti.lti.ags import Outcome


class ErrorKind(StrEnum):
    NOT_GRADABLE = "not_gradable"
    COURSE_CLOSED = "course_closed"
    AUTH_CONFIG = "auth_config"
    TRANSIENT = "transient"
    SUPERSEDED = "superseded"
    ATTEMPTS = "attempts"
    SCORE_REFUSED = "score_refused"
    WIMS_MISSING = "wims_missing"
    OUTCOME_FAILURE = "outcome_failure"  # LTI 1.1 Basic Outcomes refused the result
    OTHER = "other"


_BY_OUTCOME = {
    Outcome.SUPERSEDED: ErrorKind.SUPERSEDED,
    Outcome.NOT_GRADABLE: ErrorKind.NOT_GRADABLE,
    Outcome.ATTEMPTS: ErrorKind.ATTEMPTS,
    Outcome.SCORE_REFUSED: ErrorKind.SCORE_REFUSED,
    Outcome.COURSE_CLOSED: ErrorKind.COURSE_CLOSED,
    Outcome.LINE_ITEM_GONE: ErrorKind.COURSE_CLOSED,
    Outcome.LINE_ITEM_REFUSED: ErrorKind.AUTH_CONFIG,
    Outcome.UNAUTHORIZED: ErrorKind.AUTH_CONFIG,
    Outcome.OTHER: ErrorKind.OTHER,
}


def kind_for_outcome(outcome: Outcome) -> ErrorKind | None:
    """None for a score the LMS accepted."""
    return _BY_OUTCOME.get(outcome)


# Activity-wide stops (ActivitySync.message) → the kind given to each student left unsent.
KIND_FOR_MESSAGE = {
    "token_refused": ErrorKind.AUTH_CONFIG,
    "no_ags": ErrorKind.AUTH_CONFIG,
    "container_refused": ErrorKind.AUTH_CONFIG,
    "lineitem_not_allowed": ErrorKind.AUTH_CONFIG,
    "lineitem_create_failed": ErrorKind.AUTH_CONFIG,
    "lineitem_unauthorized": ErrorKind.AUTH_CONFIG,
    "lineitem_line_item_refused": ErrorKind.AUTH_CONFIG,
    "lineitem_course_closed": ErrorKind.COURSE_CLOSED,
    "lineitem_gone": ErrorKind.COURSE_CLOSED,
    "lms_unreachable": ErrorKind.TRANSIENT,
}

# (what happened, what to do), per kind.
TEXTS: dict[str, tuple[Promise, Promise]] = {
    ErrorKind.NOT_GRADABLE: (
        _("not a student of the course in the LMS"),
        _(
            "Check that this person is enrolled as a student in the LMS course: teachers, observers and "
            "people who left the course cannot receive grades. The score is sent again when it changes."
        ),
    ),
    ErrorKind.COURSE_CLOSED: (
        _("the LMS refuses grades for this column (unpublished assignment or closed course)"),
        _(
            "Publish the assignment in the LMS, or reopen the course (its end date), then click "
            "“Sync now”: the scores are sent at the next sync."
        ),
    ),
    ErrorKind.AUTH_CONFIG: (
        _("the LMS refused the tool's access"),
        _(
            "Ask your LMS administrator to check the tool's registration (keys, grade services "
            "allowed for the tool). Nothing is lost: the scores are sent once it is fixed."
        ),
    ),
    ErrorKind.TRANSIENT: (
        _("the LMS could not be reached"),
        _("Nothing to do: the score is sent by a later sync."),
    ),
    ErrorKind.SUPERSEDED: (
        _("grade changed in the LMS since: kept the LMS's grade"),
        _("To send the WIMS score again, clear the grade in the LMS gradebook."),
    ),
    ErrorKind.ATTEMPTS: (
        _("no submission attempts left in the LMS"),
        _("Allow more (or unlimited) attempts in the assignment's settings in the LMS."),
    ),
    ErrorKind.SCORE_REFUSED: (
        _("score refused by the LMS"),
        _("Check the column's maximum points in the LMS gradebook (it must not be 0)."),
    ),
    ErrorKind.WIMS_MISSING: (
        _("not listed by WIMS in the class"),
        _(
            "The student's WIMS account is missing from the WIMS class (deleted in WIMS?). The "
            "student gets it back by opening the activity from the LMS once."
        ),
    ),
    ErrorKind.OUTCOME_FAILURE: (
        _("refused by the LMS (LTI 1.1 outcomes)"),
        _("The student must open the activity from the LMS once more."),
    ),
    ErrorKind.OTHER: (_("refused by the LMS"), _("See the LMS's answer; tell your administrator.")),
}


def error_texts(kind: str) -> tuple[str, str]:
    """(what happened, what to do) in the active language; unknown kinds are shown as they are."""
    what, todo = TEXTS.get(kind, (kind, ""))
    return str(what), str(todo)
