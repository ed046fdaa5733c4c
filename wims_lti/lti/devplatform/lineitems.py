"""AGS line items: the container (list, create) and one item (get, update, delete), per flavor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .http import Request, Response, empty_response, json_response
from .model import LTI_SCOPE_LINEITEM, LTI_SCOPE_LINEITEM_READONLY, LineItem
from .paging import canvas_page, moodle_lineitems_link, moodle_slice
from .services import ServiceCall, error, open_call
from .urls import Route

if TYPE_CHECKING:
    from .platform import DevPlatform

CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
ITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
READ_SCOPES = (LTI_SCOPE_LINEITEM, LTI_SCOPE_LINEITEM_READONLY)
CANVAS_PAGE = 10


def line_item_json(platform: DevPlatform, item: LineItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        **item.extra,
        "id": platform.lineitem_url(item),
        "label": item.label,
        "scoreMaximum": item.score_maximum,
    }
    optional = {
        "resourceId": item.resource_id,
        "tag": item.tag,
        "resourceLinkId": item.resource_link_id,
        "startDateTime": item.start_date_time,
        "endDateTime": item.end_date_time,
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    return data


def handle_container(platform: DevPlatform, request: Request, route: Route) -> Response:
    if request.method == "GET":
        call = open_call(platform, request, route, READ_SCOPES)
        return call if isinstance(call, Response) else _list(platform, request, call)
    if request.method == "POST":
        call = open_call(platform, request, route, (LTI_SCOPE_LINEITEM,))
        return call if isinstance(call, Response) else _create(platform, request, call)
    return error(platform, request, 405, "Method not allowed")


def _list(platform: DevPlatform, request: Request, call: ServiceCall) -> Response:
    accept = request.header("accept")
    if platform.flavor == "moodle" and accept not in (None, CONTAINER_TYPE):
        return error(platform, request, 400, "No context or unsupported content type")
    link_id = request.arg("resource_link_id") or request.arg("lti_link_id")
    filters = {"resource_id": request.arg("resource_id"), "tag": request.arg("tag")}
    with platform.lock:
        items = [
            item
            for item in platform.line_items.values()
            if item.course_id == call.course.id
            and item.client_id == call.registration.client_id
            and (link_id is None or item.resource_link_id == link_id)
            and (filters["resource_id"] is None or item.resource_id == filters["resource_id"])
            and (filters["tag"] is None or item.tag == filters["tag"])
        ]
        items.sort(key=lambda item: item.id)
        base = platform.urls.lineitems(call.course.id, call.registration.type_id).split("?")[0]
        if platform.flavor == "moodle":
            chunk, limit, offset = moodle_slice(items, request)
            link = moodle_lineitems_link(base, request, len(items), limit, offset)
        else:
            chunk, link = canvas_page(items, request, base, default=CANVAS_PAGE, maximum=100)
        body = [line_item_json(platform, item) for item in chunk]
    return json_response(200, body, content_type=CONTAINER_TYPE, headers=[("Link", link)] if link else [])


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _create(platform: DevPlatform, request: Request, call: ServiceCall) -> Response:
    try:
        data = request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data.get("label") or not _number(data.get("scoreMaximum")):
        return error(platform, request, 400, "No label or Score Maximum")
    link_id = data.get("resourceLinkId")
    if link_id is not None and str(link_id) not in call.course.resource_links:
        if platform.flavor == "moodle":
            return error(platform, request, 403, "Invalid resource link id")
        return error(platform, request, 404, "The specified LTI link ID is not valid", "not_found")
    item = platform.create_line_item(
        call.course,
        client_id=call.registration.client_id,
        label=str(data["label"]),
        score_maximum=float(data["scoreMaximum"]),
        resource_id=data.get("resourceId"),
        tag=data.get("tag"),
        resource_link_id=str(link_id) if link_id is not None else None,
        start_date_time=data.get("startDateTime"),
        end_date_time=data.get("endDateTime"),
        # Tool-created items are "uncoupled" on Canvas (deletable); a POST without resourceLinkId
        # still creates a new assignment there.
        coupled=False,
    )
    return json_response(201, line_item_json(platform, item), content_type=ITEM_TYPE)


def handle_item(platform: DevPlatform, request: Request, route: Route) -> Response:
    scopes = READ_SCOPES if request.method == "GET" else (LTI_SCOPE_LINEITEM,)
    call = open_call(platform, request, route, scopes)
    if isinstance(call, Response):
        return call
    item = call.line_item
    assert item is not None
    if request.method == "GET":
        with platform.lock:
            return json_response(200, line_item_json(platform, item), content_type=ITEM_TYPE)
    if request.method == "PUT":
        return _update(platform, request, item)
    if request.method == "DELETE":
        if platform.flavor == "canvas" and item.coupled:
            return error(
                platform, request, 401, "Cannot delete the assignment's own line item", "unauthorized"
            )
        platform.delete_line_item(item)  # Moodle deletes the column and all its grades
        return empty_response(204)
    return error(platform, request, 405, "Method not allowed")


def _update(platform: DevPlatform, request: Request, item: LineItem) -> Response:
    try:
        data = request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return error(platform, request, 400, "Invalid line item")
    if platform.flavor == "moodle" and (not data.get("label") or not _number(data.get("scoreMaximum"))):
        return error(platform, request, 400, "No label or Score Maximum")
    with platform.lock:
        if _number(data.get("scoreMaximum")):
            new_max = float(data["scoreMaximum"])
            if platform.flavor == "moodle" and item.score_maximum:  # rescale_grades_keep_percentage
                for entry in platform.gradebook.for_line_item(item.id):
                    if entry.grade is not None:
                        entry.grade = entry.grade * new_max / item.score_maximum
            item.score_maximum = new_max
        if data.get("label"):
            item.label = str(data["label"])
        for key, attr in (
            ("resourceId", "resource_id"),
            ("tag", "tag"),
            ("startDateTime", "start_date_time"),
            ("endDateTime", "end_date_time"),
        ):
            if key in data:
                setattr(item, attr, data[key])
        return json_response(200, line_item_json(platform, item), content_type=ITEM_TYPE)
