"""Counts LTI launches by outcome, from the launch endpoints' answers (no change to the launch code)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .metrics import count_launch

# URL names of the launch endpoints, and the kind they are counted as.
LAUNCH_URLS = {"lti-launch": "lti13", "lti-platform-launch": "lti13"}


def _kind(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None or request.method != "POST":
        return None
    if match.url_name in LAUNCH_URLS:
        return LAUNCH_URLS[match.url_name]
    if match.url_name and match.url_name.startswith("lti11-"):
        return "lti11"
    return None


class LaunchMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        kind = _kind(request)
        if kind is not None:
            count_launch(kind, response.status_code)
        return response
