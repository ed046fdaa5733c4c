"""Error pages in the user's language with a correlation id the admin finds in the logs."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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
