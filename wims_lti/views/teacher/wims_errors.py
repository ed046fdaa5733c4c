"""Teacher pages: what a WIMS failure looks like to the teacher."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from wims_lti.views.errors import error_page
from wims_lti.wims.errors import (
    WimsClassNotFound,
    WimsConnectionRefused,
    WimsError,
    WimsUnreachable,
)

logger = logging.getLogger(__name__)


def wims_error_page(request: HttpRequest, exc: WimsError, *, action: str) -> HttpResponse:
    """A 5xx page naming the cause; `action` is logged (e.g. "listing activities")."""
    logger.error("teacher page, %s: %s: %s", action, type(exc).__name__, exc)
    if isinstance(exc, WimsUnreachable):
        return error_page(
            request,
            status=503,
            title=_("WIMS cannot be reached right now"),
            message=_("The WIMS server did not answer in time."),
            advice=_("Try again in a few minutes. If it lasts, tell your administrator."),
        )
    if isinstance(exc, WimsClassNotFound):
        return error_page(
            request,
            status=502,
            title=_("The WIMS class of this course no longer exists"),
            message=_("WIMS says the class linked to this course does not exist any more."),
            advice=_("Open the WIMS settings of the course to recreate or restore it."),
        )
    if isinstance(exc, WimsConnectionRefused):
        return error_page(
            request,
            status=502,
            title=_("WIMS refused the connection to this class"),
            message=_("The WIMS class linked to this course does not accept connections from this tool."),
            advice=_("Open the WIMS settings of the course: they say what the WIMS administrator must add."),
        )
    return error_page(
        request,
        status=502,
        title=_("WIMS refused the request"),
        message=_("The WIMS server answered with an error."),
        advice=_("Try again. If it keeps failing, tell your administrator."),
    )
