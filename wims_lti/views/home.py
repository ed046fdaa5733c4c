"""The site's front door: `/` (a page saying what this server is, 200 to GET and HEAD so monitoring can
probe it; in demo mode it leads to "Try it") and `/favicon.ico`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

FAVICON = "wims_lti/favicon.ico"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "wims_lti/home.html", {"demo_mode": settings.DEMO_MODE})


@require_safe
def favicon(request: HttpRequest) -> FileResponse:
    """Browsers ask for /favicon.ico on every page without a <link rel="icon"> (admin, JSON)."""
    path = finders.find(FAVICON)
    if not path or not isinstance(path, str):
        raise Http404
    response = FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115 (FileResponse closes it)
    response["Cache-Control"] = "public, max-age=86400"
    return response
