"""The LTI Dynamic Registration endpoint (opened by the platform in a window or iframe)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wims_lti.views.errors import error_page

from .dynamic_registration import RegistrationError, invitation_read, platform_register_dynamically

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def register(request: HttpRequest, token: str) -> HttpResponse:
    openid_configuration = request.GET.get("openid_configuration", "")
    if not openid_configuration:
        return error_page(
            request,
            status=400,
            title=_("Open this link from your LMS"),
            message=_(
                "This is an LTI Dynamic Registration link: paste it into your LMS's tool registration page."
            ),
            advice=_(
                "Moodle: Site administration > Plugins > External tool > Manage tools > Tool URL. "
                "Canvas: Admin > Developer Keys > LTI Registration."
            ),
        )
    try:
        invitation = invitation_read(token)
        platform = platform_register_dynamically(
            invitation=invitation,
            openid_configuration=openid_configuration,
            registration_token=request.GET.get("registration_token", ""),
            base_url=request.build_absolute_uri("/"),
        )
    except RegistrationError as exc:
        logger.warning("dynamic registration refused: %s", exc)
        return error_page(
            request,
            status=400,
            title=_("The tool could not be registered"),
            message=str(exc),
            advice=_("Ask the WIMS tool administrator for a new registration link."),
        )
    logger.info(
        "dynamic registration: platform %s (%s, %s)", platform.pk, platform.issuer, platform.client_id
    )
    return render(request, "wims_lti/registration_done.html", {"platform": platform})
