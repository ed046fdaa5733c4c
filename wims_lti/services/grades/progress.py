"""What the LMS is told about a student's progress (AGS `activityProgress`), from what WIMS knows.

Every score posted is `gradingProgress: FullyGraded` with `scoreGiven` (WIMS grades automatically, and
Moodle writes a grade only for FullyGraded — any other value blanks it). `activityProgress` says how far
the student is:

Sheets (`getsheetscores` and the sheet's status and expiration from `listsheets`):
- `Started`: the student answered exercises but has earned no point yet (a real 0);
- `InProgress`: some of the sheet's required points earned, not all;
- `Completed`: every required point earned (`user_percent` 100), or the sheet is closed: expired in
  WIMS (status 2) or past its expiration date — WIMS records no more work on it.

Exams (`getexamscores` and the exam's status, expiration and allowed sessions from `getexam`):
- `Submitted`: at least one exam session scored, and the student may start another;
- `Completed`: every allowed session used, or the exam is closed (expired or past its expiration date).

A student with no work at all (no try on any exercise; for an exam, no session) gets nothing: a
progress-only score would be stored by both LMSs as an empty grade, shown as "needs grading".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from wims_lti.wims.results import ExamUserScore, ItemStatus, SheetUserScore

STARTED = "Started"
IN_PROGRESS = "InProgress"
SUBMITTED = "Submitted"
COMPLETED = "Completed"
ORDER = (STARTED, IN_PROGRESS, SUBMITTED, COMPLETED)


@dataclass(frozen=True)
class ItemState:
    """A sheet or an exam as WIMS describes it (unknown fields: None)."""

    status: ItemStatus | None = None
    expiration: dt.date | None = None
    attempts: int | None = None  # exams: sessions allowed

    def closed(self, today: dt.date) -> bool:
        if self.status in (ItemStatus.EXPIRED, ItemStatus.EXPIRED_HIDDEN):
            return True
        return self.expiration is not None and self.expiration < today


def sheet_progress(user: SheetUserScore, state: ItemState, today: dt.date) -> str:
    """For a student who has worked on the sheet (the caller posts nothing otherwise)."""
    if state.closed(today) or user.user_percent >= 100:
        return COMPLETED
    earned = user.user_percent > 0 or any(g > 0 for g in user.got_detail)
    return IN_PROGRESS if earned else STARTED


def exam_progress(user: ExamUserScore, state: ItemState, today: dt.date) -> str:
    if state.closed(today):
        return COMPLETED
    if state.attempts is not None and user.attempts >= state.attempts:
        return COMPLETED
    return SUBMITTED
