"""Per-registration configuration (staff only): what to paste into each LMS, field by field with the
LMS's own labels, a Canvas developer-key JSON, and what is still missing (the client id of a registration
waiting for it, an http or local PUBLIC_BASE_URL)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from wims_lti.models import Platform
from wims_lti.services.platforms import public_base_url, public_base_url_warnings, tool_urls

AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]
TOOL_TITLE = "WIMS"
TOOL_DESCRIPTION = "WIMS interactive exercises, sheets and exams, with grades sent back to the gradebook."


def _base_url(request: HttpRequest) -> str:
    """PUBLIC_BASE_URL when configured, else the address this page was opened at."""
    return public_base_url(request_base=request.build_absolute_uri("/"))


def platform_tool_urls(request: HttpRequest, platform: Platform) -> dict[str, str]:
    return tool_urls(platform=platform, base_url=_base_url(request))


def canvas_developer_key(request: HttpRequest, platform: Platform) -> dict[str, object]:
    urls = platform_tool_urls(request, platform)
    domain = urlsplit(_base_url(request)).hostname or request.get_host().split(":")[0]
    return {
        "title": TOOL_TITLE,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": urls["initiate_login_url"],
        "target_link_uri": urls["tool_url"],
        "public_jwk_url": urls["public_keyset_url"],
        "scopes": AGS_SCOPES,
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": domain,
                "privacy_level": "public",
                "settings": {
                    "placements": [
                        {
                            "placement": "link_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": urls["deep_linking_url"],
                        },
                        {
                            "placement": "assignment_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": urls["deep_linking_url"],
                        },
                        {
                            "placement": "course_navigation",
                            "message_type": "LtiResourceLinkRequest",
                            "target_link_uri": urls["tool_url"],
                            "default": "disabled",
                        },
                    ],
                },
            }
        ],
        "custom_fields": {},
    }


@staff_member_required
def platform_config(request: HttpRequest, platform_uuid: uuid.UUID) -> HttpResponse:
    platform = get_object_or_404(Platform, uuid=platform_uuid)
    base = _base_url(request)
    context = {
        "platform": platform,
        "urls": platform_tool_urls(request, platform),
        "base_url_warnings": public_base_url_warnings(base),
        "canvas_json_url": reverse("lti-platform-canvas-json", args=[platform.uuid]),
        "admin_url": reverse("admin:wims_lti_platform_change", args=[platform.pk]),
        "custom_parameters": "sheet=1",
        "missing_platform_urls": not (
            platform.auth_login_url and platform.auth_token_url and platform.keyset_url
        ),
        "deployments": list(platform.deployments.order_by("deployment_id")),
    }
    return render(request, "wims_lti/platform_config.html", context)


@staff_member_required
def platform_canvas_json(request: HttpRequest, platform_uuid: uuid.UUID) -> JsonResponse:
    platform = get_object_or_404(Platform, uuid=platform_uuid)
    return JsonResponse(canvas_developer_key(request, platform), json_dumps_params={"indent": 2})
