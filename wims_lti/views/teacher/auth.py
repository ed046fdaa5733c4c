"""Who may use the teacher pages: a short-lived signed token issued by an instructor's launch.

Inside an LMS iframe a cross-site session cookie is unreliable (third-party cookies are blocked), so
the launch issues a token signed with SECRET_KEY, bound to (platform, course, LMS user, resource link),
valid TEACHER_TOKEN_MAX_AGE seconds. It travels in the URL path and in forms: it is both the
authentication of these pages and their CSRF protection (a third-party site cannot know it). Every
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

from wims_lti.models import Course, LmsUser, ResourceLink
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


def issue_teacher_token(
    *,
    course: Course,
    user: LmsUser,
    link: ResourceLink | None,
    lang: str,
    roles: list[str] | tuple[str, ...],
    deep_linking: dict[str, Any] | None = None,
) -> str:
    payload: dict[str, Any] = {
        "p": course.platform_id,
        "c": course.pk,
        "u": user.pk,
        "l": link.pk if link else None,
        "lang": lang,
        "r": list(roles),
    }
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
    if (
        course is None
        or user is None
        or course.platform_id != data.get("p")
        or user.platform_id != data.get("p")
    ):
        raise InvalidTeacherToken("unknown course or user")
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
        roles=tuple(data.get("r") or ()),
        deep_linking=data.get("dl"),
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

    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            context = read_teacher_token(token)
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
