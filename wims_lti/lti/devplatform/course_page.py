"""An LMS course page that frames the tool: the login initiation is submitted into an `<iframe>`.

This is how Moodle and Canvas show an LTI activity ("embed" / iframe placement): the LMS page on its own
origin, the tool on another one inside the frame. Browser tests open `platform.course_page_url(...)`.
"""

from __future__ import annotations

import html
import secrets
from typing import TYPE_CHECKING

from .http import Request, Response, html_response
from .launch import LoginInitiation
from .oidc import error_page

if TYPE_CHECKING:
    from .platform import DevPlatform

PATH = "/dev/course_page/"
FRAME_NAME = "tool-frame"


def register(platform: DevPlatform, initiation: LoginInitiation, title: str) -> str:
    """Store a launch for one page view; the URL of the page that frames it."""
    page_id = secrets.token_urlsafe(12)
    with platform.lock:
        platform.course_pages[page_id] = (initiation, title)
    return f"{platform.base_url}{PATH}{page_id}"


def handle(platform: DevPlatform, request: Request) -> Response:
    page_id = request.path[len(PATH) :]
    with platform.lock:
        entry = platform.course_pages.pop(page_id, None)  # one view per launch, like a real page load
    if entry is None or request.method != "GET":
        return error_page(404, "no such course page")
    initiation, title = entry
    inputs = "\n".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in initiation.params.items()
    )
    body = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)} — {html.escape(platform.name)}</title>"
        "<style>body{font-family:sans-serif;margin:0}header{background:#0f6cbf;color:#fff;padding:.5rem 1rem}"
        "iframe{border:0;width:100%;height:85vh}</style></head><body>"
        f"<header><strong>{html.escape(platform.name)}</strong> &rsaquo; {html.escape(title)}</header>"
        f'<form id="lti-frame-launch" action="{html.escape(initiation.url)}" '
        f'method="{initiation.method.lower()}" target="{FRAME_NAME}">{inputs}</form>'
        f'<iframe name="{FRAME_NAME}" id="{FRAME_NAME}" title="{html.escape(title)}" '
        'allow="fullscreen; clipboard-write"></iframe>'
        "<script>document.getElementById('lti-frame-launch').submit();</script>"
        "</body></html>"
    )
    return html_response(200, body)
