"""Redis (cache, locks, OIDC state, Celery broker) unreachable: a clear "try again shortly", never a 500.

What keeps working without Redis: /health/ (its JSON 503 names the cache and the broker), the JWKS,
static files, and every page that does not need it. What needs it (an LTI login or launch, a lock, a
queued sync) answers 503 with the usual error page in the user's language and a correlation id — or
the API's JSON error. Nothing is cached across the outage: Redis clients reconnect on their next
command, so everything works again as soon as Redis is back, without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerError

from wims_lti.views.errors import error_page

logger = logging.getLogger(__name__)

# Redis down or unreachable, as redis-py (cache, locks, metrics) and kombu (Celery broker) report it.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    BrokerError,
)


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def outage_page(request: HttpRequest, *, lang: str | None = None) -> HttpResponse:
    response = error_page(
        request,
        status=503,
        lang=lang,
        title=_("The WIMS tool is briefly unavailable"),
        message=_("A service the tool relies on is not answering right now."),
        advice=_("Try again in a few moments. If it lasts, tell your administrator."),
    )
    response["Retry-After"] = "30"
    return response


class ServiceOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not is_outage(exc):
            return None
        logger.error("service outage on %s %s: %s: %s", request.method, request.path, type(exc).__name__, exc)
        return outage_page(request)
