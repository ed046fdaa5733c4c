"""API views: thin — parse, authorise (`api_view`), read through `selectors`, shape with `serializers`."""

from __future__ import annotations

import datetime as dt
import json

from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from wims_lti.models import ApiToken, Course, ScoreLedger
from wims_lti.services.api_tokens import api_token_authenticate

from . import selectors, serializers
from .auth import ApiError, api_view, error_response, request_token
from .openapi import openapi_document

COURSES_READ = ApiToken.Scope.COURSES_READ.value
GRADES_READ = ApiToken.Scope.GRADES_READ.value
SYNC_WRITE = ApiToken.Scope.SYNC_WRITE.value
MAX_LIMIT = 5000
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@api_view()
def auth_methods(request: HttpRequest) -> JsonResponse:
    methods = [
        {
            "id": "token",
            "name": "API token (issued in the admin)",
            "input": [{"id": "token", "name": "API token", "type": "password"}],
        }
    ]
    return JsonResponse(methods, safe=False)


@sensitive_post_parameters("token")
@api_view(methods=("GET", "POST"))
def authentication(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        raw = _posted_token(request)
        token = api_token_authenticate(raw=raw) if raw else None
        if token is None:
            return JsonResponse(
                {"status": "error", "message": "invalid, expired or revoked token"}, status=403
            )
        return JsonResponse({"status": "success", **serializers.token_json(token)})
    token = request_token(request)
    if token is None:
        return JsonResponse({"authenticated": False})
    return JsonResponse({"authenticated": True, **serializers.token_json(token)})


@sensitive_variables("body", "value")
def _posted_token(request: HttpRequest) -> str | None:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: absurd nesting
            raise ApiError(400, "the body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "the body must be a JSON object")
        value = body.get("token")
    elif request.content_type in FORM_TYPES:
        try:
            value = request.POST.get("token")
        except MultiPartParserError as exc:
            raise ApiError(400, "the body is not valid form data") from exc
    else:
        raise ApiError(400, "send the token as JSON or form data")
    if value is None:
        raise ApiError(400, "missing field: token")
    if not isinstance(value, str):
        raise ApiError(400, "token must be a string")
    return value


@api_view(scope=COURSES_READ)
def courses(request: HttpRequest) -> JsonResponse:
    return JsonResponse({str(c.pk): serializers.course_json(c) for c in selectors.courses_linked()})


def _course(course_id: int) -> Course:
    course = selectors.course_get(course_id=course_id) if course_id < 2**63 else None
    if course is None:
        raise ApiError(404, f"no linked course {course_id}")
    return course


@api_view(scope=COURSES_READ)
def course_detail(request: HttpRequest, course_id: int) -> JsonResponse:
    course = _course(course_id)
    return JsonResponse({str(course.pk): serializers.course_json(course)})


@api_view(scope=COURSES_READ)
def course_activities(request: HttpRequest, course_id: int) -> JsonResponse:
    course = _course(course_id)
    return JsonResponse(
        [serializers.activity_json(link) for link in selectors.course_activities(course=course)], safe=False
    )


def _int_param(request: HttpRequest, name: str, *, default: int | None, low: int, high: int) -> int | None:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit():
        raise ApiError(400, f"{name} must be a non-negative integer")
    value = int(raw)
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be between {low} and {high}")
    return value


def grade_filter(request: HttpRequest) -> selectors.GradeFilter:
    known = {"activity", "user", "status", "since", "limit", "offset"}
    unknown = sorted(set(request.GET) - known)
    if unknown:
        raise ApiError(400, f"unknown parameters: {', '.join(unknown)}")
    status = request.GET.get("status")
    if status is not None and status not in ScoreLedger.Status.values:
        raise ApiError(400, f"status must be one of {', '.join(ScoreLedger.Status.values)}")
    since = None
    if "since" in request.GET:
        try:
            since = parse_datetime(request.GET["since"])
        except ValueError:
            since = None
        if since is None:
            raise ApiError(400, "since must be an ISO 8601 date-time")
        if timezone.is_naive(since):
            since = timezone.make_aware(since, dt.UTC)
    user = request.GET.get("user")
    if user is not None and not user:
        raise ApiError(400, "user must not be empty")
    return selectors.GradeFilter(
        activity=_int_param(request, "activity", default=None, low=1, high=2**63 - 1),
        user=user,
        status=status,
        since=since,
        limit=_int_param(request, "limit", default=1000, low=1, high=MAX_LIMIT) or 1000,
        offset=_int_param(request, "offset", default=0, low=0, high=2**31) or 0,
    )


@api_view(scope=GRADES_READ)
def course_grades(request: HttpRequest, course_id: int) -> JsonResponse:
    course = _course(course_id)
    filters = grade_filter(request)
    total, entries = selectors.course_grades(course=course, filters=filters)
    return JsonResponse(
        {
            "course": course.pk,
            "total": total,
            "limit": filters.limit,
            "offset": filters.offset,
            "grades": [serializers.grade_json(e) for e in entries],
        }
    )


@api_view(methods=("POST",), scope=SYNC_WRITE)
def course_sync(request: HttpRequest, course_id: int) -> JsonResponse:
    course = _course(course_id)
    started = selectors.course_sync_start(course=course)
    if started.run is None:
        raise ApiError(400, "the course has no activity bound to a WIMS sheet or exam: nothing to sync")
    return JsonResponse(
        {
            "status": "success",
            "run": started.run.pk,
            "already_running": started.already_running,
            "run_detail": serializers.run_json(started.run),
        },
        status=202,
    )


@api_view()
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(server_url=request.build_absolute_uri("/api/v0")))


@api_view(methods=("GET", "POST", "PUT", "PATCH", "DELETE"))
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response(404, "no such endpoint")
