"""One sync of one activity: WIMS scores (one adm/raw call) → the LMS gradebook (only what changed).

Idempotent and safe to kill at any point: each score's intent is written to the ledger before its POST
and its outcome right after, before the next one. A rerun skips what the LMS already has; a leftover
intent is checked against the LMS's results (or resent with the very same timestamp, which Moodle
refuses as a duplicate) instead of being posted twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from wims_lti.lti.ags import AgsClient, AgsError, Outcome, Score
from wims_lti.lti.service_connector import (
    SCOPE_RESULT_READONLY,
    ServiceSession,
    ServiceUnavailable,
    TokenRefused,
)
from wims_lti.models import (
    ActivitySync,
    GradeLineItem,
    LmsUser,
    ResourceLink,
    ScoreLedger,
    SyncRun,
    WimsAccount,
)
from wims_lti.observability.metrics import count_lms_post, count_sync_failure
from wims_lti.services.concurrency import SemaphoreTimeout, lms_slot, wims_slot
from wims_lti.services.locks import _client as redis_client
from wims_lti.services.repair import wims_call_repairing
from wims_lti.services.servers import wims_client_for
from wims_lti.wims.errors import WimsError, WimsNotActive, WimsNoUserInClass, WimsUnreachable
from wims_lti.wims.results import ExamScores, SheetScores
from wims_lti.wims.scores import LmsScore, lms_scores

from .ledger import Action, iso, ledger_decide, next_timestamp
from .lineitems import LineItemUnavailable, line_item_confirm_gone, line_item_for
from .outcomes import lti11_ledger_forget, outcomes_apply, outcomes_post_all
from .roster import run_learners

logger = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 100
PROGRESS_EVERY = 2.0  # seconds between two progress writes


class RetryLater(Exception):
    """Transient failure (WIMS or LMS unreachable, lock busy): the task runs again later."""

    def __init__(self, code: str, detail: str = "", countdown: float | None = None) -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.countdown = countdown


@dataclass
class _Tally:
    read: int = 0
    posted: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, user: LmsUser, kind: str, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS_KEPT:
            name = f"{user.given_name} {user.family_name}".strip() or user.sub
            self.errors.append({"user": name, "sub": user.sub, "kind": kind, "reason": reason[:300]})


def _read_wims(link: ResourceLink) -> SheetScores | ExamScores:
    course = link.course
    server = course.wims_server
    assert server is not None and link.number is not None
    client = wims_client_for(server)
    number = link.number

    def read() -> SheetScores | ExamScores:
        if link.kind == ResourceLink.Kind.SHEET:
            return client.getsheetscores(course.qclass, course.rclass, number)
        return client.getexamscores(course.qclass, course.rclass, number)

    with wims_slot(server.pk, server.max_concurrency):
        # A record WIMS cannot read (a name starting with `!`) blocks every score of the class: repaired.
        return wims_call_repairing(course=course, client=client, call=read)


def _save(act: ActivitySync, tally: _Tally, **fields: object) -> None:
    act.read, act.posted, act.unchanged, act.failed = tally.read, tally.posted, tally.unchanged, tally.failed
    act.errors = tally.errors
    for key, value in fields.items():
        setattr(act, key, value)
    act.save()
    if act.is_over:
        run_finish_if_done(run_id=act.run_id)


def run_finish_if_done(*, run_id: int) -> None:
    over = (ActivitySync.Status.DONE, ActivitySync.Status.PARTIAL, ActivitySync.Status.FAILED)
    if not ActivitySync.objects.filter(run_id=run_id).exclude(status__in=over).exists():
        SyncRun.objects.filter(pk=run_id, finished__isnull=True).update(finished=timezone.now())


def _finish(
    act: ActivitySync, tally: _Tally, message: str = "", detail: str = "", failed: bool = False
) -> None:
    if failed:
        status = ActivitySync.Status.FAILED
    elif tally.failed:
        status = ActivitySync.Status.PARTIAL
    else:
        status = ActivitySync.Status.DONE
    _save(act, tally, status=status, message=message, detail=detail[:2000], finished=timezone.now())
    if failed:
        count_sync_failure(message)


def activity_sync_give_up(*, activity_sync_id: int, code: str, detail: str = "") -> None:
    """Retries exhausted: the activity is failed for this run (the next run starts afresh)."""
    ActivitySync.objects.filter(pk=activity_sync_id).update(
        status=ActivitySync.Status.FAILED, message=code, detail=detail[:2000], finished=timezone.now()
    )
    count_sync_failure(code)
    act = ActivitySync.objects.get(pk=activity_sync_id)
    run_finish_if_done(run_id=act.run_id)


class _Lease:
    """The activity's lock: one sync of a link at a time, renewed while we work, freed if we die."""

    def __init__(self, link_id: int) -> None:
        self.lock = redis_client(settings.REDIS_URL).lock(
            f"wims_lti:lock:grades:link:{link_id}", timeout=settings.GRADE_SYNC_LOCK_LEASE
        )
        self.renewed = 0.0

    def acquire(self) -> bool:
        ok = bool(self.lock.acquire(blocking=True, blocking_timeout=2))
        self.renewed = time.monotonic()
        return ok

    def renew(self) -> None:
        if time.monotonic() - self.renewed > settings.GRADE_SYNC_LOCK_LEASE / 4:
            try:
                self.lock.reacquire()
            except redis.exceptions.RedisError as exc:  # lost (expired, Redis restarted): carry on
                logger.warning("activity lock not renewed: %s", exc)
            self.renewed = time.monotonic()

    def release(self) -> None:
        with contextlib.suppress(redis.exceptions.RedisError):  # expired meanwhile
            self.lock.release()


def activity_sync_execute(*, activity_sync_id: int) -> ActivitySync:
    act = ActivitySync.objects.select_related(
        "run", "run__course", "link", "link__course", "link__course__platform", "link__course__wims_server"
    ).get(pk=activity_sync_id)
    if act.is_over:  # a redelivered task whose work is complete
        return act
    lease = _Lease(act.link_id)
    try:
        if not lease.acquire():
            raise RetryLater("busy", "another sync of this activity is running", countdown=5)
    except redis.exceptions.ConnectionError as exc:
        raise RetryLater("redis_unreachable", str(exc)) from exc
    try:
        ActivitySync.objects.filter(pk=act.pk).update(
            status=ActivitySync.Status.RUNNING, attempts=F("attempts") + 1, started=timezone.now()
        )
        act.refresh_from_db()
        _sync(act, lease)
    finally:
        lease.release()
    return act


def _sync(act: ActivitySync, lease: _Lease) -> None:
    link = act.link
    course = link.course
    tally = _Tally()
    if not course.is_linked or link.kind not in (ResourceLink.Kind.SHEET, ResourceLink.Kind.EXAM):
        _finish(act, tally, "not_bound")
        return
    try:
        scores = _read_wims(link)
    except WimsNotActive:
        _finish(act, tally, "not_active")
        return
    except WimsNoUserInClass:
        _finish(act, tally, "no_students")
        return
    except (WimsUnreachable, SemaphoreTimeout) as exc:
        _save(act, tally, message="wims_unreachable", detail=str(exc))
        raise RetryLater("wims_unreachable", str(exc)) from exc
    except WimsError as exc:
        _finish(act, tally, "wims_error", str(exc), failed=True)
        return
    mapped = lms_scores(scores)
    tally.read = sum(1 for s in mapped.values() if s is not None)
    platform = course.platform
    service = ServiceSession.for_platform(platform, gate=lambda: lms_slot(platform.pk))
    assert course.wims_server is not None
    try:
        learners = run_learners(run=act.run, service=service, client=wims_client_for(course.wims_server))
        accounts = WimsAccount.objects.filter(course=course, quser__in=list(mapped)).select_related(
            "lms_user"
        )
        todo: list[tuple[LmsUser, LmsScore]] = []
        for account in accounts:
            score = mapped.get(account.quser)
            if score is None:
                continue
            if learners is not None and account.lms_user.sub not in learners:
                continue
            todo.append((account.lms_user, score))
        tally.read = len(todo)
        if not todo:
            _finish(act, tally, "no_scores")
            return
        if outcomes_apply(link=link):  # LTI 1.1 link: Basic Outcomes replaceResult instead of AGS
            rejected_retry = dt.timedelta(hours=settings.GRADE_REJECTED_RETRY_HOURS)
            tally.read = outcomes_post_all(
                link=link, todo=todo, tally=tally, rejected_retry=rejected_retry, renew=lease.renew
            )
            _finish(act, tally, "" if tally.read else "no_scores")
            return
        lti11_ledger_forget(link=link)
        _post_all(act, tally, service, todo, lease)
    except (ServiceUnavailable, SemaphoreTimeout) as exc:
        _save(act, tally, message="lms_unreachable", detail=str(exc))
        raise RetryLater("lms_unreachable", str(exc)) from exc
    except TokenRefused as exc:
        _finish(act, tally, "token_refused", str(exc), failed=True)
    except LineItemUnavailable as exc:
        _finish(act, tally, exc.code, exc.detail, failed=True)


def _result_matches(ags: AgsClient, item: GradeLineItem, sub: str, score: LmsScore) -> bool:
    try:
        result = ags.result(item.url, sub)
    except AgsError:
        return False
    if not result or result.get("resultScore") is None:
        return False
    try:
        got = float(result["resultScore"]) / float(result.get("resultMaximum") or score.maximum)
    except (TypeError, ValueError, ZeroDivisionError):
        return False
    return abs(got - score.given / score.maximum) < 1e-4


def _post_all(
    act: ActivitySync,
    tally: _Tally,
    service: ServiceSession,
    todo: list[tuple[LmsUser, LmsScore]],
    lease: _Lease,
) -> None:
    ags = AgsClient(service)
    gone_url = ""
    for _round in range(2):  # a second round only after a line item was confirmed deleted
        item = line_item_for(link=act.link, ags=ags, gone_url=gone_url)
        ledger = {e.lms_user_id: e for e in ScoreLedger.objects.filter(line_item=item)}
        rejected_retry = dt.timedelta(hours=settings.GRADE_REJECTED_RETRY_HOURS)
        if not gone_url and _column_vanished(ags, item, ledger, todo, rejected_retry):
            logger.warning("line item %s was deleted in the LMS: making a new one and refilling it", item.url)
            gone_url = item.url
            continue
        last_progress = time.monotonic()
        tally.posted = tally.unchanged = tally.failed = 0
        tally.errors = []
        can_read_results: bool | None = None
        for user, score in todo:
            lease.renew()
            entry = ledger.get(user.pk)
            now = timezone.now()
            decision = ledger_decide(entry=entry, score=score, now=now, rejected_retry=rejected_retry)
            if decision.action == Action.UNCHANGED:
                tally.unchanged += 1
                continue
            if decision.action == Action.KNOWN_REFUSAL:
                assert entry is not None
                tally.failed += 1
                tally.error(user, "not_gradable", entry.reason)
                continue
            if entry is None:
                entry = ScoreLedger(line_item=item, lms_user=user)
                ledger[user.pk] = entry
            if decision.action == Action.VERIFY:
                if can_read_results is None:
                    can_read_results = SCOPE_RESULT_READONLY in service.granted()
                if can_read_results and _result_matches(ags, item, user.sub, score):
                    _record(entry, ScoreLedger.Status.SENT, score, entry.pending_timestamp)
                    tally.unchanged += 1
                    continue
                stamp = entry.pending_timestamp or next_timestamp(last=entry.timestamp, now=now)
            else:
                stamp = next_timestamp(last=entry.timestamp or entry.pending_timestamp, now=now)
            entry.pending_given, entry.pending_maximum, entry.pending_timestamp = (
                score.given,
                score.maximum,
                stamp,
            )
            entry.save()  # the intent, before the POST
            outcome, reason = ags.post_score(
                item.url,
                Score(user.sub, score.given, score.maximum, iso(stamp), first_post=decision.first_post),
            )
            count_lms_post(outcome)
            if outcome == Outcome.OK or (outcome == Outcome.SUPERSEDED and decision.action == Action.VERIFY):
                _record(entry, ScoreLedger.Status.SENT, score, stamp)
                tally.posted += 1
            elif outcome == Outcome.SUPERSEDED:
                _record(entry, ScoreLedger.Status.SUPERSEDED, score, stamp, reason)
                tally.unchanged += 1
                tally.error(user, "superseded", reason)
            elif outcome.per_user:
                _record(entry, ScoreLedger.Status.REJECTED, score, entry.timestamp, reason)
                tally.failed += 1
                tally.error(user, outcome.value, reason)
            else:
                entry.pending_given = entry.pending_maximum = entry.pending_timestamp = None
                entry.save()
                if (
                    outcome == Outcome.LINE_ITEM_GONE
                    and not gone_url
                    and line_item_confirm_gone(item=item, ags=ags)
                ):
                    logger.warning("line item %s was deleted in the LMS: making a new one", item.url)
                    gone_url = item.url
                    break
                code = "lineitem_gone" if outcome == Outcome.LINE_ITEM_GONE else f"lineitem_{outcome.value}"
                _finish(act, tally, code, reason, failed=True)
                return
            if time.monotonic() - last_progress > PROGRESS_EVERY:
                _save(act, tally)
                last_progress = time.monotonic()
        else:
            _finish(act, tally)
            return
    _finish(act, tally, "lineitem_gone", "the line item was deleted twice", failed=True)


def _column_vanished(
    ags: AgsClient,
    item: GradeLineItem,
    ledger: dict[int, ScoreLedger],
    todo: list[tuple[LmsUser, LmsScore]],
    rejected_retry: dt.timedelta,
) -> bool:
    """With nothing to post, a POST would never reveal a column deleted in the LMS: when the ledger
    says the LMS holds scores, one GET checks the column (a 404 confirmed by the container = gone)."""
    held = (ScoreLedger.Status.SENT, ScoreLedger.Status.SUPERSEDED)
    if not any(e.status in held for e in ledger.values()):
        return False
    now = timezone.now()
    for user, score in todo:
        decision = ledger_decide(
            entry=ledger.get(user.pk), score=score, now=now, rejected_retry=rejected_retry
        )
        if decision.action not in (Action.UNCHANGED, Action.KNOWN_REFUSAL):
            return False  # something will be posted: the POST answers for the column
    try:
        ags.line_item(item.url)
    except AgsError as exc:
        return exc.status == 404 and line_item_confirm_gone(item=item, ags=ags)
    return False


def _record(
    entry: ScoreLedger,
    status: str,
    score: LmsScore,
    stamp: dt.datetime | None,
    reason: str = "",
) -> None:
    entry.status = status
    entry.score_given, entry.score_maximum = score.given, score.maximum
    entry.timestamp = stamp
    entry.pending_given = entry.pending_maximum = entry.pending_timestamp = None
    entry.reason = reason[:1000]
    entry.save()
