"""LTI 1.1 launch URLs: a plain `/lti/launch11/` and the old WIMS gateway's shapes, so the links already
placed in LMS courses keep working after the move:

- `/lti/C<n>/`            the class of the course (`<n>`: the old gateway's WIMS server id);
- `/lti/C<n>/S<sheet>/`   ... opening (and binding the resource link to) that sheet;
- `/lti/C<n>/E<exam>/`    ... opening (and binding the resource link to) that exam.

`<n>` is resolved to the WimsServer the importer made for it: `WimsServer.name == "legacy-<n>"`
(`services.legacy_import.legacy_server_name`). The course itself is found, as for every launch, from the
platform (the consumer key) and the LMS context id; an unknown `<n>` is refused (404).

After validation, the launch takes the very code path of the LTI 1.3 launch (`views.enter_wims`).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from wims_lti.models import WimsServer
from wims_lti.services.grades.outcomes import lti11_launch_record
from wims_lti.services.legacy_import import legacy_server_name
from wims_lti.services.migration import migration_follow_course
from wims_lti.views.errors import error_page

from .claims import SUPPORTED_LANGS
from .lti11 import Lti11LaunchRefused, lti11_claims, lti11_outcome_of, lti11_verify_launch
from .migration import Lti11Identity
from .views import bad_launch_page, enter_wims, no_course_context_page

logger = logging.getLogger(__name__)


def _unverified_lang(request: HttpRequest) -> str | None:
    """The launch locale read before validation: only picks the language of an error page."""
    code = str(request.POST.get("launch_presentation_locale", "")).replace("_", "-").split("-")[0].lower()
    return code if code in SUPPORTED_LANGS else None


@sensitive_post_parameters("oauth_signature")
@never_cache
@csrf_exempt  # the LMS posts cross-site; the OAuth1 signature, timestamp and nonce protect the launch
@require_POST
def launch11(
    request: HttpRequest, server: int | None = None, kind: str = "", number: int | None = None
) -> HttpResponse:
    raw = request.body  # read before request.POST: a multipart body could not be read afterwards
    lang = _unverified_lang(request)
    try:
        body = raw.decode("utf-8")
        platform, params = lti11_verify_launch(
            uri=request.build_absolute_uri(), body=body, content_type=request.content_type or ""
        )
    except (Lti11LaunchRefused, UnicodeDecodeError) as exc:
        logger.warning("LTI 1.1 launch refused: %s", exc)
        return bad_launch_page(request, status=401, lang=lang)
    if server is not None and not WimsServer.objects.filter(name=legacy_server_name(server)).exists():
        logger.warning("LTI 1.1 launch to the unknown legacy WIMS server %s", server)
        return error_page(
            request,
            status=404,
            lang=lang,
            title=_("This WIMS link is not known here"),
            message=_("The link points to a WIMS server of the former LTI gateway that was not imported."),
            advice=_("Tell your administrator (import of the former gateway)."),
        )
    activity = (kind, number) if kind and number else None
    claims = lti11_claims(platform=platform, params=params, activity=activity)
    refused = no_course_context_page(request, claims)
    if refused is not None:
        return refused
    identity = Lti11Identity(
        consumer_key=platform.lti11_consumer_key,
        user_id=params.get("user_id", ""),
        context_id=claims.context_id,
    )
    platform, claims = migration_follow_course(platform=platform, claims=claims, identity=identity)
    response = enter_wims(request, platform, claims, {}, lti11=identity if identity.user_id else None)
    if response.status_code == 302:
        lti11_launch_record(platform=platform, claims=claims, target=lti11_outcome_of(params))
    return response


urlpatterns = [
    path("launch11/", launch11, name="lti11-launch"),
    path("C<int:server>/", launch11, name="lti11-legacy-class"),
    path("C<int:server>/S<int:number>/", launch11, {"kind": "sheet"}, name="lti11-legacy-sheet"),
    path("C<int:server>/E<int:number>/", launch11, {"kind": "exam"}, name="lti11-legacy-exam"),
]
