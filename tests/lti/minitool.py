"""A throwaway LTI 1.3 tool on loopback, written independently of the platform, to prove launches work.

It does what any tool does: answers the login initiation with a redirect to the platform's auth URL
(state in a cookie, nonce remembered), verifies the id_token with `jwt.PyJWKClient` against the
platform's JWKS, and answers deep linking requests with a signed LtiDeepLinkingResponse.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
REQUIRED = ("sub", LTI + "version", LTI + "message_type", LTI + "deployment_id", LTI + "roles")


@dataclass
class ToolKey:
    private_pem: str
    public_pem: str
    jwk: dict[str, Any]

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])

    @classmethod
    def generate(cls) -> ToolKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        jwk = json.loads(JWK.from_pem(public_pem.encode()).export_public())
        jwk.update(alg="RS256", use="sig")  # kid = RFC 7638 thumbprint, as pylti1p3 computes it
        return cls(private_pem, public_pem, jwk)

    def sign(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(claims, self.private_pem, algorithm="RS256", headers={"kid": kid or self.kid})


@dataclass
class MiniTool:
    key: ToolKey
    issuer: str = ""
    client_id: str = ""
    auth_login_url: str = ""
    jwks_url: str = ""
    deployment_ids: tuple[str, ...] = ("1",)
    deep_link_items: list[dict[str, Any]] = field(default_factory=list)
    deep_link_overrides: dict[str, Any] = field(default_factory=dict)
    deep_link_signer: ToolKey | None = None  # sign the response with another key, under our kid
    launches: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _nonces: dict[str, str] = field(default_factory=dict)
    _used_nonces: set[str] = field(default_factory=set)
    _server: ThreadingHTTPServer | None = None
    _jwk_client: jwt.PyJWKClient | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def configure(self, *, issuer: str, client_id: str, auth_login_url: str, jwks_url: str) -> None:
        self.issuer, self.client_id, self.auth_login_url, self.jwks_url = (
            issuer,
            client_id,
            auth_login_url,
            jwks_url,
        )
        self._jwk_client = jwt.PyJWKClient(jwks_url, cache_keys=True, cooldown_duration=0)

    # -- what a tool does -----------------------------------------------------------------
    def login(self, params: dict[str, str]) -> tuple[int, dict[str, str], str]:
        if params.get("iss") != self.issuer or params.get("client_id") != self.client_id:
            raise PermissionError("unknown platform")
        state, nonce = "state-" + secrets.token_hex(8), secrets.token_hex(12)
        self._nonces[state] = nonce
        query = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": self.client_id,
            "redirect_uri": self.url + "/launch",
            "state": state,
            "nonce": nonce,
            "login_hint": params.get("login_hint", ""),
            "lti_message_hint": params.get("lti_message_hint", ""),
        }
        headers = {
            "Location": f"{self.auth_login_url}?{urlencode(query)}",
            "Set-Cookie": f"lti_state={state}; Path=/",
        }
        return 302, headers, ""

    def launch(self, form: dict[str, str], cookie_state: str | None) -> tuple[int, dict[str, str], str]:
        state = form.get("state", "")
        if not state or state != cookie_state:
            raise PermissionError("state does not match the cookie")
        assert self._jwk_client is not None
        token = form.get("id_token", "")
        signing_key = self._jwk_client.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["RS256"],
            audience=self.client_id,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "nonce"]},
        )
        expected_nonce = self._nonces.pop(state, None)
        if claims["nonce"] != expected_nonce or claims["nonce"] in self._used_nonces:
            raise PermissionError("nonce mismatch or replay")
        self._used_nonces.add(claims["nonce"])
        for name in REQUIRED:
            if name not in claims:
                raise PermissionError(f"missing claim {name}")
        if claims[LTI + "version"] != "1.3.0":
            raise PermissionError("wrong LTI version")
        if claims[LTI + "deployment_id"] not in self.deployment_ids:
            raise PermissionError("unknown deployment")
        message_type = claims[LTI + "message_type"]
        if message_type not in ("LtiResourceLinkRequest", "LtiDeepLinkingRequest"):
            raise PermissionError(f"unsupported message type {message_type}")
        if message_type == "LtiResourceLinkRequest" and not claims.get(LTI + "resource_link", {}).get("id"):
            raise PermissionError("missing resource link id")
        self.launches.append(claims)
        if message_type == "LtiDeepLinkingRequest":
            return 200, {"Content-Type": "text/html"}, self._deep_link_response(claims)
        return 200, {"Content-Type": "application/json"}, json.dumps({"launched": True, "sub": claims["sub"]})

    def _deep_link_response(self, claims: dict[str, Any]) -> str:
        settings = claims[DL + "deep_linking_settings"]
        message: dict[str, Any] = {
            "iss": self.client_id,
            "aud": [self.issuer],
            "iat": int(time.time()),
            "exp": int(time.time()) + 600,
            "nonce": uuid.uuid4().hex,
            LTI + "deployment_id": claims[LTI + "deployment_id"],
            LTI + "message_type": "LtiDeepLinkingResponse",
            LTI + "version": "1.3.0",
            DL + "content_items": self.deep_link_items,
            DL + "msg": "Added from the mini tool",
        }
        if "data" in settings:
            message[DL + "data"] = settings["data"]
        message.update(self.deep_link_overrides)
        token = (self.deep_link_signer or self.key).sign(message, kid=self.key.kid)
        action = html.escape(settings["deep_link_return_url"])
        return (
            f'<form id="dl" action="{action}" method="post"><input type="hidden" name="JWT" value="{token}">'
            "</form><script>document.getElementById('dl').submit();</script>"
        )

    # -- HTTP plumbing --------------------------------------------------------------------------
    def start(self) -> MiniTool:
        tool = self

        class Handler(BaseHTTPRequestHandler):
            def _respond(self, status: int, headers: dict[str, str], body: str) -> None:
                data = body.encode()
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                params = {k: v[0] for k, v in parse_qs(parts.query).items()}
                params.update({k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()})
                cookie = SimpleCookie(self.headers.get("Cookie", ""))
                try:
                    if parts.path == "/jwks":
                        self._respond(
                            200, {"Content-Type": "application/json"}, json.dumps({"keys": [tool.key.jwk]})
                        )
                    elif parts.path == "/login":
                        self._respond(*tool.login(params))
                    elif parts.path == "/launch":
                        state = cookie["lti_state"].value if "lti_state" in cookie else None
                        self._respond(*tool.launch(params, state))
                    else:
                        self._respond(404, {}, "not found")
                except (PermissionError, jwt.PyJWTError) as exc:
                    tool.errors.append(f"{type(exc).__name__}: {exc}")
                    self._respond(401, {"Content-Type": "text/plain"}, f"{type(exc).__name__}: {exc}")

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
