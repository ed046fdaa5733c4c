"""A launch answers its user within LAUNCH_BUDGET_SECONDS, whatever WIMS does.

Every adm/raw call of a launch (LTI 1.3 and 1.1) runs inside one `wims_budget`, opened when the request
arrives: a silent or dripping WIMS makes the launch answer "WIMS cannot be reached" (503) in time
instead of holding the user — and a web worker thread — for minutes. A second of the budget is kept
for what follows the last adm/raw call (the database, the page).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from wims_lti.wims.budget import wims_budget

LAUNCH_URL_NAMES = frozenset({"lti-launch", "lti-platform-launch"})
ANSWER_MARGIN_SECONDS = 1.0


def is_launch(request: HttpRequest) -> bool:
    if request.method != "POST":
        return False
    try:
        name = resolve(request.path_info).url_name or ""
    except Resolver404:
        return False
    return name in LAUNCH_URL_NAMES or name.startswith("lti11-")


class LaunchBudgetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_launch(request):
            return self.get_response(request)
        seconds = max(0.0, settings.LAUNCH_BUDGET_SECONDS - ANSWER_MARGIN_SECONDS)
        with wims_budget(seconds, retries=settings.LAUNCH_WIMS_RETRIES):
            return self.get_response(request)
