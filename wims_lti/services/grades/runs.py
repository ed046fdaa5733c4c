"""Sync runs: started by the schedule (fan-out over every course) or by a teacher ("Sync now").

A course has one run at a time. Starting a run while one is unfinished returns that run — and takes over
its activities whose worker is gone: an activity not over whose last heartbeat (written when queued and
every GRADE_SYNC_HEARTBEAT s while a worker runs it) is older than GRADE_SYNC_STALE_AFTER is queued
again. The new execution resumes from the score ledger (exactly once); a late duplicate of the lost task
finds the activity over, or being run, and does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from wims_lti.models import ActivitySync, Course, LmsUser, ResourceLink, SyncRun
from wims_lti.observability.metrics import count_sync_takeovers

logger = logging.getLogger(__name__)

BOUND_KINDS = (ResourceLink.Kind.SHEET, ResourceLink.Kind.EXAM)

Enqueue = Callable[[int], None]


def _default_enqueue(activity_sync_id: int) -> None:
    from wims_lti.tasks import grades_sync_activity

    grades_sync_activity.apply_async(args=[activity_sync_id], queue=settings.GRADE_SYNC_QUEUE)


def bound_links(*, course: Course) -> QuerySet[ResourceLink]:
    return ResourceLink.objects.filter(course=course, kind__in=BOUND_KINDS, number__isnull=False).order_by(
        "kind", "number", "pk"
    )


def run_unfinished(*, course: Course) -> SyncRun | None:
    """A run of the course still in progress (not older than a task's lifetime with its retries)."""
    horizon = timezone.now() - dt.timedelta(
        seconds=settings.GRADE_SYNC_TIME_LIMIT * (settings.GRADE_SYNC_MAX_RETRIES + 1)
    )
    return SyncRun.objects.filter(course=course, finished__isnull=True, created__gte=horizon).first()


def sync_run_start(
    *,
    course: Course,
    trigger: str,
    requested_by: LmsUser | None = None,
    enqueue: Enqueue | None = None,
) -> SyncRun | None:
    """Create a run with one ActivitySync per bound activity and queue their tasks once the transaction
    commits. A course whose previous run is still going gets no second one (that run is returned)."""
    if not course.is_linked:
        return None
    links = list(bound_links(course=course))
    if not links:
        return None
    send = enqueue or _default_enqueue
    with transaction.atomic():
        Course.objects.select_for_update().filter(pk=course.pk).first()  # serialises concurrent starts
        running = run_unfinished(course=course)
        if running is not None:
            stale = run_take_over(run=running)
            if stale:
                transaction.on_commit(lambda: [send(pk) for pk in stale])
            return running
        now = timezone.now()
        run = SyncRun.objects.create(course=course, trigger=trigger, requested_by=requested_by)
        activities = ActivitySync.objects.bulk_create(
            [ActivitySync(run=run, link=link, heartbeat=now) for link in links]
        )
        ids = [a.pk for a in activities] or list(
            ActivitySync.objects.filter(run=run).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: [send(pk) for pk in ids])
    return run


def stale_activities(*, run: SyncRun, now: dt.datetime | None = None) -> QuerySet[ActivitySync]:
    """The run's activities not over whose worker gave no sign of life for GRADE_SYNC_STALE_AFTER."""
    now = now or timezone.now()
    horizon = now - dt.timedelta(seconds=settings.GRADE_SYNC_STALE_AFTER)
    over = (ActivitySync.Status.DONE, ActivitySync.Status.PARTIAL, ActivitySync.Status.FAILED)
    return (
        ActivitySync.objects.filter(run=run)
        .exclude(status__in=over)
        .filter(models.Q(heartbeat__isnull=True) | models.Q(heartbeat__lt=horizon))
    )


def run_take_over(*, run: SyncRun) -> list[int]:
    """Queue the stale activities again (returns their ids; the caller sends them after commit)."""
    now = timezone.now()
    ids = list(stale_activities(run=run, now=now).values_list("pk", flat=True))
    if ids:
        ActivitySync.objects.filter(pk__in=ids).update(
            status=ActivitySync.Status.QUEUED, message="taken_over", heartbeat=now
        )
        logger.warning("run %s: taking over %d activity syncs whose worker stopped", run.pk, len(ids))
        count_sync_takeovers(len(ids))
    return ids


def grades_schedule_all(*, enqueue: Enqueue | None = None) -> list[SyncRun]:
    """The periodic fan-out: one run per linked course with bound activities, one task per activity."""
    runs = []
    course_ids = (
        ResourceLink.objects.filter(kind__in=BOUND_KINDS, number__isnull=False, course__qclass__gt="")
        .values_list("course_id", flat=True)
        .distinct()
    )
    for course in Course.objects.filter(pk__in=list(course_ids)).select_related("wims_server"):
        run = sync_run_start(course=course, trigger=SyncRun.Trigger.SCHEDULE, enqueue=enqueue)
        if run is not None:
            runs.append(run)
    return runs


# --- reading (teacher page, JSON status) ------------------------------------------------------------


@dataclass(frozen=True)
class RunProgress:
    run: SyncRun | None
    total: int
    over: int
    percent: int

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.finished is None


def run_progress(*, run: SyncRun | None) -> RunProgress:
    if run is None:
        return RunProgress(None, 0, 0, 0)
    activities = list(run.activities.all())
    total = len(activities)
    done = 0.0
    for act in activities:
        if act.is_over:
            done += 1
        elif act.status == ActivitySync.Status.RUNNING and act.read:
            done += min(1.0, (act.posted + act.unchanged + act.failed) / act.read) * 0.99
    percent = 100 if run.finished else int(100 * done / total) if total else 0
    return RunProgress(run, total, sum(1 for a in activities if a.is_over), min(percent, 100))


def last_run(*, course: Course) -> SyncRun | None:
    return SyncRun.objects.filter(course=course).order_by("-created", "-pk").first()


def next_scheduled(*, course: Course, now: dt.datetime | None = None) -> dt.datetime:
    """When the schedule will next pick the course up (an estimate: beat runs every interval)."""
    now = now or timezone.now()
    interval = dt.timedelta(minutes=settings.GRADE_SYNC_INTERVAL)
    last = (
        SyncRun.objects.filter(course=course, trigger=SyncRun.Trigger.SCHEDULE)
        .order_by("-created")
        .values_list("created", flat=True)
        .first()
    )
    if last is None:
        return now + interval
    nxt = last + interval
    while nxt < now:
        nxt += interval
    return nxt


def latest_activity_syncs(*, course: Course) -> dict[int, ActivitySync]:
    """The most recent ActivitySync of each bound link of the course (one query)."""
    latest: dict[int, ActivitySync] = {}
    for act in (
        ActivitySync.objects.filter(run__course=course)
        .select_related("run")
        .order_by("-created", "-pk")[:500]
    ):
        latest.setdefault(act.link_id, act)
    return latest
