"""Per-registration configuration: what to paste into Moodle, and a Canvas developer-key JSON."""

from __future__ import annotations

import uuid

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from wims_lti.models import Platform
from wims_lti.services.platforms import tool_urls

AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]
TOOL_TITLE = "WIMS"
TOOL_DESCRIPTION = "WIMS interactive exercises, sheets and exams, with grades sent back to the gradebook."


def platform_tool_urls(request: HttpRequest, platform: Platform) -> dict[str, str]:
    return tool_urls(platform=platform, base_url=request.build_absolute_uri("/"))


def canvas_developer_key(request: HttpRequest, platform: Platform) -> dict[str, object]:
    urls = platform_tool_urls(request, platform)
    domain = request.get_host().split(":")[0]
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
    context = {
        "platform": platform,
        "urls": platform_tool_urls(request, platform),
        "canvas_json_url": reverse("lti-platform-canvas-json", args=[platform.uuid]),
        "custom_parameters": "sheet=1",
    }
    return render(request, "wims_lti/platform_config.html", context)


@staff_member_required
def platform_canvas_json(request: HttpRequest, platform_uuid: uuid.UUID) -> JsonResponse:
    platform = get_object_or_404(Platform, uuid=platform_uuid)
    return JsonResponse(canvas_developer_key(request, platform), json_dumps_params={"indent": 2})
