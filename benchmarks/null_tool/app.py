"""A null LTI 1.3 tool: only the work no LTI 1.3 tool in front of WIMS can skip. A plain WSGI app.

    gunicorn benchmarks.null_tool.app:application --config docker/gunicorn.conf.py
    NULL_TOOL_CONFIG=/path/to/config.json (written by benchmarks/launch_vs_null.py)

It is the floor `launch_vs_null.py` measures the bridge against, served by the same server (gunicorn,
same worker and thread model). Per launch it does:

- login initiation (`/<client_id>/login/`): checks issuer and client_id, stores a fresh state → nonce in
  Redis (1 round trip, with a TTL), sets the state cookie and redirects to the platform's auth endpoint;
- launch (`/<client_id>/launch/`): state cookie == state form field; RS256 check of the id_token with
  the platform's JWKS cached in the process (fetched once per key id); iss, aud, exp/iat (leeway),
  LTI version, message type and deployment checked; then ONE Redis round trip (pipeline): take the state
  (GETDEL, its nonce must be the token's), consume the nonce (SET NX with a TTL: a replay fails) and look
  up the user's WIMS login; then one adm/raw `authuser` and a 302 to the returned `home_url`. A first
  launch first does `adduser` (2 adm/raw calls, the bridge's budget) and records the login (1 more
  Redis round trip). Staff (Instructor, Administrator...) get a small landing page and no WIMS call,
  like the bridge's teacher pages.

Anything wrong gets a 400 (403 for an unknown deployment) with a one-line reason; nothing is logged.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import jwt
import redis
from unidecode import unidecode

from .wims import AdmRaw, AdmRawError

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
STATE_TTL = 600
LEEWAY = 45
STAFF = ("#Instructor", "#Administrator", "#ContentDeveloper", "#TeachingAssistant")
COOKIE_PREFIX = "nt-state-"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Refused(Exception):
    def __init__(self, reason: str, status: str = "400 Bad Request") -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Registration:
    client_id: str
    issuer: str
    auth_login_url: str
    jwks_url: str
    deployment_ids: frozenset[str]
    wims: AdmRaw
    qclass: str
    rclass: str


class NullTool:
    def __init__(self, config: dict[str, Any]) -> None:
        self.redis = redis.Redis.from_url(config["redis_url"])
        self.registrations: dict[str, Registration] = {}
        for client_id, reg in config["registrations"].items():
            wims = reg["wims"]
            self.registrations[client_id] = Registration(
                client_id=client_id,
                issuer=reg["issuer"],
                auth_login_url=reg["auth_login_url"],
                jwks_url=reg["jwks_url"],
                deployment_ids=frozenset(reg["deployment_ids"]),
                wims=AdmRaw(wims["url"], wims["ident"], wims["passwd"]),
                qclass=str(wims["qclass"]),
                rclass=wims["rclass"],
            )
        self._keys: dict[tuple[str, str], Any] = {}
        self._keys_lock = threading.Lock()

    # --- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        parts = environ.get("PATH_INFO", "").strip("/").split("/")
        try:
            if len(parts) != 2 or parts[0] not in self.registrations:
                raise Refused("not found", "404 Not Found")
            reg = self.registrations[parts[0]]
            if parts[1] == "login":
                status, headers, body = self.login(reg, environ)
            elif parts[1] == "launch" and environ.get("REQUEST_METHOD") == "POST":
                status, headers, body = self.launch(reg, environ)
            else:
                raise Refused("not found", "404 Not Found")
        except Refused as exc:
            status, headers, body = exc.status, [("Content-Type", "text/plain")], f"{exc}\n".encode()
        headers.append(("Content-Length", str(len(body))))
        headers.append(("Cache-Control", "no-store"))
        start_response(status, headers)
        return [body]

    @staticmethod
    def _form(environ: dict[str, Any]) -> dict[str, str]:
        fields = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            fields.update(parse_qsl(environ["wsgi.input"].read(length).decode("utf-8")))
        return fields

    # --- OIDC login initiation -------------------------------------------------------------------
    def login(self, reg: Registration, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        form = self._form(environ)
        if form.get("iss") != reg.issuer or form.get("client_id", reg.client_id) != reg.client_id:
            raise Refused("unknown issuer or client_id")
        if not form.get("login_hint") or not form.get("target_link_uri"):
            raise Refused("login_hint and target_link_uri are required")
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.redis.set("nt:state:" + state, nonce, ex=STATE_TTL)
        launch_url = f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', '')}/{reg.client_id}/launch/"
        params = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": reg.client_id,
            # The platform checks it against the tool's registered redirect URIs.
            "redirect_uri": launch_url,
            "state": state,
            "nonce": nonce,
            "login_hint": form["login_hint"],
        }
        if form.get("lti_message_hint"):
            params["lti_message_hint"] = form["lti_message_hint"]
        separator = "&" if "?" in reg.auth_login_url else "?"
        cookie = (
            f"{COOKIE_PREFIX}{state}={state}; Max-Age={STATE_TTL}; Path=/; HttpOnly; SameSite=None; Secure"
        )
        return (
            "302 Found",
            [("Location", reg.auth_login_url + separator + urlencode(params)), ("Set-Cookie", cookie)],
            b"",
        )

    # --- launch ----------------------------------------------------------------------------------
    def _public_key(self, reg: Registration, kid: str) -> Any:
        key = self._keys.get((reg.jwks_url, kid))
        if key is not None:
            return key
        with self._keys_lock:
            if (reg.jwks_url, kid) not in self._keys:
                with urllib.request.urlopen(reg.jwks_url, timeout=10) as response:  # noqa: S310 (configured URL)
                    keyset = json.load(response)
                for jwk in keyset.get("keys", []):
                    if jwk.get("kid"):
                        self._keys[(reg.jwks_url, jwk["kid"])] = jwt.PyJWK(jwk, algorithm="RS256").key
        key = self._keys.get((reg.jwks_url, kid))
        if key is None:
            raise Refused("unknown key id")
        return key

    def launch(self, reg: Registration, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        form = self._form(environ)
        state, token = form.get("state", ""), form.get("id_token", "")
        cookies = dict(
            part.strip().split("=", 1) for part in environ.get("HTTP_COOKIE", "").split(";") if "=" in part
        )
        if not state or cookies.get(COOKIE_PREFIX + state) != state:
            raise Refused("state cookie missing or different")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token,
                self._public_key(reg, str(header.get("kid", ""))),
                algorithms=["RS256"],
                audience=reg.client_id,
                issuer=reg.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "sub", "nonce"]},
            )
        except jwt.InvalidTokenError as exc:
            raise Refused(f"invalid id_token: {exc}") from None
        if (
            claims.get(LTI + "version") != "1.3.0"
            or claims.get(LTI + "message_type") != "LtiResourceLinkRequest"
        ):
            raise Refused("not an LTI 1.3 resource link launch")
        if claims.get(LTI + "deployment_id") not in reg.deployment_ids:
            raise Refused("unknown deployment", "403 Forbidden")
        if not (claims.get(LTI + "context") or {}).get("id"):
            raise Refused("no course context")
        sub, nonce = str(claims["sub"]), str(claims["nonce"])
        ttl = max(int(claims["exp"]) - int(time.time()), 0) + LEEWAY + 60
        users = "nt:users:" + reg.client_id
        pipe = self.redis.pipeline(transaction=False)
        pipe.getdel("nt:state:" + state)
        pipe.set("nt:nonce:" + hashlib.sha256(nonce.encode()).hexdigest(), 1, nx=True, ex=ttl)
        pipe.hget(users, sub)
        stored_nonce, fresh_nonce, login = pipe.execute()
        if stored_nonce is None or stored_nonce.decode() != nonce:
            raise Refused("unknown state, or a nonce that is not the one issued")
        if not fresh_nonce:
            raise Refused("replayed nonce")
        roles = claims.get(LTI + "roles") or []
        if any(str(role).endswith(STAFF) for role in roles):
            return "200 OK", [("Content-Type", "text/html; charset=utf-8")], self._staff_page(claims)
        try:
            if login is None:
                login = self._adduser(reg, claims)
                self.redis.hset(users, sub, login)
            quser = login.decode() if isinstance(login, bytes) else login
            auth = reg.wims.call("authuser", qclass=reg.qclass, rclass=reg.rclass, quser=quser)
        except AdmRawError as exc:
            raise Refused(f"WIMS refused: {exc}", "502 Bad Gateway") from None
        return "302 Found", [("Location", str(auth["home_url"]))], b""

    @staticmethod
    def _login_for(reg: Registration, sub: str) -> str:
        digest = hashlib.sha256("\x00".join((reg.issuer, reg.client_id, sub)).encode()).digest()
        return "n" + base64.b32encode(digest).decode("ascii").lower()[:20]

    def _adduser(self, reg: Registration, claims: dict[str, Any]) -> str:
        quser = self._login_for(reg, str(claims["sub"]))

        def name(value: object, default: str) -> str:
            cleaned = "".join(c for c in unidecode(str(value or "")) if c.isalnum() or c in " -'")
            return cleaned.strip()[:60] or default

        data1 = [
            f"firstname={name(claims.get('given_name'), 'Anonymous')}",
            f"lastname={name(claims.get('family_name'), 'Student')}",
            f"password={secrets.token_hex(8)}",
        ]
        if "@" in str(claims.get("email", "")):
            data1.append(f"email={claims['email']}")
        try:
            reg.wims.call(
                "adduser", qclass=reg.qclass, rclass=reg.rclass, quser=quser, data1="\n".join(data1)
            )
        except AdmRawError as exc:
            if "already exists" not in str(exc):
                raise
        return quser

    @staticmethod
    def _staff_page(claims: dict[str, Any]) -> bytes:
        title = html.escape(str((claims.get(LTI + "context") or {}).get("title", "")))
        return (
            "<!DOCTYPE html><html><head><title>WIMS</title></head><body>"
            f"<h1>{title}</h1><p>Teacher landing page of the null tool.</p></body></html>"
        ).encode()


def _load() -> NullTool:
    path = os.environ.get("NULL_TOOL_CONFIG", "")
    if not path:
        raise RuntimeError("NULL_TOOL_CONFIG must name the null tool's JSON configuration file")
    with open(path, encoding="utf-8") as handle:
        return NullTool(json.load(handle))


_tool: NullTool | None = None


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    global _tool
    if _tool is None:
        _tool = _load()
    return _tool(environ, start_response)
