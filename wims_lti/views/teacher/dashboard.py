"""The instructor's landing page after a launch, and entering WIMS as the class supervisor."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from wims_lti.services.launch import supervisor_enter_wims
from wims_lti.views.client_ip import client_ip
from wims_lti.views.errors import wims_error_page
from wims_lti.wims.errors import WimsError

from .auth import TeacherContext, teacher_view

logger = logging.getLogger(__name__)


@teacher_view
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    teacher: TeacherContext = request.teacher  # type: ignore[attr-defined]
    return render(
        request,
        "wims_lti/teacher/dashboard.html",
        {"t": teacher, "course": teacher.course, "link": teacher.link, "page": "dashboard"},
    )


@teacher_view
@require_POST
def open_wims(request: HttpRequest) -> HttpResponse:
    teacher: TeacherContext = request.teacher  # type: ignore[attr-defined]
    if not teacher.course.is_linked:
        return HttpResponseRedirect(f"/teacher/{teacher.token}/")
    try:
        url = supervisor_enter_wims(
            course=teacher.course,
            user=teacher.user,
            link=teacher.link,
            roles=list(teacher.roles),
            client_ip=client_ip(request),
        )
    except WimsError as exc:
        return wims_error_page(request, exc, action="supervisor entry")
    return HttpResponseRedirect(url)
