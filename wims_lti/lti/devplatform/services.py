"""What every AGS/NRPS call checks first: access token, scope, course, tool, line item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .http import Request, Response, canvas_error, moodle_error
from .model import Course, LineItem, ToolRegistration
from .tokens import AccessToken
from .urls import Route

if TYPE_CHECKING:
    from .platform import DevPlatform


@dataclass
class ServiceCall:
    token: AccessToken
    registration: ToolRegistration
    course: Course
    line_item: LineItem | None


def error(
    platform: DevPlatform, request: Request, status: int, message: str, canvas_type: str = "bad_request"
) -> Response:
    if platform.flavor == "moodle":
        return moodle_error(request, status, message)
    return canvas_error(status, message, canvas_type)


def open_call(
    platform: DevPlatform, request: Request, route: Route, scopes: tuple[str, ...]
) -> ServiceCall | Response:
    authorized = platform.tokens.authorize(request, scopes)
    if isinstance(authorized, Response):
        return authorized
    registration = platform.registration(authorized.client_id)
    assert registration is not None
    if platform.flavor == "moodle" and route.type_id != registration.type_id:
        return error(platform, request, 401, "Tool type does not match the access token")  # check_tool
    with platform.lock:
        course = platform.courses.get(route.course_id or -1)
        if course is None:
            return error(platform, request, 404, "Course not found", "not_found")
        line_item = None
        if route.line_item_id is not None:
            line_item = platform.line_items.get(route.line_item_id)
            if (
                line_item is None
                or line_item.course_id != course.id
                or line_item.client_id != registration.client_id
            ):
                return error(platform, request, 404, "Line item not found", "not_found")
    return ServiceCall(authorized, registration, course, line_item)
