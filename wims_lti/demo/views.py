"""`/demo/`: the "Try it" page, its buttons, and the demo gradebook (DEMO_MODE only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from wims_lti.models import ResourceLink
from wims_lti.services.wims_connection import wims_connection_advice
from wims_lti.wims.errors import WimsError

from .runtime import (
    ACTIVITY_TITLE,
    COURSE_TITLE,
    SHEET_TITLE,
    DemoWorld,
    RealWims,
    demo_world,
    demo_world_use,
)
from .services import (
    DemoError,
    demo_gradebook,
    demo_sheet_add,
    demo_student_works,
    demo_sync,
    demo_wims_check,
)

NAMES = {"course": COURSE_TITLE, "activity": ACTIVITY_TITLE, "sheet": SHEET_TITLE}
ERRORS = {
    "not_linked": gettext_lazy("First open the course as the teacher and create its WIMS class."),
    "not_bound": gettext_lazy(
        "First add the sheet “%(sheet)s”, then, as the teacher, choose it for the activity “%(activity)s” "
        "(page “Sheets and exams”)."
    ),
    "real_wims_work": gettext_lazy(
        "With a real WIMS, the student answers in WIMS: open the activity as the student and work there."
    ),
    "student_never_launched": gettext_lazy(
        "First open the activity as the student (that creates their WIMS account)."
    ),
}
# The locale the demo LMS puts in its launches, per language of the demo page: the teacher pages and
# the error pages follow it, as they follow a real LMS user's language.
LMS_LOCALES = {"en": "en-US", "fr": "fr-FR"}


class RealWimsForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("adm/raw URL"), max_length=500, assume_scheme="https")
    ident = forms.RegexField(label=gettext_lazy("ident"), regex=r"^[A-Za-z0-9_.-]+$", max_length=64)
    passwd = forms.RegexField(
        label=gettext_lazy("password"),
        regex=r"^[A-Za-z0-9]+$",
        max_length=64,
        widget=forms.PasswordInput,  # never sent back in a page: typed again after an error
        error_messages={"invalid": gettext_lazy("Letters and digits only (WIMS drops any other character).")},
    )


def _tool_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _world(request: HttpRequest) -> DemoWorld:
    if not settings.DEMO_MODE:
        raise Http404
    return demo_world(tool_url=_tool_url(request))


def _steps(world: DemoWorld) -> dict[str, Any]:
    course = world.db_course()
    linked = bool(course and course.is_linked)
    link = (
        ResourceLink.objects.filter(course=course, resource_link_id=str(world.link.id)).first()
        if course
        else None
    )
    return {
        "linked": linked,
        "bound": bool(link and link.kind == ResourceLink.Kind.SHEET and link.number),
        "bound_number": link.number if link else None,
        "student": world.student_account() is not None,
    }


def _page(
    request: HttpRequest, world: DemoWorld, *, wims_form: RealWimsForm | None = None, status: int = 200
) -> HttpResponse:
    course = world.db_course()
    return render(
        request,
        "wims_lti/demo/index.html",
        {
            "world": world,
            "course": course,
            "steps": _steps(world),
            "rows": demo_gradebook(world=world),
            "wims_form": wims_form or RealWimsForm(),
            "names": NAMES,
            "languages": settings.LANGUAGES,
        },
        status=status,
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, _world(request))


@require_POST
def use_wims(request: HttpRequest) -> HttpResponse:
    """Restart the demo on a real WIMS (the form) or, with `emulator`, on a fresh emulator. A refused
    connection shows the page again with the form filled in (but the password) and what to fix."""
    world = _world(request)  # 404 without DEMO_MODE
    if "emulator" in request.POST:
        demo_world_use(tool_url=_tool_url(request), real=None)
        messages.success(request, _("The demo starts again on the built-in WIMS emulator."))
        return redirect("demo-index")
    form = RealWimsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the adm/raw URL, ident and password of the WIMS server."))
        return _page(request, world, wims_form=form, status=400)
    data = form.cleaned_data
    try:
        demo_wims_check(url=data["url"], ident=data["ident"], passwd=data["passwd"])
    except WimsError as exc:
        advice = wims_connection_advice(error=exc, url=data["url"], ident=data["ident"])
        form.add_error(None, advice.text)
        messages.error(request, _("WIMS refused the connection: the demo still runs on the previous WIMS."))
        return _page(request, world, wims_form=form, status=400)
    demo_world_use(tool_url=_tool_url(request), real=RealWims(data["url"], data["ident"], data["passwd"]))
    messages.success(request, _("The demo starts again on the WIMS server %(url)s.") % {"url": data["url"]})
    return redirect("demo-index")


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language of the demo page and of its LMS (the locale of the launches)."""
    _world(request)  # 404 without DEMO_MODE
    code = request.POST.get("language", "")
    response = redirect("demo-index")
    if code in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, code, samesite="Lax", max_age=365 * 24 * 3600)
    return response


@require_POST
def launch(request: HttpRequest, role: str) -> HttpResponse:
    world = _world(request)
    users = {"teacher": world.teacher, "student": world.student}
    if role not in users:
        raise Http404
    lang = translation.get_language() or settings.LANGUAGE_CODE
    if world.emulator is not None:
        # The emulator runs no exercise: its exercise page says how the demo scores one instead.
        world.emulator.emulator.exercise_note = _(
            "This is the WIMS emulator of the demo: it shows the sheet but runs no exercise. To play the "
            "student answering, go back to “Try it” and press “The student works”: that records 80% of "
            "the sheet's points in WIMS, as if the student had answered."
        )
        world.emulator.emulator.exercise_link = (
            request.build_absolute_uri(reverse("demo-index")),
            _("Back to “Try it”"),
        )
    initiation = world.platform.start_launch(
        users[role], world.course, world.link, locale=LMS_LOCALES.get(lang[:2], lang)
    )
    return HttpResponseRedirect(world.platform.course_page_url(initiation, str(world.link.title)))


def _act(request: HttpRequest, action: str) -> HttpResponse:
    world = _world(request)
    try:
        if action == "sheet":
            sheet = demo_sheet_add(world=world)
            messages.success(
                request,
                _("Sheet “%(title)s” (no. %(number)d) added to the WIMS class.")
                % {"title": sheet.title, "number": sheet.number},
            )
        elif action == "work":
            demo_student_works(world=world, percent=80)
            messages.success(request, _("The student worked: 80% of the sheet's points in WIMS."))
        else:
            result = demo_sync(world=world)
            if result.retry:
                messages.warning(
                    request,
                    _("The sync will have to be tried again: %(codes)s") % {"codes": ", ".join(result.retry)},
                )
            else:
                messages.success(request, _("Sync done: see the gradebook below."))
    except DemoError as exc:
        messages.error(request, ERRORS[exc.code] % NAMES)
    except WimsError as exc:
        messages.error(request, _("WIMS answered with an error: %(error)s") % {"error": exc.message})
    return redirect("demo-index")


@require_POST
def add_sheet(request: HttpRequest) -> HttpResponse:
    return _act(request, "sheet")


@require_POST
def student_works(request: HttpRequest) -> HttpResponse:
    return _act(request, "work")


@require_POST
def sync_now(request: HttpRequest) -> HttpResponse:
    return _act(request, "sync")


@require_GET
def gradebook(request: HttpRequest) -> HttpResponse:
    world = _world(request)
    return render(
        request, "wims_lti/demo/gradebook.html", {"world": world, "rows": demo_gradebook(world=world)}
    )
