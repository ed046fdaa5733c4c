"""Pending launches, the login-initiation request, and the knobs that forge defective id_tokens."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .claims import CLAIM_ALIASES, CLAIM_DEPLOYMENT_ID, CLAIM_MESSAGE_TYPE, CLAIM_VERSION, LaunchSpec
from .keys import KeyRing, SigningKey


@dataclass(frozen=True)
class LaunchDefects:
    """What to break in the id_token, so a tool's tests can check it refuses the launch."""

    foreign_key: bool = False  # signed by a key the JWKS does not hold, under the platform's kid
    unknown_kid: bool = False  # header kid that the JWKS does not list
    aud: str | list[str] | None = None
    expired: bool = False  # exp in the past (and iat before it)
    iat_ahead: int = 0  # iat (and exp) moved N seconds into the future
    nonce: str | None = None  # reuse this nonce instead of the tool's
    deployment_id: str | None = None  # e.g. an unknown deployment
    message_type: str | None = None
    version: str | None = None
    drop_claims: tuple[str, ...] = ()  # short names (see claims.CLAIM_ALIASES) or full claim URIs
    tamper: dict[str, Any] | None = None  # changed in the payload after signing
    extra_claims: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LoginInitiation:
    """The third-party login request the LMS makes the browser send to the tool."""

    url: str
    params: dict[str, str]
    method: str = "POST"  # Moodle and Canvas both auto-submit a form

    def get_url(self) -> str:
        separator = "&" if "?" in self.url else "?"
        return self.url + separator + urlencode(self.params)


@dataclass
class PendingLaunch:
    message_hint: str
    login_hint: str
    spec: LaunchSpec
    defects: LaunchDefects
    deep_link_session: str | None = None


@dataclass(frozen=True)
class IssuedIdToken:
    """An id_token the authorization endpoint handed to a browser (claims as signed, before tampering)."""

    token: str
    claims: dict[str, Any]
    redirect_uri: str
    state: str


def apply_claim_defects(claims: dict[str, Any], defects: LaunchDefects, now: int) -> dict[str, Any]:
    claims = dict(claims)
    if defects.aud is not None:
        claims["aud"] = defects.aud
    if defects.expired:
        claims["iat"], claims["exp"] = now - 3600, now - 600
    if defects.iat_ahead:
        claims["iat"] = now + defects.iat_ahead
        claims["exp"] = max(int(claims["exp"]), claims["iat"] + 60)
    if defects.nonce is not None:
        claims["nonce"] = defects.nonce
    if defects.deployment_id is not None:
        claims[CLAIM_DEPLOYMENT_ID] = defects.deployment_id
    if defects.message_type is not None:
        claims[CLAIM_MESSAGE_TYPE] = defects.message_type
    if defects.version is not None:
        claims[CLAIM_VERSION] = defects.version
    claims.update(defects.extra_claims)
    for name in defects.drop_claims:
        claims.pop(CLAIM_ALIASES.get(name, name), None)
    return claims


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def tamper_token(token: str, changes: dict[str, Any]) -> str:
    """Rewrite the payload of a signed JWT and keep the old signature (an on-path attacker)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return ".".join((header, _b64(json.dumps(claims, separators=(",", ":")).encode()), signature))


def sign_with_defects(claims: dict[str, Any], keys: KeyRing, defects: LaunchDefects) -> str:
    key = keys.current
    if defects.foreign_key:
        key = SigningKey.generate(kid=key.kid)
    elif defects.unknown_kid:
        key = SigningKey(kid="unknown-" + key.kid, private_key=key.private_key)
    token = key.sign(claims)
    if defects.tamper:
        token = tamper_token(token, defects.tamper)
    return token
