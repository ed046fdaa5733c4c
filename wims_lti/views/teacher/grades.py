"""Grades page: per activity the last sync, the next scheduled one, counts and errors; "Sync now"."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from wims_lti.models import ActivitySync, SyncRun
from wims_lti.services.grades import run_progress, sync_run_start
from wims_lti.services.grades.runs import bound_links, last_run, latest_activity_syncs, next_scheduled

from .auth import TeacherContext, teacher_view

# Plain words for what happened to an activity (ActivitySync.message).
MESSAGES = {
    "": "",
    "not_active": _("The sheet or exam is not active in WIMS yet: no score to send."),
    "no_students": _("The WIMS class has no students yet."),
    "no_scores": _("No student has worked on it yet: nothing to send."),
    "not_bound": _("This link is not bound to a sheet or an exam."),
    "wims_unreachable": _("WIMS could not be reached. The sync will be tried again."),
    "wims_error": _("WIMS answered with an error."),
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
    "lineitem_line_item_refused": _(
        "The LMS refuses grades for this column (unpublished assignment or closed course)."
    ),
    "lineitem_unauthorized": _("The LMS refused the tool's access to this column."),
    "interrupted": _("The sync took too long and was interrupted. It will be tried again."),
    "redis_unreachable": _("An internal service was unavailable. The sync will be tried again."),
    "busy": _("Another sync of this activity was running."),
}
# Plain words for per-student errors (ActivitySync.errors[].kind).
USER_ERRORS = {
    "not_gradable": _("not a student of the course in the LMS"),
    "superseded": _("grade changed in the LMS since: kept the LMS's grade"),
    "attempts": _("no submission attempts left in the LMS"),
    "score_refused": _("score refused by the LMS"),
    "other": _("refused by the LMS"),
}


def _activity_row(link: Any, act: ActivitySync | None) -> dict[str, Any]:
    return {
        "link": link,
        "sync": act,
        "message": MESSAGES.get(act.message, act.message) if act else "",
        "errors": [
            {**e, "kind_text": USER_ERRORS.get(e.get("kind", ""), e.get("kind", ""))}
            for e in (act.errors if act else [])
        ],
    }


def _status(run: SyncRun | None) -> dict[str, Any]:
    progress = run_progress(run=run)
    activities = []
    if run is not None:
        for act in run.activities.select_related("link").order_by("pk"):
            activities.append(
                {
                    "title": str(act.link),
                    "status": act.status,
                    "status_text": str(act.get_status_display()),
                    "read": act.read,
                    "posted": act.posted,
                    "unchanged": act.unchanged,
                    "failed": act.failed,
                    "message": str(MESSAGES.get(act.message, act.message)),
                }
            )
    return {
        "run": run.pk if run else None,
        "running": progress.running,
        "percent": progress.percent,
        "total": progress.total,
        "done": progress.over,
        "finished": formats.date_format(run.finished, "DATETIME_FORMAT") if run and run.finished else None,
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
