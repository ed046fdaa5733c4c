"""The user's IP address: from X-Forwarded-For only as far as the trusted proxies go."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(ip: str) -> str | None:
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    # Each trusted proxy appended the address it saw; the client is `proxies` entries from the end.
    if len(forwarded) >= proxies:
        return _valid(forwarded[-proxies]) or remote
    return remote
