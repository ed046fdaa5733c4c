"""`api_view`: bearer-token authentication, scopes, methods and JSON errors for every API view.

Status discipline (as INGInious's API): 400 bad input, 403 no or insufficient authentication,
404 unknown id or path, 405 wrong method, 413 body over DATA_UPLOAD_MAX_MEMORY_SIZE, 503 Redis down
(retry), 500 server error (with the correlation id, never a trace).
No session, no cookie, no CSRF (the token is sent on every request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from wims_lti.correlation import current_correlation_id
from wims_lti.models import ApiToken
from wims_lti.outage import OUTAGE_ERRORS
from wims_lti.services.api_tokens import api_token_authenticate, api_token_has_scope

logger = logging.getLogger(__name__)

ApiView = Callable[..., HttpResponse]
AUTH_REQUIRED = "authentication required: send 'Authorization: Bearer <token>'"


class ApiError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def error_response(status: int, message: str, **extra: Any) -> JsonResponse:
    body: dict[str, Any] = {"status": "error", "message": message, **extra}
    if status >= 500:
        body["correlation_id"] = current_correlation_id()
    return JsonResponse(body, status=status)


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def request_token(request: HttpRequest) -> ApiToken | None:
    raw = bearer_token(request)
    return api_token_authenticate(raw=raw) if raw else None


def api_view(
    *, methods: tuple[str, ...] = ("GET",), scope: str | None = None
) -> Callable[[ApiView], ApiView]:
    """Wraps a view: method check, then (with `scope`) the bearer token and its scope, JSON errors."""
    allowed = tuple(methods) + (("HEAD",) if "GET" in methods else ())

    def decorate(view: ApiView) -> ApiView:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in allowed:
                    response = error_response(405, f"method {request.method} not allowed")
                    response["Allow"] = ", ".join(allowed)
                    return response
                if scope is not None:
                    token = request_token(request)
                    if token is None:
                        return error_response(
                            403, "authentication required: send 'Authorization: Bearer <token>'"
                        )
                    if not api_token_has_scope(token=token, scope=scope):
                        return error_response(403, f"this token lacks the scope {scope}")
                    request.api_token = token  # type: ignore[attr-defined]
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error_response(exc.status, exc.message, **exc.extra)
            except RequestDataTooBig:
                return error_response(413, "the request body is too large")
            except SuspiciousOperation as exc:  # too many fields, a malformed multipart body...
                logger.warning("API request refused on %s %s: %s", request.method, request.path, exc)
                return error_response(400, "the request could not be read")
            except OUTAGE_ERRORS as exc:  # Redis down: retryable, not a server bug
                logger.error("API on %s %s: service outage: %s", request.method, request.path, exc)
                response = error_response(503, "service temporarily unavailable, try again shortly")
                response["Retry-After"] = "30"
                return response
            except Exception:  # the API answers JSON whatever happens; the trace goes to the log only
                logger.exception("API error on %s %s", request.method, request.path)
                return error_response(500, "internal server error")

        return wrapper

    return decorate
