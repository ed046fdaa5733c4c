"""Typed view of a validated LTI 1.3 launch (id_token claims)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .roles import is_course_staff, may_select_content

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

SUPPORTED_LANGS = ("fr", "en")


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class LaunchClaims:
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    sub: str
    roles: tuple[str, ...]
    given_name: str = ""
    family_name: str = ""
    name: str = ""
    email: str = ""
    locale: str = ""
    context_id: str = ""
    context_title: str = ""
    context_label: str = ""
    resource_link_id: str = ""
    resource_link_title: str = ""
    custom: Mapping[str, str] = field(default_factory=dict)
    ags: Mapping[str, Any] | None = None
    nrps_url: str = ""
    lti1p1: Mapping[str, Any] | None = None
    platform_name: str = ""
    product_family: str = ""
    # The registration's choice: do sub-roles of staff roles (Instructor#TeachingAssistant) count as staff?
    staff_subroles: bool = True

    @classmethod
    def from_jwt_body(cls, body: Mapping[str, Any]) -> LaunchClaims:
        aud = body.get("aud")
        client_id = aud[0] if isinstance(aud, list) and aud else _str(aud)
        if isinstance(aud, list) and len(aud) > 1 and body.get("azp"):
            client_id = _str(body.get("azp"))
        context = body.get(LTI + "context") or {}
        link = body.get(LTI + "resource_link") or {}
        platform = body.get(LTI + "tool_platform") or {}
        presentation = body.get(LTI + "launch_presentation") or {}
        custom = body.get(LTI + "custom") or {}
        nrps = body.get(NRPS) or {}
        return cls(
            issuer=_str(body.get("iss")),
            client_id=client_id,
            deployment_id=_str(body.get(LTI + "deployment_id")),
            message_type=_str(body.get(LTI + "message_type")),
            sub=_str(body.get("sub")),
            roles=tuple(r for r in body.get(LTI + "roles") or [] if isinstance(r, str)),
            given_name=_str(body.get("given_name")),
            family_name=_str(body.get("family_name")),
            name=_str(body.get("name")),
            email=_str(body.get("email")),
            locale=_str(presentation.get("locale")) or _str(body.get("locale")),
            context_id=_str(context.get("id")),
            context_title=_str(context.get("title")),
            context_label=_str(context.get("label")),
            resource_link_id=_str(link.get("id")),
            resource_link_title=_str(link.get("title")),
            custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, Mapping) else {},
            ags=body.get(AGS_ENDPOINT) or None,
            nrps_url=_str(nrps.get("context_memberships_url")),
            lti1p1=body.get(LTI + "lti1p1") or None,
            platform_name=_str(platform.get("name")),
            product_family=_str(platform.get("product_family_code")),
        )

    @property
    def is_staff(self) -> bool:
        return is_course_staff(self.roles, subroles=self.staff_subroles)

    @property
    def may_select_content(self) -> bool:
        """May pick activities in a deep-linking request (course staff, or institution/system
        Instructor or Administrator without a context role)."""
        return may_select_content(self.roles, subroles=self.staff_subroles)

    @property
    def lang(self) -> str:
        """fr or en, from the launch locale (`fr`, `fr-FR`, `fr_CA`, ...); English otherwise."""
        code = self.locale.replace("_", "-").split("-")[0].lower()
        return code if code in SUPPORTED_LANGS else "en"

    def person_names(self) -> tuple[str, str]:
        """(first, last) for WIMS, which needs both; placeholders when the LMS hides them."""
        first, last = self.given_name, self.family_name
        if (not first or not last) and self.name:
            parts = self.name.split(None, 1)
            first = first or parts[0]
            last = last or (parts[1] if len(parts) > 1 else "")
        if not first and not last:
            tag = hashlib.sha256(self.sub.encode()).hexdigest()[:6].upper()
            return ("Anonymous", f"User {tag}")
        return (first or "-", last or "-")

    def bound_activity(self) -> tuple[str, int] | None:
        """("sheet" | "exam", number) from the custom parameters `sheet=N` / `exam=N`."""
        for kind in ("sheet", "exam"):
            raw = (self.custom.get(kind) or "").strip()
            if raw.isdigit() and int(raw) > 0:
                return kind, int(raw)
        return None
