"""LTI 1.3 endpoints: OIDC login initiation, launch (redirect URI), the tool's JWKS.

Login and launch exist in two forms: under the registration's public id (`/lti/<uuid>/…`), which pins
the launch to one registration (Canvas serves every tenant from one issuer), and generic (`/lti/…`),
where (issuer, client_id) finds the registration.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pylti1p3.exception import LtiException, OIDCException

from wims_lti.models import Platform
from wims_lti.services.keys import NoSigningKey, tool_jwks
from wims_lti.services.launch import CourseNotLinked, launch_deep_linking, launch_enter_wims
from wims_lti.services.locks import LockTimeout
from wims_lti.views.client_ip import client_ip
from wims_lti.views.errors import error_page, wims_error_page
from wims_lti.views.teacher.auth import issue_teacher_token
from wims_lti.wims.errors import WimsError

from .claims import LaunchClaims
from .deep_linking import DeepLinkingRefused, deep_linking_settings
from .launch import WimsMessageLaunch, WimsOIDCLogin, launch_data_storage, login_rate_exceeded
from .migration import Lti11Identity, verified_lti11_identity
from .tool_config import DbToolConf, DeploymentPending

logger = logging.getLogger(__name__)

RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"


def _platform(platform_uuid: uuid.UUID | None) -> Platform | None:
    if platform_uuid is None:
        return None
    return get_object_or_404(Platform, uuid=platform_uuid, is_active=True)


def launch_url(request: HttpRequest, platform: Platform | None) -> str:
    if platform is None:
        return request.build_absolute_uri(reverse("lti-launch"))
    return request.build_absolute_uri(reverse("lti-platform-launch", args=[platform.uuid]))


def _unverified_lang(request: HttpRequest) -> str | None:
    """The launch locale read before validation: used only to pick the language of an error page."""
    token = request.POST.get("id_token", "")
    try:
        payload = token.split(".")[1]
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return LaunchClaims.from_jwt_body(body).lang
    except (IndexError, ValueError, TypeError, AttributeError, RecursionError):
        return None


def bad_launch_page(request: HttpRequest, *, status: int = 400, lang: str | None = None) -> HttpResponse:
    """Every launch that fails validation gets this page (the reason is only in the log)."""
    return error_page(
        request,
        status=status,
        lang=lang,
        title=_("This launch could not be verified"),
        message=_("The link from your course did not carry a valid, fresh and signed LTI launch."),
        advice=_(
            "Go back to your course and click the link again. If it keeps failing, tell your administrator."
        ),
    )


def partitioned_state_cookies(response: HttpResponse) -> HttpResponse:
    """Mark pylti1p3's state cookies `Partitioned` (CHIPS). Browsers that block third-party cookies
    (Chromium does by default in headless/incognito, Safari and Firefox always) still keep a partitioned
    cookie inside the LMS's iframe, keyed by the LMS's site, so the launch finds its state. pylti1p3's
    cookie-check page tests exactly such a cookie; Django 5.2 has no `partitioned` argument, and the
    attribute is appended through SameSite, the last one written."""
    for name, morsel in response.cookies.items():
        if name.startswith("lti1p3-") and morsel["secure"] and str(morsel["samesite"]).lower() == "none":
            morsel["samesite"] = "None; Partitioned"
    return response


@never_cache
@csrf_exempt  # cross-site by nature; protected by the registration lookup and the state cookie
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest, platform_uuid: uuid.UUID | None = None) -> HttpResponse:
    if login_rate_exceeded(client_ip(request)):
        logger.warning("OIDC login initiations over the per-IP limit: refused")
        return error_page(
            request,
            status=429,
            title=_("Too many launches from your connection"),
            message=_("The WIMS tool received too many launches from your network in a short time."),
            advice=_("Wait a minute, then click the link in your course again."),
        )
    platform = _platform(platform_uuid)
    # DbToolConf implements pylti1p3's ToolConfAbstract; the Django class is only annotated with its own.
    oidc = WimsOIDCLogin(request, DbToolConf(platform), launch_data_storage=launch_data_storage())  # type: ignore[arg-type]
    if settings.LTI_COOKIE_CHECK and request.is_secure():
        oidc.enable_check_cookies()
    try:
        return partitioned_state_cookies(oidc.redirect(launch_url(request, platform)))
    except (OIDCException, LtiException) as exc:
        logger.warning("OIDC login refused: %s", exc)
        return bad_launch_page(request)
    except NoSigningKey:
        logger.error("OIDC login: the tool has no signing key (run manage.py lti_keys init)")
        return error_page(
            request,
            status=503,
            title=_("The tool is not configured"),
            message=_("The WIMS tool has no signing key yet."),
            advice=_("Tell your administrator."),
        )


@sensitive_post_parameters("id_token")
@never_cache
@csrf_exempt  # the platform POSTs the id_token cross-site; state, nonce and signature protect it
@require_POST
def launch(request: HttpRequest, platform_uuid: uuid.UUID | None = None) -> HttpResponse:
    platform = _platform(platform_uuid)
    lang = _unverified_lang(request)
    try:
        message_launch = WimsMessageLaunch(request, DbToolConf(platform))
        body = message_launch.get_launch_data()
    except DeploymentPending as exc:
        logger.warning("launch from pending deployment %r of platform %s", exc.deployment_id, exc.platform.pk)
        return error_page(
            request,
            status=403,
            lang=lang,
            title=_("This LMS deployment is waiting for approval"),
            message=_(
                "The WIMS tool was added to your LMS in a new place that its administrator has not "
                "approved yet."
            ),
            advice=_("Tell your WIMS tool administrator; the deployment is listed as pending."),
        )
    except (LtiException, OIDCException, NoSigningKey) as exc:
        logger.warning("launch refused: %s", exc)
        return bad_launch_page(request, lang=lang)

    # The registration that validated the signature is the only one this launch may act for.
    unverified = LaunchClaims.from_jwt_body(body)
    resolved = platform or _platform_of(unverified.issuer, message_launch.validated_client_id)
    claims = dataclasses.replace(
        unverified,
        client_id=resolved.client_id,
        staff_subroles=resolved.subroles_are_staff,
    )
    if claims.message_type not in (RESOURCE_LINK, DEEP_LINKING):
        return bad_launch_page(request, lang=claims.lang)
    refused = no_course_context_page(request, claims)
    if refused is not None:
        return refused
    if claims.message_type == DEEP_LINKING:
        return _deep_linking(request, resolved, claims, body)
    return enter_wims(request, resolved, claims, body)


def no_course_context_page(request: HttpRequest, claims: LaunchClaims) -> HttpResponse | None:
    """A launch must say who and from which course (LTI 1.3 and 1.1 alike); None when it does."""
    if claims.sub and claims.context_id:
        return None
    logger.warning("launch without sub or context (sub=%r, context=%r)", bool(claims.sub), claims.context_id)
    return error_page(
        request,
        status=400,
        lang=claims.lang,
        title=_("This link must be used inside a course"),
        message=_("The launch did not say which user and which course it comes from."),
        advice=_("Use the link from within a course of your LMS, logged in."),
    )


def _deep_linking(
    request: HttpRequest, platform: Platform, claims: LaunchClaims, body: Mapping[str, Any]
) -> HttpResponse:
    """A teacher adds WIMS activities from the LMS: the picker (after the linking page if needed)."""
    if not claims.may_select_content:
        logger.warning("deep-linking request from a non-staff user refused")
        return error_page(
            request,
            status=403,
            lang=claims.lang,
            title=_("Only teachers can add WIMS activities"),
            message=_("Choosing WIMS activities to add to the course is reserved to its teachers."),
            advice=_("Open the WIMS activities your teacher added to the course."),
        )
    try:
        settings_ = deep_linking_settings(body, platform=platform)
    except DeepLinkingRefused as exc:
        logger.warning("deep-linking request refused: %s", exc)
        if exc.code == "return_url":
            return error_page(
                request,
                status=400,
                lang=claims.lang,
                title=_("WIMS activities cannot be added here"),
                message=_("The LMS asked to send the chosen activities to an address that is not its own."),
                advice=_("Tell your administrator: the LMS's deep-linking return address is not accepted."),
            )
        return error_page(
            request,
            status=400,
            lang=claims.lang,
            title=_("WIMS activities cannot be added here"),
            message=_("This place of the LMS does not accept links to activities of an external tool."),
            advice=_("Add the WIMS activity from the course page (add an activity or a module item)."),
        )
    course, user = launch_deep_linking(platform=platform, claims=claims)
    token = issue_teacher_token(
        course=course,
        user=user,
        link=None,
        lang=claims.lang,
        roles=list(claims.roles),
        deep_linking=settings_,
        platform=platform,
        content_selection_only=not claims.is_staff,
    )
    logger.info("deep linking: staff user %s picks activities for course %s", user.pk, course.pk)
    return HttpResponseRedirect(reverse("teacher-deep-linking", args=[token]))


def _platform_of(issuer: str, client_id: str) -> Platform:
    return Platform.objects.get(issuer=issuer, client_id=client_id, is_active=True)


def enter_wims(
    request: HttpRequest,
    platform: Platform,
    claims: LaunchClaims,
    body: Mapping[str, Any],
    *,
    lti11: Lti11Identity | None = None,
) -> HttpResponse:
    """The response to a validated launch (LTI 1.3, or 1.1 with its verified `lti11` identity)."""
    lang = claims.lang
    if lti11 is None:
        lti11 = verified_lti11_identity(
            body=body,
            client_id=claims.client_id,
            consumer_key=platform.lti11_consumer_key,
            secret=platform.lti11_secret,
        )
    try:
        result = launch_enter_wims(
            platform=platform, claims=claims, client_ip=client_ip(request), lti11=lti11
        )
    except CourseNotLinked:
        return error_page(
            request,
            status=409,
            lang=lang,
            title=_("WIMS is not set up for this course yet"),
            message=_("Your teacher has not linked this course to a WIMS class yet."),
            advice=_("Try again later, or ask your teacher to open the WIMS link once."),
        )
    except WimsError as exc:
        return wims_error_page(request, exc, action="launch", lang=lang, for_teacher=claims.is_staff)
    except LockTimeout:
        return error_page(
            request,
            status=503,
            lang=lang,
            title=_("WIMS is busy with this course"),
            message=_("Another launch is setting up this course in WIMS."),
            advice=_("Wait a minute and click the link again."),
        )
    if result.as_staff:
        token = issue_teacher_token(
            course=result.course,
            user=result.user,
            link=result.link,
            lang=lang,
            roles=list(claims.roles),
            platform=platform,
        )
        logger.info(
            "launch: staff user %s to the teacher pages of course %s", result.user.pk, result.course.pk
        )
        # An unlinked course: the teacher first links it to a WIMS class (new or existing).
        page = "teacher-dashboard" if result.course.is_linked else "teacher-course"
        return HttpResponseRedirect(reverse(page, args=[token]))
    logger.info("launch: user %s into class %s as %s", result.user.pk, result.course.qclass, result.quser)
    return HttpResponseRedirect(result.url)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(tool_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response
