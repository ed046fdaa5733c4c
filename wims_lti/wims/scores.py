"""WIMS scores → LMS scores (the numbers posted to the gradebook), on WIMS's own scale.

Sheets (`getsheetscores`): `user_percent` (0-100) is the share of the sheet's required points the
student has earned — what WIMS shows the student as the progress of the sheet, independent of the
class's quality formula (`I*Q^0.3`, which teachers change and which mixes in the *quality* of the
tries). It is posted on the class's score scale:

    scoreGiven   = user_percent * class_scoremax / 100     (e.g. 65 % → 6.5)
    scoreMaximum = class_scoremax                           (10 on every WIMS class)

Exams (`getexamscores`): `score` is the best exam session, already on WIMS's 0-10 scale:

    scoreGiven = score,  scoreMaximum = 10

Both LMSs rescale `scoreGiven / scoreMaximum` to the column's own maximum, so a Moodle column out of 20 or
a Canvas assignment worth 100 points gets the same proportion. Values are rounded to 2 decimals (WIMS
prints its means with about that precision), so a resync compares equal numbers.

"No work, no score": a student listed with zero tries on every exercise of a sheet, or absent from an
exam's `data_scores` (only users with attempts > 0 are listed), gets *nothing* posted — a progress-only
score would blank a grade the LMS may already hold. A student who tried and earned 0 gets a real 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from .results import ExamScores, ExamUserScore, SheetScores, SheetUserScore

EXAM_SCALE = 10.0
PRECISION = 2


@dataclass(frozen=True)
class LmsScore:
    """A score ready for AGS: always Completed + FullyGraded (a grade the LMS writes)."""

    given: float
    maximum: float


def _round(value: float) -> float:
    return round(float(value), PRECISION)


def sheet_user_score(user: SheetUserScore, scoremax: float) -> LmsScore | None:
    """The LMS score of one line of getsheetscores; None when the student has not worked yet."""
    tried = any(t > 0 for t in user.try_detail) or any(g > 0 for g in user.got_detail)
    if not tried and user.user_percent <= 0:
        return None
    maximum = scoremax if scoremax > 0 else 10.0
    percent = min(max(user.user_percent, 0.0), 100.0)
    return LmsScore(given=_round(percent * maximum / 100), maximum=_round(maximum))


def exam_user_score(user: ExamUserScore) -> LmsScore | None:
    if user.attempts <= 0:
        return None
    return LmsScore(given=_round(min(max(user.score, 0.0), EXAM_SCALE)), maximum=EXAM_SCALE)


def lms_scores(scores: SheetScores | ExamScores) -> dict[str, LmsScore | None]:
    """Every WIMS login of the reply → its LMS score (None: listed but no work yet)."""
    if isinstance(scores, SheetScores):
        return {u.login: sheet_user_score(u, scores.class_scoremax) for u in scores.users}
    return {u.login: exam_user_score(u) for u in scores.users}
