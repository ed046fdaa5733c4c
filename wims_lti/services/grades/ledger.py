"""The score ledger: what the LMS holds per (line item, user), and what to do with a new WIMS score."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from wims_lti.models import ScoreLedger
from wims_lti.wims.scores import LmsScore

ONE_SECOND = dt.timedelta(seconds=1)


class Action(StrEnum):
    SEND = "send"  # post the score
    VERIFY = "verify"  # a post of this very score may have landed (worker died): check, then resend
    UNCHANGED = "unchanged"  # the LMS already has it
    KNOWN_REFUSAL = "known_refusal"  # refused recently with this very score: not sent again yet


@dataclass(frozen=True)
class Decision:
    action: Action
    first_post: bool  # nothing of ours ever reached the LMS for this user (Canvas: a new submission)


def _same(given: float | None, maximum: float | None, score: LmsScore) -> bool:
    return given is not None and maximum is not None and (given, maximum) == (score.given, score.maximum)


def ledger_decide(
    *,
    entry: ScoreLedger | None,
    score: LmsScore,
    now: dt.datetime,
    rejected_retry: dt.timedelta,
    progress: str = "",
) -> Decision:
    """`progress`: the AGS activityProgress to send with the score; a change of progress alone (a sheet
    that expired, an exam whose last session was used) is sent again. Entries written before progress
    was recorded (empty) count as unchanged."""
    if entry is None:
        return Decision(Action.SEND, first_post=True)
    landed = (ScoreLedger.Status.SENT, ScoreLedger.Status.SUPERSEDED)
    first_post = entry.status not in landed and entry.pending_timestamp is None
    if entry.pending_timestamp is not None and _same(entry.pending_given, entry.pending_maximum, score):
        return Decision(Action.VERIFY, first_post=False)
    same_progress = (
        not progress
        or not entry.activity_progress
        or entry.activity_progress == progress
        or entry.status == ScoreLedger.Status.SUPERSEDED  # a teacher's grade is not overwritten for that
    )
    if entry.status in landed and _same(entry.score_given, entry.score_maximum, score) and same_progress:
        return Decision(Action.UNCHANGED, first_post=False)
    if (
        entry.status == ScoreLedger.Status.REJECTED
        and _same(entry.score_given, entry.score_maximum, score)
        and now - entry.modified < rejected_retry
    ):
        return Decision(Action.KNOWN_REFUSAL, first_post=first_post)
    return Decision(Action.SEND, first_post=first_post)


def next_timestamp(*, last: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """Now, in whole seconds, and at least one second after the last score sent for this user (Moodle
    refuses a timestamp equal to or older than its stored one, at one-second resolution)."""
    stamp = now.astimezone(dt.UTC).replace(microsecond=0)
    if last is not None:
        floor = last.astimezone(dt.UTC).replace(microsecond=0) + ONE_SECOND
        stamp = max(stamp, floor)
    return stamp


def iso(stamp: dt.datetime) -> str:
    return stamp.astimezone(dt.UTC).isoformat()
