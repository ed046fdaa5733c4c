"""Deep Linking 2.0 return endpoint: verify the tool's LtiDeepLinkingResponse and create what it asks for."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .claims import (
    CLAIM_DEPLOYMENT_ID,
    CLAIM_DL_CONTENT_ITEMS,
    CLAIM_DL_DATA,
    CLAIM_DL_ERRORMSG,
    CLAIM_DL_MSG,
    CLAIM_MESSAGE_TYPE,
    CLAIM_VERSION,
    DeepLinkingSettings,
)
from .http import Request, Response, html_response
from .model import LineItem, ResourceLink
from .oidc import error_page
from .tool_keys import ToolKeyError
from .urls import Route

if TYPE_CHECKING:
    from .platform import DevPlatform


@dataclass
class DeepLinkSession:
    id: str
    client_id: str
    deployment_id: str
    course_id: int
    settings: DeepLinkingSettings


@dataclass
class DeepLinkingResult:
    session_id: str
    client_id: str
    accepted: bool
    error: str | None = None
    content_items: list[dict[str, Any]] = field(default_factory=list)
    resource_links: list[ResourceLink] = field(default_factory=list)
    line_items: list[LineItem] = field(default_factory=list)
    msg: str | None = None
    errormsg: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


class Rejected(Exception):
    pass


def handle_return(platform: DevPlatform, request: Request, route: Route) -> Response:
    session_id = request.arg("sesskey") or request.arg("dl") or ""
    session = platform.deep_link_sessions.get(session_id)
    if session is None or request.method != "POST":
        return error_page(400, "unknown deep linking session")
    result = DeepLinkingResult(session.id, session.client_id, accepted=False)
    try:
        token = request.form().get("JWT")
        if not token:
            raise Rejected("JWT form field is missing")
        claims = _verified_claims(platform, session, token)
        result.claims = claims
        items = _check_message(platform, session, claims)
        result.content_items = items
        result.msg, result.errormsg = claims.get(CLAIM_DL_MSG), claims.get(CLAIM_DL_ERRORMSG)
        _create(platform, session, items, result)
    except Rejected as exc:
        result.error = str(exc)
        platform.record_deep_linking(result)
        return error_page(400, str(exc))
    result.accepted = True
    platform.record_deep_linking(result)
    titles = "".join(f"<li>{html.escape(str(item.get('title', item.get('type'))))}</li>" for item in items)
    message = f"<p class='msg'>{html.escape(result.msg)}</p>" if result.msg else ""
    return html_response(
        200, f"<!DOCTYPE html><html><body><h1>Content added</h1>{message}<ul>{titles}</ul></body></html>"
    )


def _verified_claims(platform: DevPlatform, session: DeepLinkSession, token: str) -> dict[str, Any]:
    registration = platform.registration(session.client_id)
    assert registration is not None
    try:
        claims = platform.tool_keyset(registration).verify(token)
    except ToolKeyError as exc:
        raise Rejected(str(exc)) from exc
    now = time.time()
    exp, iat = claims.get("exp"), claims.get("iat")
    if platform.flavor == "canvas":  # DeepLinkingJwt
        if claims.get("iss") != registration.client_id:
            raise Rejected("iss must be the client id")
        aud = claims.get("aud")
        if not (aud == platform.issuer or (isinstance(aud, list) and platform.issuer in aud)):
            raise Rejected(f"aud must contain {platform.issuer}")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise Rejected("exp and iat are required")
        if iat < now - 300 or iat > now + 30:
            raise Rejected("iat is too old or too far in the future")
        nonce = claims.get("nonce")
        if not nonce:
            raise Rejected("nonce is required")
        if not platform.consume_deep_link_nonce(str(nonce), float(exp)):
            raise Rejected("nonce already used")
    elif iat is not None and isinstance(iat, int | float) and iat > int(now):
        raise Rejected("Cannot handle token prior to iat")
    if exp is not None and (not isinstance(exp, int | float) or exp <= now):
        raise Rejected("the deep linking response has expired")
    return claims


def _check_message(
    platform: DevPlatform, session: DeepLinkSession, claims: dict[str, Any]
) -> list[dict[str, Any]]:
    if claims.get(CLAIM_MESSAGE_TYPE) != "LtiDeepLinkingResponse":
        raise Rejected(f"message_type must be LtiDeepLinkingResponse, got {claims.get(CLAIM_MESSAGE_TYPE)!r}")
    if claims.get(CLAIM_VERSION) != "1.3.0":
        raise Rejected("version must be 1.3.0")
    if claims.get(CLAIM_DEPLOYMENT_ID) != session.deployment_id:
        raise Rejected("deployment_id does not match the deep linking request")
    expected_data = session.settings.data
    if expected_data is not None and claims.get(CLAIM_DL_DATA) != expected_data:
        raise Rejected("data must echo the deep linking request's data")
    items = claims.get(CLAIM_DL_CONTENT_ITEMS) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise Rejected("content_items must be a list of objects")
    if len(items) > 1 and not session.settings.accept_multiple:
        raise Rejected("only one content item is accepted here")
    allowed = ["ltiResourceLink"] if platform.flavor == "moodle" else session.settings.accept_types
    for item in items:
        if item.get("type") not in allowed:
            raise Rejected(f"content item type {item.get('type')!r} is not supported")
    return items


def _create(
    platform: DevPlatform, session: DeepLinkSession, items: list[dict[str, Any]], result: DeepLinkingResult
) -> None:
    """Moodle creates every item in one save; Canvas makes an unpublished assignment per lineItem."""
    registration = platform.registration(session.client_id)
    assert registration is not None
    course = platform.courses[session.course_id]
    plans: list[tuple[dict[str, Any], float | None, str]] = []
    for item in items:
        if item.get("type") != "ltiResourceLink":
            continue
        title = str(item.get("title") or "")
        line_item = item.get("lineItem") if isinstance(item.get("lineItem"), dict) else None
        score_maximum: float | None = None
        if platform.flavor == "moodle" and line_item is not None and registration.accept_grades:
            score_maximum = float(line_item.get("scoreMaximum", 100))
        elif platform.flavor == "canvas" and line_item is not None:
            if not isinstance(line_item.get("scoreMaximum"), int | float):
                raise Rejected("lineItem.scoreMaximum is required")
            score_maximum = float(line_item["scoreMaximum"])
            title = str(line_item.get("label") or title)
        plans.append((item, score_maximum, title or "External tool"))
    for item, score_maximum, title in plans:
        line_item = item.get("lineItem") or {}
        raw_custom = item.get("custom")
        custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
        link = platform.add_resource_link(
            course,
            title,
            description=str(item.get("text") or ""),
            score_maximum=score_maximum,
            custom={str(k): str(v) for k, v in custom.items()},
            url=item.get("url"),
            client_id=session.client_id,
            resource_id=line_item.get("resourceId"),
            tag=line_item.get("tag"),
            published=platform.flavor != "canvas",
        )
        result.resource_links.append(link)
        if link.line_item_id is not None:
            result.line_items.append(platform.line_items[link.line_item_id])
