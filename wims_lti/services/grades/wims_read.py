"""Reading an activity's scores from WIMS: one read per class at a time, and never a short list taken as true.

WIMS 4.29a's `getsheetscores`/`getexamscores` rebuild the class's `.userlist` on every call, which is not
safe when two calls on one class overlap: measured on the real server, two concurrent reads of a 4-student
class answered "There is no user in this class" or listed students twice or not at all in about half of
the rounds (../shared/wims-server/README.md, Concurrency). So:

- every score read of a class runs under a Redis lock per (WIMS server, class), shared by every worker
  process on every host; the per-server cap (`wims_slot`) still bounds the calls to one WIMS server;
- a reply that lacks students the bridge knows in the class (WIMS accounts it made there, for the
  roster's learners when the roster is known), that says "no user" while there are some, or lists a login
  twice, is read again (GRADE_WIMS_READ_ATTEMPTS times, exponential backoff with jitter — something
  outside the bridge, a teacher's WIMS page, may be reading the class too);
- if "no user" persists, `IncompleteRead` is raised (the activity fails, it is never "done"); students
  still missing are returned in `ScoreRead.missing` and reported per student.

`getexamscores` lists only students who started the exam: its `class_user_cnt` (the size of the rebuilt
user list) is what is checked against the known students.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass

from django.conf import settings

from wims_lti.models import ResourceLink
from wims_lti.observability.metrics import count_wims_reread
from wims_lti.services.concurrency import wims_slot
from wims_lti.services.repair import wims_call_repairing
from wims_lti.services.servers import wims_client_for
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsNoUserInClass
from wims_lti.wims.results import ExamScores, SheetScores

from .leases import renewed_lock

logger = logging.getLogger(__name__)


class IncompleteRead(Exception):
    """WIMS kept answering "There is no user in this class" for a class the bridge knows students in."""


@dataclass(frozen=True)
class ScoreRead:
    scores: SheetScores | ExamScores
    missing: frozenset[str]  # known logins WIMS did not list (sheets), after every attempt
    missing_count: int  # known students missing from the class's user list (exams: only a count)
    attempts: int


def class_lock_name(server_id: int, qclass: str) -> str:
    return f"wims-class:{server_id}:{qclass}"


def class_lock(server_id: int, qclass: str) -> AbstractContextManager[None]:
    """The class's score-read lock (also held around adm/raw jobs that rewrite its user list). Its lease
    is short and renewed while held, so a worker killed in a read frees the class within seconds."""
    return renewed_lock(
        class_lock_name(server_id, qclass), ttl=settings.GRADE_LOCK_TTL, wait=settings.GRADE_CLASS_LOCK_WAIT
    )


def _dedupe(scores: SheetScores | ExamScores) -> tuple[SheetScores | ExamScores, bool]:
    seen: set[str] = set()
    users = []
    for user in scores.users:
        if user.login not in seen:
            seen.add(user.login)
            users.append(user)
    if len(users) == len(scores.users):
        return scores, False
    return dataclasses.replace(scores, users=tuple(users)), True  # type: ignore[arg-type]


def _problem(scores: SheetScores | ExamScores, expected: Collection[str]) -> tuple[str, frozenset[str], int]:
    """(reason or "", missing logins, missing count)."""
    if isinstance(scores, ExamScores):
        short = max(0, len(expected) - scores.class_user_cnt)
        return ("missing" if short else ""), frozenset(), short
    listed = {user.login for user in scores.users}
    missing = frozenset(login for login in expected if login not in listed)
    return ("missing" if missing else ""), missing, len(missing)


def class_scores_read(
    *,
    link: ResourceLink,
    expected: Collection[str],
    client: WimsClient | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ScoreRead:
    """The scores of the link's sheet or exam. Raises what the client raises (`WimsNotActive`, ...);
    `WimsNoUserInClass` only when the bridge knows nobody in the class; `IncompleteRead` when WIMS kept
    saying "no user" although it knows some; `LockTimeout` when the class stayed busy."""
    course = link.course
    server = course.wims_server
    assert server is not None and link.number is not None
    client = client or wims_client_for(server)
    attempts = max(1, settings.GRADE_WIMS_READ_ATTEMPTS)
    reason = ""
    scores: SheetScores | ExamScores | None = None
    missing: frozenset[str] = frozenset()
    short = 0
    number = link.number

    def read() -> SheetScores | ExamScores:
        if link.kind == ResourceLink.Kind.SHEET:
            return client.getsheetscores(course.qclass, course.rclass, number)
        return client.getexamscores(course.qclass, course.rclass, number)

    for attempt in range(1, attempts + 1):
        try:
            with class_lock(server.pk, course.qclass), wims_slot(server.pk, server.max_concurrency):
                # A record WIMS cannot read (a value starting with `!`) blocks every score of the class:
                # repaired here, under the class lock (the repair rewrites the class's user list too).
                scores = wims_call_repairing(course=course, client=client, call=read)
        except WimsNoUserInClass:
            if not expected:
                raise  # WIMS and the bridge agree: nobody in the class yet
            reason, scores = "no_user", None
        else:
            scores, duplicated = _dedupe(scores)
            reason, missing, short = _problem(scores, expected)
            if duplicated and not reason:
                reason = "duplicated"
        if not reason:
            return ScoreRead(scores, frozenset(), 0, attempt)  # type: ignore[arg-type]
        count_wims_reread(reason)
        if attempt < attempts:
            delay = settings.GRADE_WIMS_READ_BACKOFF * 2 ** (attempt - 1) * (0.5 + random.random())
            logger.warning(
                "class %s %s %s: WIMS reply %s (%d known students, %d missing): reading again in %.1fs",
                course.qclass, link.kind, link.number, reason, len(expected), short, delay,
            )  # fmt: skip
            sleep(delay)
    if scores is None:
        raise IncompleteRead(
            f"WIMS answered 'There is no user in this class' {attempts} times while the bridge knows "
            f"{len(expected)} students in class {course.qclass}"
        )
    if reason == "duplicated":  # deduplicated above: the list itself is complete
        return ScoreRead(scores, frozenset(), 0, attempts)
    logger.error(
        "class %s %s %s: %d known students still missing from WIMS's reply after %d reads",
        course.qclass, link.kind, link.number, short, attempts,
    )  # fmt: skip
    return ScoreRead(scores, missing, short, attempts)
