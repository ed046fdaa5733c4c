"""id_token claims shaped like a Moodle 4.x or a Canvas launch (pure functions, no I/O)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from .model import AGS_SCOPES, LTI_SCOPE_NRPS, Course, ResourceLink, ToolRegistration, User
from .roles import Flavor

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_VERSION = LTI + "version"
CLAIM_DEPLOYMENT_ID = LTI + "deployment_id"
CLAIM_TARGET_LINK_URI = LTI + "target_link_uri"
CLAIM_RESOURCE_LINK = LTI + "resource_link"
CLAIM_ROLES = LTI + "roles"
CLAIM_CONTEXT = LTI + "context"
CLAIM_TOOL_PLATFORM = LTI + "tool_platform"
CLAIM_LAUNCH_PRESENTATION = LTI + "launch_presentation"
CLAIM_LIS = LTI + "lis"
CLAIM_CUSTOM = LTI + "custom"
CLAIM_LTI1P1 = LTI + "lti1p1"
CLAIM_LTI11_LEGACY_USER_ID = LTI + "lti11_legacy_user_id"
CLAIM_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CLAIM_DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
CLAIM_DL_CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
CLAIM_DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
CLAIM_DL_MSG = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
CLAIM_DL_ERRORMSG = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg"
CLAIM_MOODLE_EXT = LTI + "ext"
CLAIM_CANVAS_PLACEMENT = "https://www.instructure.com/placement"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
PII_CLAIMS = ("name", "given_name", "family_name", "email", "locale", "picture")

# Short names accepted by `LaunchDefects.drop_claims`.
CLAIM_ALIASES = {
    "message_type": CLAIM_MESSAGE_TYPE,
    "version": CLAIM_VERSION,
    "deployment_id": CLAIM_DEPLOYMENT_ID,
    "target_link_uri": CLAIM_TARGET_LINK_URI,
    "resource_link": CLAIM_RESOURCE_LINK,
    "roles": CLAIM_ROLES,
    "context": CLAIM_CONTEXT,
    "tool_platform": CLAIM_TOOL_PLATFORM,
    "launch_presentation": CLAIM_LAUNCH_PRESENTATION,
    "lis": CLAIM_LIS,
    "custom": CLAIM_CUSTOM,
    "lti1p1": CLAIM_LTI1P1,
    "ags": CLAIM_AGS,
    "nrps": CLAIM_NRPS,
    "deep_linking_settings": CLAIM_DL_SETTINGS,
}


@dataclass(frozen=True)
class PlatformInfo:
    issuer: str
    flavor: Flavor
    name: str
    guid: str
    version: str


@dataclass
class DeepLinkingSettings:
    accept_types: list[str]
    accept_presentation_document_targets: list[str]
    accept_multiple: bool = True
    auto_create: bool = False
    data: str | None = None
    title: str | None = None
    text: str | None = None
    accept_lineitem: bool | None = None

    @classmethod
    def for_flavor(cls, flavor: Flavor, placement: str = "link_selection") -> DeepLinkingSettings:
        if flavor == "moodle":  # lti_build_content_item_selection_request
            return cls(
                ["ltiResourceLink"], ["frame", "iframe", "window"], accept_multiple=True, auto_create=False
            )
        if placement == "assignment_selection":
            return cls(["ltiResourceLink"], ["iframe", "window"], accept_multiple=False)
        if placement == "editor_button":
            return cls(["link", "file", "html", "ltiResourceLink", "image"], ["embed", "iframe", "window"])
        return cls(["ltiResourceLink"], ["iframe", "window"], accept_multiple=True)

    def claim(self, return_url: str) -> dict[str, Any]:
        claim: dict[str, Any] = {
            "deep_link_return_url": return_url,
            "accept_types": self.accept_types,
            "accept_presentation_document_targets": self.accept_presentation_document_targets,
            "accept_multiple": self.accept_multiple,
            "auto_create": self.auto_create,
        }
        for key in ("data", "title", "text", "accept_lineitem"):
            value = getattr(self, key)
            if value is not None:
                claim[key] = value
        return claim


@dataclass
class LaunchSpec:
    """Everything a launch says, resolved by the platform (URLs included) before the tool logs in."""

    registration: ToolRegistration
    deployment_id: str
    user: User
    course: Course | None
    resource_link: ResourceLink | None
    message_type: str
    roles: list[str]
    target_link_uri: str
    custom: dict[str, str] = field(default_factory=dict)
    locale: str | None = None
    document_target: str = "iframe"
    return_url: str | None = None
    deep_linking: DeepLinkingSettings | None = None
    deep_link_return_url: str | None = None
    lineitems_url: str | None = None
    lineitem_url: str | None = None
    memberships_url: str | None = None
    lti1p1: bool = False
    omit: frozenset[str] = frozenset()
    placement: str = "course_navigation"
    extra_claims: dict[str, Any] = field(default_factory=dict)


def lti1p1_signature(
    *, key: str, secret: str, deployment_id: str, iss: str, client_id: str, exp: int, nonce: str
) -> str:
    """`oauth_consumer_key_sign` of the LTI 1.3 migration spec: base64(HMAC-SHA256(secret, key&...&nonce))."""
    message = "&".join((key, deployment_id, iss, client_id, str(exp), nonce))
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _pii(info: PlatformInfo, spec: LaunchSpec) -> dict[str, Any]:
    user, reg = spec.user, spec.registration
    values: dict[str, Any] = {}
    if reg.share_name:
        values.update(name=user.name, given_name=user.given_name, family_name=user.family_name)
        if info.flavor == "canvas":
            values["picture"] = user.picture
    if reg.share_email:
        values["email"] = user.email
    values["locale"] = spec.locale or user.locale
    return {key: value for key, value in values.items() if value is not None and key not in spec.omit}


def _custom(info: PlatformInfo, spec: LaunchSpec) -> dict[str, str]:
    custom = dict(spec.registration.custom)
    if spec.resource_link:
        custom.update(spec.resource_link.custom)
    custom.update(spec.custom)
    if info.flavor == "canvas" and spec.course is not None:
        # Canvas variable substitutions a tool typically configures ($Canvas.course.id, ...).
        custom.setdefault("canvas_course_id", str(spec.course.id))
        custom.setdefault("canvas_user_id", spec.user.sub if spec.user.sub.isdigit() else "0")
        custom.setdefault("canvas_user_login_id", spec.user.login or "")
        if spec.lineitem_url and spec.resource_link and spec.resource_link.line_item_id is not None:
            custom.setdefault("canvas_assignment_id", str(spec.resource_link.line_item_id))
    return custom


def _services(spec: LaunchSpec) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    scopes = [scope for scope in AGS_SCOPES if scope in spec.registration.scopes]
    if spec.lineitems_url and scopes:
        ags: dict[str, Any] = {"scope": scopes, "lineitems": spec.lineitems_url}
        if spec.lineitem_url:
            ags["lineitem"] = spec.lineitem_url
        claims[CLAIM_AGS] = ags
    if spec.memberships_url and LTI_SCOPE_NRPS in spec.registration.scopes:
        claims[CLAIM_NRPS] = {"context_memberships_url": spec.memberships_url, "service_versions": ["2.0"]}
    return claims


def _flavor_claims(info: PlatformInfo, spec: LaunchSpec) -> dict[str, Any]:
    user, course = spec.user, spec.course
    if info.flavor == "moodle":
        return {
            CLAIM_LIS: {
                "person_sourcedid": user.sourcedid or "",
                "course_section_sourcedid": (course.sourcedid or "") if course else "",
            },
            CLAIM_MOODLE_EXT: {"user_username": user.login or "", "lms": "moodle-2"},
            CLAIM_TOOL_PLATFORM: {
                "product_family_code": "moodle",
                "version": info.version,
                "guid": info.guid,
                "name": info.name,
                "description": info.name,
            },
        }
    claims: dict[str, Any] = {
        CLAIM_LIS: {
            "person_sourcedid": user.sourcedid,
            "course_offering_sourcedid": course.sourcedid if course else None,
        },
        CLAIM_TOOL_PLATFORM: {
            "guid": info.guid,
            "name": info.name,
            "version": info.version,
            "product_family_code": "canvas",
            "https://canvas.instructure.com/lti/account_name": "Dev Account",
            "https://canvas.instructure.com/lti/account_lti_guid": info.guid,
        },
        CLAIM_CANVAS_PLACEMENT: spec.placement,
        "errors": {"errors": {}},
    }
    if user.lti11_user_id:
        claims[CLAIM_LTI11_LEGACY_USER_ID] = user.lti11_user_id
        claims[CLAIM_LTI1P1] = {"user_id": user.lti11_user_id}
    return claims


def build_launch_claims(
    info: PlatformInfo, spec: LaunchSpec, *, nonce: str, now: int, lifetime: int
) -> dict[str, Any]:
    reg = spec.registration
    exp = now + lifetime
    claims: dict[str, Any] = {
        "iss": info.issuer,
        "aud": reg.client_id,
        "azp": reg.client_id,
        "sub": spec.user.sub,
        "iat": now,
        "exp": exp,
        "nonce": nonce,
        CLAIM_MESSAGE_TYPE: spec.message_type,
        CLAIM_VERSION: "1.3.0",
        CLAIM_DEPLOYMENT_ID: spec.deployment_id,
        CLAIM_TARGET_LINK_URI: spec.target_link_uri,
        CLAIM_ROLES: spec.roles,
        CLAIM_LAUNCH_PRESENTATION: {
            "locale": spec.locale or spec.user.locale,
            "document_target": spec.document_target,
            **({"return_url": spec.return_url} if spec.return_url else {}),
            **({"width": 800, "height": 600} if info.flavor == "canvas" else {}),
        },
        CLAIM_CUSTOM: _custom(info, spec),
    }
    claims.update(_pii(info, spec))
    if spec.course is not None:
        claims[CLAIM_CONTEXT] = {
            "id": str(spec.course.id),
            "label": spec.course.label,
            "title": spec.course.title,
            "type": [COURSE_OFFERING],
        }
    if spec.resource_link is not None and spec.message_type != "LtiDeepLinkingRequest":
        claims[CLAIM_RESOURCE_LINK] = {
            "id": spec.resource_link.id,
            "title": spec.resource_link.title,
            "description": spec.resource_link.description,
        }
    if spec.deep_linking is not None and spec.deep_link_return_url:
        claims[CLAIM_DL_SETTINGS] = spec.deep_linking.claim(spec.deep_link_return_url)
    claims.update(_services(spec))
    claims.update(_flavor_claims(info, spec))
    if spec.lti1p1:
        if not (reg.lti11_consumer_key and reg.lti11_secret):
            raise ValueError("lti1p1=True needs lti11_consumer_key and lti11_secret on the registration")
        migration = dict(claims.get(CLAIM_LTI1P1, {}))
        migration.update(
            user_id=spec.user.lti11_user_id,
            oauth_consumer_key=reg.lti11_consumer_key,
            oauth_consumer_key_sign=lti1p1_signature(
                key=reg.lti11_consumer_key,
                secret=reg.lti11_secret,
                deployment_id=spec.deployment_id,
                iss=info.issuer,
                client_id=reg.client_id,
                exp=exp,
                nonce=nonce,
            ),
        )
        if spec.resource_link is not None:
            migration.setdefault("resource_link_id", spec.resource_link.id)
        claims[CLAIM_LTI1P1] = migration
    claims.update(spec.extra_claims)
    return claims
