"""Who may frame the tool: `Content-Security-Policy: frame-ancestors` with the registered LMSs.

The tool lives in the LMS's iframe, so a blanket `X-Frame-Options: DENY` would break it, while
allowing every site would let anyone frame the teacher pages (clickjacking). Tool pages get
`frame-ancestors 'self'` plus the origins of every active platform registration (its issuer and its
OIDC authorization URL), plus LTI_FRAME_ANCESTORS; Canvas cloud (issuer `*.instructure.com`, login on
`sso.canvaslms.com`) serves courses from each school's own `*.instructure.com` host, which is added.
The admin keeps `X-Frame-Options: DENY` and `frame-ancestors 'none'`.

The origins are cached (LTI_FRAME_ANCESTORS_CACHE_SECONDS) under a generation number that any change
to a Platform bumps, so a new registration is framed at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from wims_lti.models import Platform

logger = logging.getLogger(__name__)

CACHE_KEY = "security:frame-ancestors:v1:{generation}"
GENERATION_KEY = "security:frame-ancestors:generation"
CANVAS_CLOUD_HOSTS = ("instructure.com", "canvaslms.com")
CANVAS_SCHOOL_HOSTS = "https://*.instructure.com"


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, else None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _is_canvas_cloud(origin: str) -> bool:
    host = urlsplit(origin).hostname or ""
    return any(host == domain or host.endswith("." + domain) for domain in CANVAS_CLOUD_HOSTS)


def platform_origins() -> list[str]:
    """The origins allowed to frame the tool, from the active registrations (uncached)."""
    origins: set[str] = set()
    for issuer, login_url in Platform.objects.filter(is_active=True).values_list("issuer", "auth_login_url"):
        for url in (issuer, login_url):
            origin = origin_of(url)
            if origin:
                origins.add(origin)
                if _is_canvas_cloud(origin):
                    origins.add(CANVAS_SCHOOL_HOSTS)
    for extra in settings.LTI_FRAME_ANCESTORS:
        if extra.strip():
            origins.add(extra.strip())
    return sorted(origins)


def _generation() -> int:
    value = cache.get(GENERATION_KEY)
    return int(value) if value is not None else 0


def frame_ancestors() -> list[str]:
    """The allowed framing origins, cached; straight from the database when the cache is down (every
    page carries this header: a Redis outage must not turn them all into 500s)."""
    try:
        key = CACHE_KEY.format(generation=_generation())
        origins = cache.get(key)
    except Exception as exc:  # the cache backend's own errors: Redis down, timeouts
        logger.warning("frame-ancestors: cache unavailable (%s), reading the registrations", exc)
        return platform_origins()
    if origins is None:
        origins = platform_origins()
        with contextlib.suppress(Exception):  # a cache outage right now: served uncached
            cache.set(key, origins, timeout=settings.LTI_FRAME_ANCESTORS_CACHE_SECONDS)
    return list(origins)


@receiver(post_save, sender=Platform, dispatch_uid="wims_lti.security.platform_saved")
@receiver(post_delete, sender=Platform, dispatch_uid="wims_lti.security.platform_deleted")
def _platforms_changed(**kwargs: Any) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet
        with contextlib.suppress(Exception):
            cache.set(GENERATION_KEY, 1, timeout=None)
    except Exception as exc:  # Redis down: the cached origins expire by themselves
        logger.warning(
            "frame-ancestors: cache unavailable, new registrations framed within %ss: %s",
            settings.LTI_FRAME_ANCESTORS_CACHE_SECONDS,
            exc,
        )


def _is_admin(path: str) -> bool:
    return path.startswith("/admin/")


class FrameAncestorsMiddleware:
    """Replaces Django's XFrameOptionsMiddleware: CSP frame-ancestors on tool pages, DENY on the admin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_admin(request.path):
            response["X-Frame-Options"] = "DENY"
            if "Content-Security-Policy" not in response:
                response["Content-Security-Policy"] = "frame-ancestors 'none'"
            return response
        if "Content-Security-Policy" not in response:
            sources = " ".join(["'self'", *frame_ancestors()])
            response["Content-Security-Policy"] = f"frame-ancestors {sources}"
        if "X-Frame-Options" in response:
            del response["X-Frame-Options"]
        return response
