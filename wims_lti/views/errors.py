"""Error pages in the user's language with a correlation id the admin finds in the logs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from wims_lti.correlation import current_correlation_id


def error_page(
    request: HttpRequest, *, status: int, title: str, message: str, advice: str = "", lang: str | None = None
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
