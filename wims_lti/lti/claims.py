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


# The database columns of LTI ids hold 500 characters (the spec allows 255; some platforms send more).
ID_MAX_LENGTH = 500
_ID_DIGEST_CHARS = 64


def _str(value: Any) -> str:
    """A claim's text, or "" when the claim is not a string. NUL bytes (PostgreSQL refuses them) are
    dropped and lone surrogates (JSON allows `\\ud800`, UTF-8 does not) replaced."""
    if not isinstance(value, str):
        return ""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value.strip()


def _id(value: Any) -> str:
    """An LTI id (sub, context, resource link, deployment): the platform's text when it fits the
    database, else a stable stand-in (its readable start and a SHA-256 of the whole id): an id with NUL
    bytes or longer than ID_MAX_LENGTH always maps to the same row, and two such ids never to one."""
    if isinstance(value, int) and not isinstance(value, bool):  # a platform sending numbers
        value = str(value)
    if not isinstance(value, str):
        return ""
    value = value.strip()
    clean = _str(value)
    if clean == value and len(value) <= ID_MAX_LENGTH:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{clean[: ID_MAX_LENGTH - _ID_DIGEST_CHARS - 1]}~{digest}"


def _mapping(value: Any) -> Mapping[str, Any]:
    """A claim that must be a JSON object: `{}` when the platform sent anything else."""
    return value if isinstance(value, Mapping) else {}


def _ags(value: Any) -> Mapping[str, Any] | None:
    """The AGS endpoint claim with the types the bridge relies on (scope: strings; URLs: strings)."""
    if not isinstance(value, Mapping) or not value:
        return None
    scope = value.get("scope")
    return {
        **{k: v for k, v in value.items() if k not in ("scope", "lineitem", "lineitems")},
        "scope": [s for s in scope if isinstance(s, str)] if isinstance(scope, list) else [],
        "lineitem": _str(value.get("lineitem")),
        "lineitems": _str(value.get("lineitems")),
    }


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
        """The claims, typed: a claim of the wrong type (a context that is a list, a number for a
        name...) reads as absent, never as an exception; texts lose NUL bytes, ids fit the database."""
        body = _mapping(body)
        aud = body.get("aud")
        client_id = _str(aud[0]) if isinstance(aud, list) and aud else _str(aud)
        if isinstance(aud, list) and len(aud) > 1 and body.get("azp"):
            client_id = _str(body.get("azp"))
        context = _mapping(body.get(LTI + "context"))
        link = _mapping(body.get(LTI + "resource_link"))
        platform = _mapping(body.get(LTI + "tool_platform"))
        presentation = _mapping(body.get(LTI + "launch_presentation"))
        custom = _mapping(body.get(LTI + "custom"))
        nrps = _mapping(body.get(NRPS))
        roles = body.get(LTI + "roles")
        lti1p1 = _mapping(body.get(LTI + "lti1p1"))
        return cls(
            issuer=_str(body.get("iss")),
            client_id=client_id,
            deployment_id=_id(body.get(LTI + "deployment_id")),
            message_type=_str(body.get(LTI + "message_type")),
            sub=_id(body.get("sub")),
            roles=tuple(_str(r) for r in roles if isinstance(r, str)) if isinstance(roles, list) else (),
            given_name=_str(body.get("given_name")),
            family_name=_str(body.get("family_name")),
            name=_str(body.get("name")),
            email=_str(body.get("email")),
            locale=_str(presentation.get("locale")) or _str(body.get("locale")),
            context_id=_id(context.get("id")),
            context_title=_str(context.get("title")),
            context_label=_str(context.get("label")),
            resource_link_id=_id(link.get("id")),
            resource_link_title=_str(link.get("title")),
            custom={_str(str(k)): _str(v if isinstance(v, str) else str(v)) for k, v in custom.items()},
            ags=_ags(body.get(AGS_ENDPOINT)),
            nrps_url=_str(nrps.get("context_memberships_url")),
            lti1p1=lti1p1 or None,
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
