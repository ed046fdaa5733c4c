"""`/metrics`: the Prometheus exposition, for loopback callers (no proxy header) or with METRICS_TOKEN."""

from __future__ import annotations

import ipaddress
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from .metrics import registry

PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def metrics_allowed(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if expected and header.startswith("Bearer "):
        return secrets.compare_digest(header[7:].strip().encode(), expected.encode())
    if not settings.METRICS_ALLOW_LOOPBACK or any(h in request.headers for h in PROXY_HEADERS):
        return False  # through a proxy, REMOTE_ADDR is the proxy's: never trust loopback then
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
