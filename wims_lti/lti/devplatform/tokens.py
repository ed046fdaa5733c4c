"""OAuth2 client-credentials endpoint (JWT client assertion) and bearer-token checks for services."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jwt

from .http import Request, Response, canvas_error, json_response, moodle_error
from .tool_keys import ToolKeyError

if TYPE_CHECKING:
    from .platform import DevPlatform

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CANVAS_IAT_MAX_AGE = 300  # oauth2_jwt_iat_ago_in_seconds
CANVAS_IAT_FUTURE = 30  # oauth2_jwt_iat_future_buffer


@dataclass
class AccessToken:
    value: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class TokenRequestRecord:
    client_id: str | None
    scopes: list[str]
    status: int
    error: str | None = None


class _Refused(Exception):
    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(description or error)
        self.status, self.error, self.description = status, error, description


@dataclass
class TokenService:
    platform: DevPlatform
    lifetime: int = 3600
    jti_single_use: bool = True  # stricter than both LMSs (see the module README)
    requests: list[TokenRequestRecord] = field(default_factory=list)
    _tokens: dict[str, AccessToken] = field(default_factory=dict)
    _seen_jti: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def expire_all(self) -> None:
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = 0.0

    # -- token endpoint ---------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        form = request.form() if request.method == "POST" else {}
        scopes = form.get("scope", "").split()
        client_id: str | None = None
        try:
            if request.method != "POST":
                raise _Refused(405, "invalid_request", "POST required")
            client_id, granted = self._grant(form, scopes)
        except _Refused as refused:
            self._record(TokenRequestRecord(client_id, scopes, refused.status, refused.error))
            return self._error(request, refused)
        token = AccessToken(secrets.token_urlsafe(24), client_id, granted, time.time() + self.lifetime)
        with self._lock:
            self._tokens[token.value] = token
        self._record(TokenRequestRecord(client_id, scopes, 200))
        return json_response(
            200,
            {
                "access_token": token.value,
                "token_type": "Bearer",
                "expires_in": self.lifetime,
                "scope": " ".join(sorted(granted)),
            },
        )

    def _record(self, record: TokenRequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _error(self, request: Request, refused: _Refused) -> Response:
        if self.platform.flavor == "moodle" and refused.error == "invalid_assertion":
            return json_response(refused.status, {"error": refused.description})
        error = "invalid_request" if refused.error == "invalid_assertion" else refused.error
        body = {"error": error, **({"error_description": refused.description} if refused.description else {})}
        return json_response(refused.status, body)

    def _grant(self, form: dict[str, str], scopes: list[str]) -> tuple[str, frozenset[str]]:
        if form.get("grant_type") != "client_credentials":
            raise _Refused(400, "unsupported_grant_type")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise _Refused(400, "invalid_request", "client_assertion missing or of the wrong type")
        if not scopes:
            raise _Refused(400, "invalid_request", "scope is required")
        assertion = form["client_assertion"]
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise _Refused(400, "invalid_assertion", f"malformed assertion: {exc}") from exc
        client_id = str(unverified.get("sub", ""))
        registration = self.platform.registration(client_id)
        if registration is None:
            raise _Refused(401, "invalid_client", f"unknown client {client_id!r}")
        try:
            claims = self.platform.tool_keyset(registration).verify(assertion)
        except ToolKeyError as exc:
            raise _Refused(400, "invalid_assertion", str(exc)) from exc
        self._check_claims(claims, client_id)
        allowed = registration.scopes
        if self.platform.flavor == "canvas":
            refused = [scope for scope in scopes if scope not in allowed]
            if refused:
                raise _Refused(
                    400, "invalid_scope", "scopes not enabled on the developer key: " + " ".join(refused)
                )
            return client_id, frozenset(scopes)
        granted = frozenset(scope for scope in scopes if scope in allowed)
        if not granted:
            raise _Refused(400, "invalid_scope")
        return client_id, granted

    def _check_claims(self, claims: dict[str, object], client_id: str) -> None:
        now = time.time()
        canvas = self.platform.flavor == "canvas"
        if claims.get("iss") != client_id:
            raise _Refused(400, "invalid_assertion", "iss must equal the client id")
        for name in ("exp", "iat", "jti") if canvas else ("exp",):
            if claims.get(name) in (None, ""):
                raise _Refused(400, "invalid_assertion", f"{name} is required")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now:
            raise _Refused(400, "invalid_assertion", "the assertion has expired")
        iat = claims.get("iat")
        if iat is not None:
            if not isinstance(iat, int | float):
                raise _Refused(400, "invalid_assertion", "iat must be a number")
            if canvas and (iat < now - CANVAS_IAT_MAX_AGE or iat > now + CANVAS_IAT_FUTURE):
                raise _Refused(400, "invalid_assertion", "iat is too old or too far in the future")
            if not canvas and iat > int(now):  # php-jwt, leeway 0
                raise _Refused(400, "invalid_assertion", "Cannot handle token prior to iat")
        if canvas:
            aud = claims.get("aud")
            token_url = self.platform.auth_token_url
            if not (aud == token_url or (isinstance(aud, list) and token_url in aud)):
                raise _Refused(400, "invalid_assertion", f"aud must be {token_url}")
        jti = claims.get("jti")
        if self.jti_single_use and jti:
            with self._lock:
                self._seen_jti = {key: until for key, until in self._seen_jti.items() if until > now}
                if str(jti) in self._seen_jti:
                    raise _Refused(400, "invalid_assertion", "jti already used")
                self._seen_jti[str(jti)] = float(exp)

    # -- bearer checks ------------------------------------------------------------------------
    def authorize(self, request: Request, scopes: tuple[str, ...]) -> AccessToken | Response:
        """The access token if it is valid and holds one of `scopes`; the 401 answer otherwise."""
        value = request.bearer_token()
        with self._lock:
            token = self._tokens.get(value) if value else None
        if token is None or token.expires_at <= time.time():
            return self._unauthorized(request, "Invalid or expired access token")
        if not set(scopes) & token.scopes:
            return self._unauthorized(request, "Access token lacks the required scope")
        return token

    def _unauthorized(self, request: Request, message: str) -> Response:
        if self.platform.flavor == "moodle":
            return moodle_error(request, 401, message)
        return canvas_error(401, message, "unauthorized")
