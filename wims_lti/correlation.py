"""Correlation ids: one per request (or a valid X-Request-ID), in every log line and error page."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_current: ContextVar[str] = ContextVar("correlation_id", default="-")
_VALID = re.compile(r"^[A-Za-z0-9._-]{6,64}$")


def new_correlation_id() -> str:
    return uuid.uuid4().hex[:16]


def current_correlation_id() -> str:
    return _current.get()


def set_correlation_id(value: str) -> None:
    _current.set(value)


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _current.get()
        return True


class CorrelationIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        cid = incoming if _VALID.match(incoming) else new_correlation_id()
        token = _current.set(cid)
        request.correlation_id = cid  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Correlation-ID"] = cid
        return response
