"""Reads behind the API: linked courses, their bound activities, ledger scores; starting a sync."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from wims_lti.models import Course, ResourceLink, ScoreLedger, SyncRun
from wims_lti.services.grades import sync_run_start
from wims_lti.services.grades.runs import bound_links, run_unfinished


def courses_linked() -> QuerySet[Course]:
    """Courses linked to a WIMS class (the ones the API knows)."""
    return (
        Course.objects.filter(wims_server__isnull=False)
        .exclude(qclass="")
        .select_related("platform", "wims_server")
        .order_by("pk")
    )


def course_get(*, course_id: int) -> Course | None:
    return courses_linked().filter(pk=course_id).first()


def course_activities(*, course: Course) -> QuerySet[ResourceLink]:
    return bound_links(course=course).select_related("grade_line_item")


@dataclass(frozen=True)
class GradeFilter:
    activity: int | None = None
    user: str | None = None
    status: str | None = None
    since: dt.datetime | None = None
    limit: int = 1000
    offset: int = 0


def course_grades(*, course: Course, filters: GradeFilter) -> tuple[int, list[ScoreLedger]]:
    """Ledger entries (last score pushed per activity and user) of the course's bound activities."""
    qs = ScoreLedger.objects.filter(
        line_item__link__course=course, line_item__link__in=bound_links(course=course)
    ).select_related("line_item__link", "lms_user")
    if filters.activity is not None:
        qs = qs.filter(line_item__link_id=filters.activity)
    if filters.user is not None:
        qs = qs.filter(lms_user__sub=filters.user)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.since is not None:
        qs = qs.filter(modified__gte=filters.since)
    qs = qs.order_by("line_item__link_id", "lms_user_id", "pk")
    total = qs.count()
    return total, list(qs[filters.offset : filters.offset + filters.limit])


@dataclass(frozen=True)
class SyncStart:
    run: SyncRun | None
    already_running: bool


def course_sync_start(*, course: Course) -> SyncStart:
    """A manual run of the course (or the one already in progress); run None: nothing to sync."""
    before = run_unfinished(course=course)
    run = sync_run_start(course=course, trigger=SyncRun.Trigger.MANUAL)
    return SyncStart(run=run, already_running=run is not None and before is not None and before.pk == run.pk)
