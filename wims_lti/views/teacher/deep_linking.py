"""Deep Linking 2.0: the picker of sheets and exams, and the signed response sent back to the LMS."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from wims_lti.lti.deep_linking import DeepLinkingRefused, LinkItem, deep_linking_response, return_url_allowed
from wims_lti.lti.views import launch_url
from wims_lti.services.activities import (
    SCORE_MAXIMUM,
    Activity,
    ClassActivities,
    activity_details,
    activity_resource_id,
    course_activities,
)
from wims_lti.views.errors import error_page, wims_error_page
from wims_lti.wims.errors import WimsError

from .auth import TeacherContext, content_selection_view

logger = logging.getLogger(__name__)


def _teacher(request: HttpRequest) -> TeacherContext:
    return request.teacher  # type: ignore[attr-defined,no-any-return]


def _selected(request: HttpRequest, activities: ClassActivities) -> list[Activity] | None:
    """The activities ticked in the form, each checked to be in this course's class (None: a forged id)."""
    chosen: list[Activity] = []
    for value in request.POST.getlist("item"):
        kind, _sep, number = value.partition("-")
        activity = activities.find(kind, int(number)) if number.isdigit() else None
        if activity is None:
            return None
        if activity not in chosen:
            chosen.append(activity)
    return chosen


def _item(request: HttpRequest, teacher: TeacherContext, activity: Activity) -> LinkItem:
    details = activity_details(course=teacher.course, activity=activity)
    kind_label = _("WIMS sheet") if activity.kind == "sheet" else _("WIMS exam")
    text = details.description or f"{kind_label} {activity.number}"
    return LinkItem(
        kind=activity.kind,
        number=activity.number,
        title=activity.title or f"{kind_label} {activity.number}",
        text=text,
        resource_id=activity_resource_id(course=teacher.course, kind=activity.kind, number=activity.number),
        score_maximum=SCORE_MAXIMUM,
    )


@content_selection_view
@require_http_methods(["GET", "POST"])
def picker(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    settings_ = teacher.deep_linking
    if not settings_:
        return error_page(
            request,
            status=400,
            title=_("This page answers a request of the LMS"),
            message=_('Choosing activities to add is only possible from the LMS\'s "add activity" dialog.'),
            advice=_("Add the WIMS tool from your course in the LMS again."),
        )
    if not teacher.course.is_linked:  # the linking step comes first, then back here
        return HttpResponseRedirect(reverse("teacher-course", args=[teacher.token]))
    try:
        activities = course_activities(course=teacher.course)
    except WimsError as exc:
        return wims_error_page(request, exc, action="listing activities to add")
    multiple = bool(settings_.get("multiple", True))
    error = ""
    if request.method == "POST":
        chosen = _selected(request, activities)
        if chosen is None:
            return error_page(
                request,
                status=404,
                title=_("No such activity in this course's class"),
                message=_("The WIMS class of this course has no sheet or exam with this number."),
                advice=_("Go back to the list of activities and choose one of them."),
            )
        if not chosen:
            error = _("Choose at least one activity.")
        elif len(chosen) > 1 and not multiple:
            error = _("This place of the LMS accepts one activity only.")
        else:
            return _respond(request, teacher, chosen)
    return render(
        request,
        "wims_lti/teacher/deep_linking.html",
        {
            "t": teacher,
            "course": teacher.course,
            "activities": activities,
            "multiple": multiple,
            "error": error,
        },
        status=400 if error else 200,
    )


def _respond(request: HttpRequest, teacher: TeacherContext, chosen: list[Activity]) -> HttpResponse:
    settings_ = teacher.deep_linking or {}
    try:
        items = [_item(request, teacher, activity) for activity in chosen]
    except WimsError as exc:
        return wims_error_page(request, exc, action="reading the chosen activities")
    platform = teacher.platform or teacher.course.platform  # the registration that asked
    if not return_url_allowed(str(settings_.get("return_url", "")), platform):  # never a javascript: action
        logger.warning("deep-linking return URL not on the platform's hosts: refused")
        return error_page(
            request,
            status=400,
            title=_("WIMS activities cannot be added here"),
            message=_("The LMS asked to send the chosen activities to an address that is not its own."),
            advice=_("Tell your administrator: the LMS's deep-linking return address is not accepted."),
        )
    msg = ngettext("%(count)d WIMS activity added.", "%(count)d WIMS activities added.", len(items)) % {
        "count": len(items)
    }
    try:
        jwt = deep_linking_response(
            platform=platform,
            settings=settings_,
            items=items,
            launch_url=launch_url(request, platform),
            msg=msg,
        )
    except DeepLinkingRefused as exc:
        logger.warning("deep-linking response refused: %s", exc)
        return error_page(
            request,
            status=400,
            title=_("This place of the LMS accepts one activity only"),
            message=_("Choose a single activity."),
        )
    logger.info(
        "deep linking: course %s, %d item(s) returned to the platform: %s",
        teacher.course.pk,
        len(items),
        ", ".join(f"{i.kind} {i.number}" for i in items),
    )
    return render(
        request,
        "wims_lti/teacher/deep_linking_return.html",
        {
            "t": teacher,
            "course": teacher.course,
            "return_url": settings_["return_url"],
            "jwt": jwt,
            "items": items,
        },
    )
