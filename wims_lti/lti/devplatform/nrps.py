"""Names and Role Provisioning Service v2: the course roster as Moodle or Canvas lists it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .http import Request, Response, json_response
from .model import LTI_SCOPE_NRPS, Enrollment, ToolRegistration
from .paging import canvas_page, moodle_nrps_link, moodle_slice
from .roles import nrps_roles
from .services import error, open_call
from .urls import Route

if TYPE_CHECKING:
    from .platform import DevPlatform

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
CANVAS_MAX_PAGE = 50  # memberships_provider.rb MAX_PAGE_SIZE


def member_json(
    platform: DevPlatform, registration: ToolRegistration, enrollment: Enrollment
) -> dict[str, Any]:
    user = enrollment.user
    member: dict[str, Any] = {
        "status": "Active",
        "user_id": user.sub,
        "roles": nrps_roles(platform.flavor, enrollment.roles, is_admin=user.is_admin),
    }
    if registration.share_name:
        member.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
        member["lis_person_sourcedid"] = user.sourcedid or ""
        if platform.flavor == "canvas" and user.picture:
            member["picture"] = user.picture
    if registration.share_email:
        member["email"] = user.email
    if platform.flavor == "canvas" and user.lti11_user_id:
        member["lti11_legacy_user_id"] = user.lti11_user_id
    return {key: value for key, value in member.items() if value is not None}


def handle_memberships(platform: DevPlatform, request: Request, route: Route) -> Response:
    if request.method != "GET":
        return error(platform, request, 405, "Method not allowed")
    call = open_call(platform, request, route, (LTI_SCOPE_NRPS,))
    if isinstance(call, Response):
        return call
    course = call.course
    rlid = request.arg("rlid")
    if rlid is not None and rlid not in course.resource_links and platform.flavor == "canvas":
        return error(platform, request, 400, "Invalid 'rlid' parameter")
    role = request.arg("role")
    with platform.lock:
        members = [
            member_json(platform, call.registration, enrollment)
            for enrollment in course.enrollments.values()
            if enrollment.active  # suspended/dropped users simply vanish
        ]
        if role:
            members = [
                m for m in members if role in m["roles"] or any(r.endswith("#" + role) for r in m["roles"])
            ]
        endpoint = platform.urls.memberships(course.id, call.registration.type_id)
        if platform.flavor == "moodle":
            chunk, limit, offset = moodle_slice(members, request)
            link = moodle_nrps_link(endpoint, request, len(members), limit, offset)
        else:
            chunk, link = canvas_page(
                members, request, endpoint, default=CANVAS_MAX_PAGE, maximum=CANVAS_MAX_PAGE
            )
    body = {
        "id": request.url,
        "context": {"id": str(course.id), "label": course.label, "title": course.title},
        "members": chunk,
    }
    return json_response(200, body, content_type=MEMBERSHIP_TYPE, headers=[("Link", link)] if link else [])
