"""Who may use the teacher pages: a short-lived signed token issued by an instructor's launch.

Inside an LMS iframe a cross-site session cookie is unreliable (third-party cookies are blocked), so
the launch issues a token signed with SECRET_KEY, bound to (registration, course, LMS user, resource link)
and to the launch's roles, valid TEACHER_TOKEN_MAX_AGE seconds. It dies early when the same person's
latest launch in the course had no staff role (`CourseRole.generation`), or when its roles no longer count
as staff under the registration's settings. A token from a deep-linking request by an institution or
system role (no course role) only opens the pages that choosing activities needs. It travels in the URL
path and in forms: it is both the authentication of these pages and their CSRF protection (a third-party
site cannot know it). Every
object a teacher page touches is derived from the token, never from an id in the request, so one
course's teacher can never reach another course. Students never get a token.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from wims_lti.lti.roles import is_course_staff, may_select_content
from wims_lti.models import Course, LmsUser, Platform, ResourceLink
from wims_lti.services.roles import course_role_current, course_role_record
from wims_lti.views.errors import error_page

logger = logging.getLogger(__name__)

SALT = "wims-lti.teacher-token.v1"


@dataclass(frozen=True)
class TeacherContext:
    course: Course
    user: LmsUser
    link: ResourceLink | None
    lang: str
    token: str
    roles: tuple[str, ...] = ()
    # Deep-linking launches carry the platform's return URL and settings (None for normal launches).
    deep_linking: dict[str, Any] | None = None
    platform: Platform | None = None  # the registration that launched (signs the deep-linking answer)
    content_selection_only: bool = False  # institution/system role in a deep-linking request


def issue_teacher_token(
    *,
    course: Course,
    user: LmsUser,
    link: ResourceLink | None,
    lang: str,
    roles: list[str] | tuple[str, ...],
    deep_linking: dict[str, Any] | None = None,
    platform: Platform | None = None,
    content_selection_only: bool = False,
) -> str:
    """A token for the teacher pages of `course`; records that `user` is staff there now."""
    platform = platform or course.platform
    generation = course_role_record(course=course, user=user, roles=list(roles), is_staff=True)
    payload: dict[str, Any] = {
        "p": platform.pk,
        "c": course.pk,
        "u": user.pk,
        "l": link.pk if link else None,
        "lang": lang,
        "r": list(roles),
        "g": generation,
    }
    if content_selection_only:
        payload["cs"] = True
    if deep_linking is not None:
        payload["dl"] = deep_linking
    return signing.dumps(payload, salt=SALT, compress=True)


class InvalidTeacherToken(Exception):
    pass


def read_teacher_token(token: str) -> TeacherContext:
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.TEACHER_TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise InvalidTeacherToken("expired") from exc
    except signing.BadSignature as exc:
        raise InvalidTeacherToken("bad signature") from exc
    course = Course.objects.select_related("platform", "wims_server").filter(pk=data.get("c")).first()
    user = LmsUser.objects.filter(pk=data.get("u")).first()
    platform = Platform.objects.filter(pk=data.get("p"), is_active=True).first()
    if (
        course is None
        or user is None
        or platform is None
        or course.tenant_id != platform.tenant_id
        or user.tenant_id != platform.tenant_id
    ):
        raise InvalidTeacherToken("unknown course, user or registration")
    roles = tuple(str(r) for r in data.get("r") or ())
    selection_only = bool(data.get("cs"))
    subroles = platform.subroles_are_staff
    if not (
        is_course_staff(roles, subroles=subroles)
        or (selection_only and may_select_content(roles, subroles=subroles))
    ):
        raise InvalidTeacherToken("the token's roles are not (or no longer) staff roles")
    current = course_role_current(course=course, user=user)
    if current is None or not current.is_staff or current.generation != data.get("g"):
        raise InvalidTeacherToken("revoked: the user's latest launch in the course has no staff role")
    link = None
    if data.get("l") is not None:
        link = ResourceLink.objects.filter(pk=data["l"], course=course).first()
        if link is None:
            raise InvalidTeacherToken("unknown resource link")
    return TeacherContext(
        course=course,
        user=user,
        link=link,
        lang=data.get("lang") or "en",
        token=token,
        roles=roles,
        deep_linking=data.get("dl"),
        platform=platform,
        content_selection_only=selection_only,
    )


def forbidden(request: HttpRequest, lang: str | None = None) -> HttpResponse:
    return error_page(
        request,
        status=403,
        lang=lang,
        title=_("This page is for the course's teachers"),
        message=_("Your link to this page is missing, expired or not valid for this course."),
        advice=_("Open the WIMS link again from your course in the LMS."),
    )


def teacher_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator: the view gets `request.teacher` (a TeacherContext) or the request gets a 403."""
    return _teacher_view(view, content_selection=False)


def content_selection_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """As `teacher_view`, also open to a deep-linking token of an institution or system role (choosing
    activities, and linking the course first)."""
    return _teacher_view(view, content_selection=True)


def _teacher_view(
    view: Callable[..., HttpResponse], *, content_selection: bool
) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            context = read_teacher_token(token)
            if context.content_selection_only and not content_selection:
                raise InvalidTeacherToken("a content-selection token on another teacher page")
        except InvalidTeacherToken as exc:
            logger.warning("teacher page refused: %s", exc)
            return forbidden(request)
        request.teacher = context  # type: ignore[attr-defined]
        with translation.override(context.lang):
            response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
        response["Cache-Control"] = "no-store"
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # the signed token is the CSRF protection
    return wrapper
