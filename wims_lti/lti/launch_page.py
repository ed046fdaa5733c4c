"""The launch URL (redirect URI) opened in a browser: LMSs POST the signed launch there, but a bookmark,
a pasted link or a browser's "reopen tab" GETs it. They get a page saying where to go (in the browser's
language), not a blank 405."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from wims_lti.views.errors import error_page

from . import views


@never_cache
@csrf_exempt  # POST: the platform's cross-site launch (views.launch); GET/HEAD change nothing
@require_http_methods(["GET", "HEAD", "POST"])
def launch_endpoint(request: HttpRequest, platform_uuid: uuid.UUID | None = None) -> HttpResponse:
    if request.method == "POST":
        return views.launch(request, platform_uuid=platform_uuid)
    response = error_page(
        request,
        status=405,
        title=_("Open WIMS from your course"),
        message=_(
            "This address receives the launches of your learning platform (Moodle, Canvas…): it works "
            "only when you click the WIMS activity in your course, which sends you here with a signed "
            "launch."
        ),
        advice=_("Go back to your course in the LMS and click the WIMS activity there."),
    )
    response["Allow"] = "POST"
    return response
