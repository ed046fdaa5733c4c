"""One sync of one activity: WIMS scores (one adm/raw read) → the LMS gradebook (only what changed).

The steps: the run's roster (NRPS, once per run: WIMS accounts made ahead for learners who never
launched), then the scores read from WIMS under the class's lock and checked against the students the
bridge knows there (`wims_read`), each student's AGS progress (`progress`), then one POST per changed
score, each with the time the student worked when WIMS knows it (`worktimes`).

Idempotent and safe to kill at any point: each score's intent is written to the ledger before its POST
and its outcome right after, before the next one. A rerun skips what the LMS already has; a leftover
intent is checked against the LMS's results (or resent with the very same timestamp, which Moodle
refuses as a duplicate) instead of being posted twice. While it runs, a heartbeat thread renews the
activity's lock and writes `ActivitySync.heartbeat`; a run whose heartbeats stopped is taken over
(`runs.sync_run_start`), and an execution that lost its lock to another stops before its next POST.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import close_old_connections, connection
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
from wims_lti.observability.metrics import count_lms_post, count_score_errors, count_sync_failure
from wims_lti.services.concurrency import SemaphoreTimeout, lms_slot, wims_slot
from wims_lti.services.locks import LockTimeout
from wims_lti.services.locks import _client as redis_client
from wims_lti.services.servers import wims_client_for
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsError, WimsNotActive, WimsNoUserInClass, WimsUnreachable
from wims_lti.wims.results import ExamScores, ItemStatus, SheetScores
from wims_lti.wims.scores import LmsScore, exam_user_score, sheet_user_score

from .errors import KIND_FOR_MESSAGE, ErrorKind, kind_for_outcome
from .leases import renewed_lock
from .ledger import Action, iso, ledger_decide, next_timestamp
from .lineitems import LineItemUnavailable, line_item_confirm_gone, line_item_for
from .outcomes import lti11_ledger_forget, outcomes_apply, outcomes_post_all
from .progress import ItemState, exam_progress, sheet_progress
from .roster import run_learners
from .wims_read import IncompleteRead, class_scores_read
from .worktimes import work_times

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


class LeaseLost(Exception):
    """Another execution took the activity over (this one stalled past its lease): stop, post nothing."""


@dataclass
class _Tally:
    read: int = 0
    posted: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    error_counts: Counter[str] = field(default_factory=Counter)
    progress_counts: Counter[str] = field(default_factory=Counter)

    def error(self, user: LmsUser, kind: str, reason: str) -> None:
        self.error_counts[kind] += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            name = f"{user.given_name} {user.family_name}".strip() or user.sub
            self.errors.append({"user": name, "sub": user.sub, "kind": kind, "reason": reason[:300]})

    def reset_posting(self, keep: Counter[str]) -> None:
        """Before (re)posting a list: only the errors found before posting (WIMS's) remain."""
        self.posted = self.unchanged = 0
        self.failed = sum(keep.values())
        self.errors = [e for e in self.errors if e["kind"] in keep]
        self.error_counts = Counter(keep)


@dataclass(frozen=True)
class _Grade:
    """A student's score to deliver and the progress that goes with it."""

    user: LmsUser
    quser: str
    score: LmsScore
    progress: str


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _save(act: ActivitySync, tally: _Tally, **fields: object) -> None:
    act.read, act.posted, act.unchanged, act.failed = tally.read, tally.posted, tally.unchanged, tally.failed
    act.errors = tally.errors
    act.error_counts = dict(tally.error_counts)
    act.progress_counts = dict(tally.progress_counts)
    act.heartbeat = timezone.now()  # the main thread writing is a sign of life too
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
    count_score_errors(dict(tally.error_counts))
    if failed:
        count_sync_failure(message)


def activity_sync_give_up(*, activity_sync_id: int, code: str, detail: str = "") -> None:
    """Retries exhausted: the activity is failed for this run (the next run starts afresh). The per-student
    errors recorded by the last attempt (students left unsent) stay."""
    over = (ActivitySync.Status.DONE, ActivitySync.Status.PARTIAL, ActivitySync.Status.FAILED)
    updated = (
        ActivitySync.objects.filter(pk=activity_sync_id)
        .exclude(status__in=over)
        .update(
            status=ActivitySync.Status.FAILED, message=code, detail=detail[:2000], finished=timezone.now()
        )
    )
    act = ActivitySync.objects.get(pk=activity_sync_id)
    if updated:
        count_sync_failure(code)
        count_score_errors(act.error_counts or {})
    run_finish_if_done(run_id=act.run_id)


def heartbeat_is_fresh(act: ActivitySync, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return act.heartbeat is not None and now - act.heartbeat < dt.timedelta(
        seconds=settings.GRADE_SYNC_STALE_AFTER
    )


class _Lease:
    """The activity's lock (one sync of a link at a time) and the heartbeat that keeps it.

    A thread renews the Redis lock every GRADE_SYNC_HEARTBEAT seconds and writes the activity's
    heartbeat, even while the sync waits on a slow WIMS or LMS. If the worker dies, both stop: the lock
    expires after GRADE_SYNC_LOCK_LEASE seconds and the run is taken over once the heartbeat is older
    than GRADE_SYNC_STALE_AFTER. If the lock was lost (this process stalled that long and another took
    over), `check()` raises `LeaseLost` before the next POST.
    """

    def __init__(self, act_id: int, link_id: int) -> None:
        self.act_id = act_id
        self.lock = redis_client(settings.REDIS_URL).lock(
            f"wims_lti:lock:grades:link:{link_id}",
            timeout=settings.GRADE_SYNC_LOCK_LEASE,
            thread_local=False,  # renewed by the heartbeat thread
        )
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self) -> bool:
        return bool(self.lock.acquire(blocking=True, blocking_timeout=2))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{self.act_id}", daemon=True)
        self._thread.start()

    def _renew(self) -> None:
        try:
            self.lock.reacquire()
        except redis.exceptions.LockNotOwnedError:
            # Expired: take it back if nobody else holds it, else someone took the activity over.
            if not self.lock.acquire(blocking=False):
                logger.error("activity sync %s: lock taken over by another worker", self.act_id)
                self.lost.set()
        except redis.exceptions.RedisError as exc:  # Redis unreachable: carry on, it may come back
            logger.warning("activity sync %s: lock not renewed: %s", self.act_id, exc)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(settings.GRADE_SYNC_HEARTBEAT):
                self._renew()
                try:
                    ActivitySync.objects.filter(pk=self.act_id, status=ActivitySync.Status.RUNNING).update(
                        heartbeat=timezone.now()
                    )
                except Exception as exc:  # a busy database: the next beat tries again
                    logger.warning("activity sync %s: heartbeat not written: %s", self.act_id, exc)
        finally:
            connection.close()

    def check(self) -> None:
        if self.lost.is_set():
            raise LeaseLost(f"activity sync {self.act_id} was taken over")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not self.lost.is_set():
            with contextlib.suppress(redis.exceptions.RedisError):  # expired meanwhile, or Redis gone
                self.lock.release()


def activity_sync_execute(*, activity_sync_id: int) -> ActivitySync:
    act = ActivitySync.objects.select_related(
        "run",
        "run__course",
        "link",
        "link__course",
        "link__course__platform",
        "link__course__wims_server",
        "link__platform",
    ).get(pk=activity_sync_id)
    if act.is_over:  # a redelivered task whose work is complete
        return act
    lease = _Lease(act.pk, act.link_id)
    try:
        acquired = lease.acquire()
    except redis.exceptions.ConnectionError as exc:
        raise RetryLater("redis_unreachable", str(exc)) from exc
    if not acquired:
        act.refresh_from_db()
        if act.is_over or (act.status == ActivitySync.Status.RUNNING and heartbeat_is_fresh(act)):
            # A duplicate delivery (e.g. after a takeover): the live execution finishes the work.
            logger.info("activity sync %s is being run by %s: nothing to do here", act.pk, act.worker)
            return act
        raise RetryLater(
            "busy", "another sync of this activity is running", countdown=settings.GRADE_SYNC_LOCK_LEASE
        )
    try:
        now = timezone.now()
        ActivitySync.objects.filter(pk=act.pk).update(
            status=ActivitySync.Status.RUNNING,
            attempts=F("attempts") + 1,
            started=now,
            heartbeat=now,
            worker=_worker_name()[:200],
        )
        act.refresh_from_db()
        lease.start()
        _sync(act, lease)
    except LeaseLost:
        logger.warning("activity sync %s: stopped, another worker took it over", act.pk)
    finally:
        lease.release()
        close_old_connections()
    return act


# --- reading WIMS ---------------------------------------------------------------------------------


def _sheet_states(run: SyncRun, client: WimsClient) -> dict[str, dict[str, object]]:
    """Status and expiration of the class's sheets (listsheets once per run)."""
    if run.wims_items is not None:
        return dict(run.wims_items.get("sheets") or {})
    course = run.course
    assert course.wims_server is not None
    try:
        with renewed_lock(f"wims-items:{run.pk}", ttl=settings.GRADE_LOCK_TTL, wait=60):
            run.refresh_from_db(fields=["wims_items"])
            if run.wims_items is not None:  # another activity of the run read them meanwhile
                return dict(run.wims_items.get("sheets") or {})
            with wims_slot(course.wims_server.pk, course.wims_server.max_concurrency):
                listed = client.listsheets(course.qclass, course.rclass)
    except (WimsError, SemaphoreTimeout, LockTimeout) as exc:
        logger.info("sheets of class %s unavailable (progress without them): %s", course.qclass, exc)
        return {}
    sheets: dict[str, dict[str, object]] = {
        str(s.id): {"status": int(s.status), "expiration": s.expiration.isoformat() if s.expiration else None}
        for s in listed.sheets
    }
    SyncRun.objects.filter(pk=run.pk, wims_items__isnull=True).update(wims_items={"sheets": sheets})
    run.wims_items = {"sheets": sheets}
    return sheets


def _item_state(act: ActivitySync, client: WimsClient) -> ItemState:
    link = act.link
    course = link.course
    assert course.wims_server is not None and link.number is not None
    if link.kind == ResourceLink.Kind.SHEET:
        found = _sheet_states(act.run, client).get(str(link.number))
        if not found:
            return ItemState()
        expiration = found.get("expiration")
        return ItemState(
            status=ItemStatus.parse(found.get("status")),
            expiration=dt.date.fromisoformat(str(expiration)) if expiration else None,
        )
    try:
        with wims_slot(course.wims_server.pk, course.wims_server.max_concurrency):
            exam = client.getexam(course.qclass, course.rclass, link.number)
    except (WimsError, SemaphoreTimeout) as exc:
        logger.info(
            "exam %s of class %s unavailable (progress without it): %s", link.number, course.qclass, exc
        )
        return ItemState()
    return ItemState(status=exam.status, expiration=exam.expiration, attempts=exam.attempts)


def _grades(
    scores: SheetScores | ExamScores, state: ItemState, accounts: dict[str, WimsAccount]
) -> list[_Grade]:
    today = timezone.now().date()
    grades = []
    if isinstance(scores, SheetScores):
        for sheet_user in scores.users:
            account = accounts.get(sheet_user.login)
            score = sheet_user_score(sheet_user, scores.class_scoremax) if account else None
            if account is not None and score is not None:
                progress = sheet_progress(sheet_user, state, today)
                grades.append(_Grade(account.lms_user, sheet_user.login, score, progress))
    else:
        for exam_user in scores.users:
            account = accounts.get(exam_user.login)
            score = exam_user_score(exam_user) if account else None
            if account is not None and score is not None:
                progress = exam_progress(exam_user, state, today)
                grades.append(_Grade(account.lms_user, exam_user.login, score, progress))
    return grades


def _sync(act: ActivitySync, lease: _Lease) -> None:
    link = act.link
    course = link.course
    tally = _Tally()
    if not course.is_linked or link.kind not in (ResourceLink.Kind.SHEET, ResourceLink.Kind.EXAM):
        _finish(act, tally, "not_bound")
        return
    platform = link.platform or course.platform  # the registration this link's AGS endpoints answer to
    service = ServiceSession.for_platform(platform, gate=lambda: lms_slot(platform.pk))
    assert course.wims_server is not None
    client = wims_client_for(course.wims_server)
    try:
        # The roster first: accounts made ahead are then in the class before its scores are read.
        learners = run_learners(run=act.run, service=service, client=client)
    except (ServiceUnavailable, SemaphoreTimeout) as exc:
        _save(act, tally, message="lms_unreachable", detail=str(exc))
        raise RetryLater("lms_unreachable", str(exc)) from exc
    accounts = {
        a.quser: a
        for a in WimsAccount.objects.filter(course=course).select_related("lms_user")
        if learners is None or a.lms_user.sub in learners
    }
    try:
        read = class_scores_read(link=link, expected=list(accounts), client=client)
    except WimsNotActive:
        _finish(act, tally, "not_active")
        return
    except WimsNoUserInClass:
        _finish(act, tally, "no_students")
        return
    except IncompleteRead as exc:
        _finish(act, tally, "wims_no_user", str(exc), failed=True)
        return
    except LockTimeout as exc:
        _save(act, tally, message="wims_busy", detail=str(exc))
        raise RetryLater("wims_busy", str(exc)) from exc
    except (WimsUnreachable, SemaphoreTimeout) as exc:
        _save(act, tally, message="wims_unreachable", detail=str(exc))
        raise RetryLater("wims_unreachable", str(exc)) from exc
    except redis.exceptions.RedisError as exc:
        raise RetryLater("redis_unreachable", str(exc)) from exc
    except WimsError as exc:
        _finish(act, tally, "wims_error", str(exc), failed=True)
        return
    lease.check()
    grades = _grades(read.scores, _item_state(act, client), accounts)
    for login in sorted(read.missing):
        tally.error(accounts[login].lms_user, ErrorKind.WIMS_MISSING, "not in WIMS's reply")
    if read.missing_count and not read.missing:  # exams: WIMS's user list is short, names unknown
        tally.error_counts[ErrorKind.WIMS_MISSING] += read.missing_count
    tally.failed = read.missing_count
    wims_message, wims_detail = "", ""
    if read.missing_count:
        wims_message = "wims_missing"
        wims_detail = (
            f"{read.missing_count} known students missing from WIMS's list after {read.attempts} reads"
        )
    tally.read = len(grades)
    tally.progress_counts = Counter(g.progress for g in grades)
    if not grades:
        _finish(act, tally, wims_message or "no_scores", wims_detail)
        return
    state = _PostState(grades)
    try:
        if outcomes_apply(link=link):  # LTI 1.1 link: Basic Outcomes replaceResult instead of AGS
            rejected_retry = dt.timedelta(hours=settings.GRADE_REJECTED_RETRY_HOURS)
            todo = [(g.user, g.score) for g in grades]
            tally.read = outcomes_post_all(
                link=link, todo=todo, tally=tally, rejected_retry=rejected_retry, renew=lease.check
            )
            _finish(act, tally, wims_message or ("" if tally.read else "no_scores"), wims_detail)
            return
        lti11_ledger_forget(link=link)
        _post_all(act, tally, service, state, lease, client, (wims_message, wims_detail))
    except (ServiceUnavailable, SemaphoreTimeout) as exc:
        state.unsent(tally, ErrorKind.TRANSIENT, str(exc))
        _save(act, tally, message="lms_unreachable", detail=str(exc))
        raise RetryLater("lms_unreachable", str(exc)) from exc
    except TokenRefused as exc:
        state.unsent(tally, ErrorKind.AUTH_CONFIG, str(exc))
        _finish(act, tally, "token_refused", str(exc), failed=True)
    except LineItemUnavailable as exc:
        state.unsent(tally, KIND_FOR_MESSAGE.get(exc.code, ErrorKind.AUTH_CONFIG), exc.detail or exc.code)
        _finish(act, tally, exc.code, exc.detail, failed=True)


# --- posting to the LMS ---------------------------------------------------------------------------


@dataclass
class _PostState:
    """Where the posting loop is, so that an activity-wide stop lists every student left unsent."""

    grades: list[_Grade]
    index: int = 0
    ledger: dict[int, ScoreLedger] | None = None

    def unsent(self, tally: _Tally, kind: str, reason: str) -> None:
        now = timezone.now()
        retry = dt.timedelta(hours=settings.GRADE_REJECTED_RETRY_HOURS)
        for grade in self.grades[self.index :]:
            if self.ledger is not None:
                entry = self.ledger.get(grade.user.pk)
                decision = ledger_decide(
                    entry=entry, score=grade.score, now=now, rejected_retry=retry, progress=grade.progress
                )
                if decision.action == Action.UNCHANGED:
                    tally.unchanged += 1
                    continue
            tally.failed += 1
            tally.error(grade.user, kind, reason)
        self.index = len(self.grades)


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


def _submission_times(
    act: ActivitySync, grade: _Grade, client: WimsClient, now: dt.datetime
) -> tuple[str | None, str | None]:
    if not settings.GRADE_WORK_TIMES:
        return None, None
    link = act.link
    assert link.number is not None
    times = work_times(
        run_id=act.run_id,
        course=link.course,
        quser=grade.quser,
        exam=link.kind == ResourceLink.Kind.EXAM,
        number=link.number,
        client=client,
    )
    # Never in the future (Canvas refuses a submittedAt more than a minute ahead), started <= submitted.
    submitted = min(times.submitted, now) if times.submitted else None
    started = min(times.started, submitted or now) if times.started else None
    return (iso(started) if started else None), (iso(submitted) if submitted else None)


def _post_all(
    act: ActivitySync,
    tally: _Tally,
    service: ServiceSession,
    state: _PostState,
    lease: _Lease,
    client: WimsClient,
    wims_outcome: tuple[str, str],
) -> None:
    ags = AgsClient(service)
    gone_url = ""
    before_posting = Counter(tally.error_counts)
    rejected_retry = dt.timedelta(hours=settings.GRADE_REJECTED_RETRY_HOURS)
    for _round in range(2):  # a second round only after a line item was confirmed deleted
        state.index, state.ledger = 0, None
        item = line_item_for(link=act.link, ags=ags, gone_url=gone_url)
        ledger = {e.lms_user_id: e for e in ScoreLedger.objects.filter(line_item=item)}
        state.ledger = ledger
        if not gone_url and _column_vanished(ags, item, ledger, state.grades, rejected_retry):
            logger.warning("line item %s was deleted in the LMS: making a new one and refilling it", item.url)
            gone_url = item.url
            continue
        tally.reset_posting(before_posting)
        stop = _post_each(act, tally, service, ags, item, ledger, state, lease, client, rejected_retry)
        if stop is None:
            _finish(act, tally, *wims_outcome)
            return
        outcome, reason = stop
        if outcome == Outcome.LINE_ITEM_GONE and not gone_url and line_item_confirm_gone(item=item, ags=ags):
            logger.warning("line item %s was deleted in the LMS: making a new one", item.url)
            gone_url = item.url
            continue
        code = "lineitem_gone" if outcome == Outcome.LINE_ITEM_GONE else f"lineitem_{outcome.value}"
        state.unsent(tally, kind_for_outcome(outcome) or ErrorKind.OTHER, reason)
        _finish(act, tally, code, reason, failed=True)
        return
    _finish(act, tally, "lineitem_gone", "the line item was deleted twice", failed=True)


def _post_each(
    act: ActivitySync,
    tally: _Tally,
    service: ServiceSession,
    ags: AgsClient,
    item: GradeLineItem,
    ledger: dict[int, ScoreLedger],
    state: _PostState,
    lease: _Lease,
    client: WimsClient,
    rejected_retry: dt.timedelta,
) -> tuple[Outcome, str] | None:
    """POST each changed score; returns the activity-wide outcome that stopped it (None: all done)."""
    can_read_results: bool | None = None
    last_progress = time.monotonic()
    while state.index < len(state.grades):
        grade = state.grades[state.index]
        user, score = grade.user, grade.score
        lease.check()
        entry = ledger.get(user.pk)
        now = timezone.now()
        decision = ledger_decide(
            entry=entry, score=score, now=now, rejected_retry=rejected_retry, progress=grade.progress
        )
        if decision.action == Action.UNCHANGED:
            tally.unchanged += 1
            state.index += 1
            continue
        if decision.action == Action.KNOWN_REFUSAL:
            assert entry is not None
            tally.failed += 1
            tally.error(user, ErrorKind.NOT_GRADABLE, entry.reason)
            state.index += 1
            continue
        if entry is None:
            entry = ScoreLedger(line_item=item, lms_user=user)
            ledger[user.pk] = entry
        if decision.action == Action.VERIFY:
            if can_read_results is None:
                can_read_results = SCOPE_RESULT_READONLY in service.granted()
            if can_read_results and _result_matches(ags, item, user.sub, score):
                _record(entry, ScoreLedger.Status.SENT, score, entry.pending_timestamp, grade.progress)
                tally.unchanged += 1
                state.index += 1
                continue
            stamp = entry.pending_timestamp or next_timestamp(last=entry.timestamp, now=now)
        else:
            stamp = next_timestamp(last=entry.timestamp or entry.pending_timestamp, now=now)
        started_at, submitted_at = _submission_times(act, grade, client, now)
        lease.check()
        entry.pending_given, entry.pending_maximum, entry.pending_timestamp = (
            score.given,
            score.maximum,
            stamp,
        )
        entry.save()  # the intent, before the POST
        outcome, reason = ags.post_score(
            item.url,
            Score(
                user.sub,
                score.given,
                score.maximum,
                iso(stamp),
                first_post=decision.first_post,
                activity_progress=grade.progress,
                started_at=started_at,
                submitted_at=submitted_at,
            ),
        )
        count_lms_post(outcome)
        kind = kind_for_outcome(outcome)
        if outcome == Outcome.OK or (outcome == Outcome.SUPERSEDED and decision.action == Action.VERIFY):
            _record(entry, ScoreLedger.Status.SENT, score, stamp, grade.progress)
            tally.posted += 1
        elif outcome == Outcome.SUPERSEDED:
            _record(entry, ScoreLedger.Status.SUPERSEDED, score, stamp, grade.progress, reason)
            tally.unchanged += 1
            tally.error(user, ErrorKind.SUPERSEDED, reason)
        elif outcome.per_user:
            _record(
                entry, ScoreLedger.Status.REJECTED, score, entry.timestamp, entry.activity_progress, reason
            )
            tally.failed += 1
            tally.error(user, kind or ErrorKind.OTHER, reason)
        else:  # the whole column refuses (closed course, no access, gone?): stop posting to it
            entry.pending_given = entry.pending_maximum = entry.pending_timestamp = None
            entry.save()
            return outcome, reason
        state.index += 1
        if time.monotonic() - last_progress > PROGRESS_EVERY:
            _save(act, tally)
            last_progress = time.monotonic()
    return None


def _column_vanished(
    ags: AgsClient,
    item: GradeLineItem,
    ledger: dict[int, ScoreLedger],
    grades: list[_Grade],
    rejected_retry: dt.timedelta,
) -> bool:
    """With nothing to post, a POST would never reveal a column deleted in the LMS: when the ledger
    says the LMS holds scores, one GET checks the column (a 404 confirmed by the container = gone)."""
    held = (ScoreLedger.Status.SENT, ScoreLedger.Status.SUPERSEDED)
    if not any(e.status in held for e in ledger.values()):
        return False
    now = timezone.now()
    for grade in grades:
        decision = ledger_decide(
            entry=ledger.get(grade.user.pk),
            score=grade.score,
            now=now,
            rejected_retry=rejected_retry,
            progress=grade.progress,
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
    progress: str,
    reason: str = "",
) -> None:
    entry.status = status
    entry.score_given, entry.score_maximum = score.given, score.maximum
    entry.timestamp = stamp
    entry.activity_progress = progress
    entry.pending_given = entry.pending_maximum = entry.pending_timestamp = None
    entry.reason = reason[:1000]
    entry.save()
