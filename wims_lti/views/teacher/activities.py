"""The class's sheets and exams, and binding the current LMS link to one of them."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from wims_lti.services.activities import (
    KINDS,
    UnknownActivity,
    activity_details,
    activity_get,
    course_activities,
    resource_link_bind,
    resource_link_unbind,
)
from wims_lti.views.errors import error_page, wims_error_page
from wims_lti.wims.errors import WimsError

from .auth import TeacherContext, teacher_view


def _teacher(request: HttpRequest) -> TeacherContext:
    return request.teacher  # type: ignore[attr-defined,no-any-return]


def _not_linked(request: HttpRequest) -> HttpResponse | None:
    teacher = _teacher(request)
    if teacher.course.is_linked:
        return None
    return HttpResponseRedirect(reverse("teacher-course", args=[teacher.token]))


def _unknown_activity(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        status=404,
        title=_("No such activity in this course's class"),
        message=_("The WIMS class of this course has no sheet or exam with this number."),
        advice=_("Go back to the list of activities and choose one of them."),
    )


@teacher_view
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    redirect = _not_linked(request)
    if redirect is not None:
        return redirect
    try:
        activities = course_activities(course=teacher.course)
    except WimsError as exc:
        return wims_error_page(request, exc, action="listing activities")
    link = teacher.link
    bound = activities.find(link.kind, link.number or 0) if link is not None and link.kind else None
    return render(
        request,
        "wims_lti/teacher/activities.html",
        {
            "t": teacher,
            "course": teacher.course,
            "link": link,
            "activities": activities,
            "bound": bound,
            "bound_missing": link is not None and bool(link.kind) and bound is None,
            "just_bound": request.GET.get("bound") == "1",
            "page": "activities",
        },
    )


@teacher_view
@require_GET
def activity_detail(request: HttpRequest, kind: str, number: int) -> HttpResponse:
    teacher = _teacher(request)
    redirect = _not_linked(request)
    if redirect is not None:
        return redirect
    if kind not in KINDS:
        raise Http404
    try:
        activity = activity_get(course=teacher.course, kind=kind, number=number)
        details = activity_details(course=teacher.course, activity=activity)
    except UnknownActivity:
        return _unknown_activity(request)
    except WimsError as exc:
        return wims_error_page(request, exc, action="showing an activity")
    return render(
        request,
        "wims_lti/teacher/activity.html",
        {
            "t": teacher,
            "course": teacher.course,
            "link": teacher.link,
            "details": details,
            "page": "activities",
        },
    )


def _no_link(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        status=400,
        title=_("This page was not opened from a link of the course"),
        message=_("Only a link placed in the course can be bound to a sheet or an exam."),
        advice=_("Open the WIMS link you want to set up from the course, then choose its activity."),
    )


@teacher_view
@require_POST
def bind(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    redirect = _not_linked(request)
    if redirect is not None:
        return redirect
    if teacher.link is None:
        return _no_link(request)
    kind, number = request.POST.get("kind", ""), request.POST.get("number", "")
    if kind not in KINDS or not number.isdigit():
        return _unknown_activity(request)
    try:
        resource_link_bind(course=teacher.course, link=teacher.link, kind=kind, number=int(number))
    except UnknownActivity:
        return _unknown_activity(request)
    except WimsError as exc:
        return wims_error_page(request, exc, action="binding an activity")
    return HttpResponseRedirect(reverse("teacher-activities", args=[teacher.token]) + "?bound=1")


@teacher_view
@require_POST
def unbind(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    if teacher.link is None:
        return _no_link(request)
    resource_link_unbind(course=teacher.course, link=teacher.link)
    return HttpResponseRedirect(reverse("teacher-activities", args=[teacher.token]))
