"""Grades page: per activity the last sync, the next scheduled one, counts, students' progress and
per-student errors with what to do; "Sync now" (which also resumes a sync whose worker stopped)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from wims_lti.models import ActivitySync, SyncRun
from wims_lti.services.grades import run_progress, sync_run_start
from wims_lti.services.grades.errors import error_texts
from wims_lti.services.grades.runs import bound_links, last_run, latest_activity_syncs, next_scheduled
from wims_lti.services.grades.sync import heartbeat_is_fresh

from .auth import TeacherContext, teacher_view

# Plain words for what happened to an activity (ActivitySync.message).
MESSAGES = {
    "": "",
    "not_active": _("The sheet or exam is not active in WIMS yet: no score to send."),
    "no_students": _("The WIMS class has no students yet."),
    "no_scores": _("No student has worked on it yet: nothing to send."),
    "not_bound": _("This link is not bound to a sheet or an exam."),
    "wims_unreachable": _("WIMS could not be reached. The sync will be tried again."),
    "wims_busy": _("WIMS was busy with this class for too long. The sync will be tried again."),
    "wims_error": _("WIMS answered with an error."),
    "wims_no_user": _(
        "WIMS kept answering that the class has no students, although the tool created students in it. "
        "Nothing was sent; the next sync reads WIMS again. If it persists, tell your WIMS administrator."
    ),
    "wims_missing": _(
        "WIMS did not list some of the class's students: their scores could not be read (see below)."
    ),
    "taken_over": _("The worker running this sync stopped; the sync was resumed."),
    "lms_unreachable": _(
        "The LMS could not be reached or asked us to slow down. The sync will be tried again."
    ),
    "token_refused": _(
        "The LMS refused to let the tool send grades (tool registration). Tell your administrator."
    ),
    "no_ags": _("The LMS did not give this link a gradebook column (grade services are off for the tool)."),
    "container_refused": _("The LMS refused to list the course's gradebook columns."),
    "lineitem_not_allowed": _(
        "The tool may not create gradebook columns in this LMS: give the link a grade in the LMS."
    ),
    "lineitem_create_failed": _("The gradebook column could not be created."),
    "lineitem_gone": _("The gradebook column cannot be reached (deleted, or the course is closed)."),
    "lineitem_course_closed": _(
        "The LMS refuses grades for this column: the assignment is unpublished or the course is closed."
    ),
    "lineitem_line_item_refused": _("The LMS does not let the tool grade this column (tool configuration)."),
    "lineitem_unauthorized": _("The LMS refused the tool's access to this column."),
    "interrupted": _("The sync took too long and was interrupted. It will be tried again."),
    "redis_unreachable": _("An internal service was unavailable. The sync will be tried again."),
    "busy": _("Another sync of this activity was running."),
}
# Students' AGS activityProgress, in the order shown.
PROGRESS = {
    "Started": _("started"),
    "InProgress": _("in progress"),
    "Submitted": _("submitted"),
    "Completed": _("completed"),
}


def _error_groups(act: ActivitySync | None) -> list[dict[str, Any]]:
    """Per-student errors grouped by kind: what happened, what to do, who (and how many)."""
    if act is None:
        return []
    groups: dict[str, dict[str, Any]] = {}
    for kind, count in sorted((act.error_counts or {}).items()):
        what, todo = error_texts(kind)
        groups[kind] = {"kind": kind, "what": what, "todo": todo, "count": count, "students": []}
    for error in act.errors or []:
        kind = error.get("kind", "")
        if kind not in groups:  # syncs recorded before counts were kept
            what, todo = error_texts(kind)
            groups[kind] = {"kind": kind, "what": what, "todo": todo, "count": 0, "students": []}
            groups[kind]["count"] = sum(1 for e in act.errors if e.get("kind") == kind)
        groups[kind]["students"].append(error)
    return list(groups.values())


def _progress(act: ActivitySync | None) -> list[dict[str, Any]]:
    counts = (act.progress_counts or {}) if act else {}
    return [{"key": k, "label": str(v), "count": counts[k]} for k, v in PROGRESS.items() if counts.get(k)]


def _activity_row(link: Any, act: ActivitySync | None) -> dict[str, Any]:
    return {
        "link": link,
        "sync": act,
        "message": MESSAGES.get(act.message, act.message) if act else "",
        "error_groups": _error_groups(act),
        "progress": _progress(act),
    }


def _status(run: SyncRun | None) -> dict[str, Any]:
    progress = run_progress(run=run)
    activities = []
    errors: Counter[str] = Counter()
    now = timezone.now()
    pending = alive = 0
    if run is not None:
        for act in run.activities.select_related("link").order_by("pk"):
            live = act.is_over or heartbeat_is_fresh(act, now)
            pending += not act.is_over
            alive += not act.is_over and live
            errors.update(act.error_counts or {})
            activities.append(
                {
                    "title": str(act.link),
                    "status": act.status,
                    "status_text": str(act.get_status_display()),
                    "read": act.read,
                    "posted": act.posted,
                    "unchanged": act.unchanged,
                    "failed": act.failed,
                    "errors": dict(act.error_counts or {}),
                    "progress": dict(act.progress_counts or {}),
                    "heartbeat_age": round((now - act.heartbeat).total_seconds()) if act.heartbeat else None,
                    "live": live,
                    "message": str(MESSAGES.get(act.message, act.message)),
                }
            )
    return {
        "run": run.pk if run else None,
        "running": progress.running,
        # No sign of life from any activity left: "Sync now" takes the run over.
        "stalled": progress.running and pending > 0 and alive == 0,
        "percent": progress.percent,
        "total": progress.total,
        "done": progress.over,
        "finished": formats.date_format(run.finished, "DATETIME_FORMAT") if run and run.finished else None,
        "errors": dict(errors),
        "activities": activities,
    }


@teacher_view
@require_GET
def grades_page(request: HttpRequest) -> HttpResponse:
    teacher: TeacherContext = request.teacher  # type: ignore[attr-defined]
    course = teacher.course
    links = list(bound_links(course=course)) if course.is_linked else []
    latest = latest_activity_syncs(course=course)
    run = last_run(course=course)
    return render(
        request,
        "wims_lti/teacher/grades.html",
        {
            "t": teacher,
            "course": course,
            "page": "grades",
            "rows": [_activity_row(link, latest.get(link.pk)) for link in links],
            "run": run,
            "status": _status(run),
            "next_run": next_scheduled(course=course),
            "status_url": reverse("teacher-grades-status", args=[teacher.token]),
        },
    )


@teacher_view
@require_POST
def grades_sync_now(request: HttpRequest) -> HttpResponse:
    teacher: TeacherContext = request.teacher  # type: ignore[attr-defined]
    sync_run_start(course=teacher.course, trigger=SyncRun.Trigger.MANUAL, requested_by=teacher.user)
    return HttpResponseRedirect(reverse("teacher-grades", args=[teacher.token]))


@teacher_view
@require_GET
def grades_status(request: HttpRequest) -> HttpResponse:
    teacher: TeacherContext = request.teacher  # type: ignore[attr-defined]
    return JsonResponse(_status(last_run(course=teacher.course)))
