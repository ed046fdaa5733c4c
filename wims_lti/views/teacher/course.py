"""The linking page ("WIMS settings"): create a WIMS class, link an existing one, unlink, and repair a
class that vanished from WIMS (recreate it or restore a WIMS backup)."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wims_lti.models import WimsServer
from wims_lti.services.courses import class_options_default, course_create_class
from wims_lti.services.linking import (
    ClassAlreadyLinked,
    ClassNotYours,
    ClassState,
    LinkingError,
    connection_line,
    course_class_backups,
    course_class_status,
    course_link_existing,
    course_recreate_class,
    course_restore_class,
    course_unlink,
)
from wims_lti.services.locks import LockTimeout
from wims_lti.views.errors import wims_error_page
from wims_lti.wims.errors import (
    WimsError,
    WimsValidationError,
)

from .auth import TeacherContext, content_selection_view, teacher_view
from .forms import CreateClassForm, LinkClassForm

logger = logging.getLogger(__name__)


def _teacher(request: HttpRequest) -> TeacherContext:
    return request.teacher  # type: ignore[attr-defined,no-any-return]


def _next_page(teacher: TeacherContext) -> HttpResponseRedirect:
    """After linking: the deep-linking picker when the teacher came to add activities, else the dashboard."""
    name = "teacher-deep-linking" if teacher.deep_linking else "teacher-dashboard"
    return HttpResponseRedirect(reverse(name, args=[teacher.token]))


def _course_url(teacher: TeacherContext) -> str:
    return reverse("teacher-course", args=[teacher.token])


def _render(
    request: HttpRequest,
    *,
    create_form: CreateClassForm | None = None,
    link_form: LinkClassForm | None = None,
    status: int = 200,
    problem: dict[str, Any] | None = None,
) -> HttpResponse:
    teacher = _teacher(request)
    course = teacher.course
    context: dict[str, Any] = {"t": teacher, "course": course, "problem": problem, "page": "course"}
    if course.is_linked:
        class_status = course_class_status(course=course)
        context["class_status"] = class_status
        context["states"] = {state.name: state for state in ClassState}
        if class_status.state is ClassState.VANISHED:
            try:
                context["backup_years"] = course_class_backups(course=course)
            except WimsError as exc:
                logger.warning("listclassbackups for course %s: %s", course.pk, exc)
                context["backup_years"] = ()
            context["create_form"] = create_form or CreateClassForm.initial_from(
                class_options_default(course=course, lang=teacher.lang)
            )
        if class_status.state is ClassState.REFUSED:
            assert course.wims_server is not None
            context["connection_line"] = connection_line(server=course.wims_server)
    else:
        context["create_form"] = create_form or CreateClassForm.initial_from(
            class_options_default(course=course, lang=teacher.lang)
        )
        platform = teacher.platform or course.platform
        servers = platform.allowed_wims_servers()
        context["link_form"] = link_form or LinkClassForm(
            initial={"server": platform.default_wims_server.name}, servers=servers
        )
        context["several_servers"] = servers.count() > 1
    return render(request, "wims_lti/teacher/course.html", context, status=status)


@content_selection_view
@require_GET
def course_page(request: HttpRequest) -> HttpResponse:
    return _render(request)


def _creation_failed(request: HttpRequest, form: CreateClassForm, exc: Exception) -> HttpResponse:
    if isinstance(exc, WimsValidationError):  # a value from the LMS profile (name, email) broke a rule
        logger.warning("addclass refused before sending: %s", exc)
        form.add_error(None, _("WIMS would refuse these values (%(detail)s).") % {"detail": exc.message})
        return _render(request, create_form=form, status=400)
    if isinstance(exc, LockTimeout):
        form.add_error(None, _("Another teacher is creating the class right now. Try again in a minute."))
        return _render(request, create_form=form, status=409)
    assert isinstance(exc, WimsError)
    return wims_error_page(request, exc, action="creating the class")


@content_selection_view
@require_POST
def course_create(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    if teacher.course.is_linked:  # a second submission, or another teacher was quicker
        return _next_page(teacher)
    form = CreateClassForm(request.POST)
    if not form.is_valid():
        return _render(request, create_form=form, status=400)
    try:
        course_create_class(course=teacher.course, user=teacher.user, options=form.options())
    except (WimsError, LockTimeout) as exc:
        return _creation_failed(request, form, exc)
    return _next_page(teacher)


@content_selection_view
@require_POST
def course_link(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    if teacher.course.is_linked:
        return HttpResponseRedirect(_course_url(teacher))
    platform = teacher.platform or teacher.course.platform
    form = LinkClassForm(request.POST, servers=platform.allowed_wims_servers())
    if not form.is_valid():  # a server this platform may not use is not a choice
        return _render(request, link_form=form, status=400)
    server: WimsServer = form.cleaned_data["server"]
    qclass: str = form.cleaned_data["qclass"]
    try:
        course_link_existing(
            course=teacher.course,
            server=server,
            qclass=qclass,
            supervisor_password=form.cleaned_data["supervisor_password"],
            platform=platform,
        )
    except ClassAlreadyLinked:
        form.add_error("qclass", _("This WIMS class is already linked to another course."))
        return _render(request, link_form=form, status=409)
    except ClassNotYours:
        # The same answer whether the class does not exist, does not accept this tool, or the password
        # is wrong: no oracle of other people's classes.
        form.add_error(
            None,
            _(
                "No class with this number and this supervisor password accepts this tool on this server. "
                "Check the number and the password."
            ),
        )
        problem = {"code": "not_yours", "server": server, "connection_line": connection_line(server=server)}
        return _render(request, link_form=form, status=403, problem=problem)
    except LinkingError:
        return HttpResponseRedirect(_course_url(teacher))
    except LockTimeout:
        form.add_error(None, _("The course is being linked right now. Try again in a minute."))
        return _render(request, link_form=form, status=409)
    except WimsError as exc:
        return wims_error_page(request, exc, action="linking an existing class")
    return _next_page(teacher)


@teacher_view
@require_http_methods(["GET", "POST"])
def course_unlink_view(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    course = teacher.course
    if not course.is_linked:
        return HttpResponseRedirect(_course_url(teacher))
    if request.method == "POST" and request.POST.get("confirm") == "unlink":
        course_unlink(course=course)
        return HttpResponseRedirect(_course_url(teacher))
    bound_links = course.resource_links.exclude(kind="").count()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "wims_lti/teacher/course_unlink.html",
        {
            "t": teacher,
            "course": course,
            "bound_links": bound_links,
            "not_confirmed": status == 400,
            "page": "course",
        },
        status=status,
    )


@teacher_view
@require_POST
def course_recreate(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    form = CreateClassForm(request.POST)
    if not form.is_valid():
        return _render(request, create_form=form, status=400)
    try:
        course_recreate_class(course=teacher.course, user=teacher.user, options=form.options())
    except LinkingError:  # the class is there after all (or the course is not linked): show the state
        return HttpResponseRedirect(_course_url(teacher))
    except (WimsError, LockTimeout) as exc:
        return _creation_failed(request, form, exc)
    return _next_page(teacher)


@teacher_view
@require_POST
def course_restore(request: HttpRequest) -> HttpResponse:
    teacher = _teacher(request)
    year_text = request.POST.get("year", "")
    if not year_text.isdigit():
        return _render(request, status=400, problem={"code": "bad_year"})
    try:
        course_restore_class(course=teacher.course, year=int(year_text))
    except LinkingError as exc:
        if exc.code == "no_backup":
            return _render(request, status=400, problem={"code": "bad_year"})
        return HttpResponseRedirect(_course_url(teacher))
    except WimsError as exc:
        return wims_error_page(request, exc, action="restoring a backup")
    return HttpResponseRedirect(_course_url(teacher) + "?restored=1")
