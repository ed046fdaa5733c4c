"""Error pages in the user's language with a correlation id the admin finds in the logs."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from wims_lti.correlation import current_correlation_id
from wims_lti.wims.errors import WimsClassNotFound, WimsConnectionRefused, WimsError, WimsUnreachable

logger = logging.getLogger(__name__)

Text = str | Promise  # plain or lazily translated text


def error_page(
    request: HttpRequest,
    *,
    status: int,
    title: Text,
    message: Text,
    advice: Text = "",
    lang: str | None = None,
) -> HttpResponse:
    """`title`, `message` and `advice` are lazily translated strings, rendered in `lang` if given."""
    with translation.override(lang) if lang else translation.override(translation.get_language()):
        context = {
            "title": str(title),
            "message": str(message),
            "advice": str(advice),
            "correlation_id": current_correlation_id(),
        }
        return render(request, "wims_lti/error.html", context, status=status)


def wims_error_page(
    request: HttpRequest, exc: WimsError, *, action: str, lang: str | None = None, for_teacher: bool = True
) -> HttpResponse:
    """What a WIMS failure looks like to the user: the cause in plain words and what to do; the
    technical detail goes to the log (with the correlation id shown on the page)."""
    logger.error("%s: %s: %s", action, type(exc).__name__, exc)
    if isinstance(exc, WimsUnreachable):
        return error_page(
            request,
            status=503,
            lang=lang,
            title=_("WIMS cannot be reached right now"),
            message=_("The WIMS server did not answer in time."),
            advice=_("Try again in a few minutes. If it lasts, tell your administrator."),
        )
    if isinstance(exc, WimsClassNotFound):
        return error_page(
            request,
            status=502,
            lang=lang,
            title=_("The WIMS class of this course no longer exists"),
            message=_("WIMS says the class linked to this course does not exist any more."),
            advice=(
                _("Open the WIMS settings of the course to recreate or restore it.")
                if for_teacher
                else _("Tell your teacher: the course must be linked to a WIMS class again.")
            ),
        )
    if isinstance(exc, WimsConnectionRefused):
        return error_page(
            request,
            status=502,
            lang=lang,
            title=_("WIMS refused the connection to this class"),
            message=_("The WIMS class linked to this course does not accept connections from this tool."),
            advice=(
                _("Open the WIMS settings of the course: they say what the WIMS administrator must add.")
                if for_teacher
                else _("Tell your administrator (class_connections of the WIMS class).")
            ),
        )
    return error_page(
        request,
        status=502,
        lang=lang,
        title=_("WIMS refused the request"),
        message=_("The WIMS server answered with an error."),
        advice=_("Click the link again. If it keeps failing, tell your administrator."),
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: a request Django refused to read (over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields,
    a bad multipart body): the usual page, or the API's JSON error."""
    if _wants_json(request):
        return JsonResponse({"status": "error", "message": "the request could not be read"}, status=400)
    return error_page(
        request,
        status=400,
        title=_("This request could not be read"),
        message=_("What your browser sent is too large or malformed."),
        advice=_(
            "Go back to your course and click the link again. If it keeps failing, tell your administrator."
        ),
    )


@sensitive_variables()
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a page with the correlation id and nothing else (no trace, no setting, no secret).
    Rendering it must not fail in turn (a broken database or cache is often why we are here)."""
    cid = current_correlation_id()
    if _wants_json(request):
        return JsonResponse(
            {"status": "error", "message": "internal server error", "correlation_id": cid}, status=500
        )
    try:
        return error_page(
            request,
            status=500,
            title=_("Something went wrong"),
            message=_("The WIMS tool could not complete your request."),
            advice=_("Try again in a few minutes. If it keeps failing, tell your administrator."),
        )
    except Exception:  # the page itself failed: the bare minimum, still with the correlation id
        logger.exception("the error page could not be rendered")
        return HttpResponseServerError(
            f"<!doctype html><title>Server error</title><h1>Server error</h1><p>Reference: {cid}</p>",
            content_type="text/html; charset=utf-8",
        )
