"""The OIDC authorization endpoint: checks the tool's auth request and answers with the id_token form."""

from __future__ import annotations

import html
import time
from typing import TYPE_CHECKING

from .claims import build_launch_claims
from .http import Request, Response, html_response
from .launch import IssuedIdToken, apply_claim_defects, sign_with_defects

if TYPE_CHECKING:
    from .platform import DevPlatform


class AuthRequestError(Exception):
    pass


def auto_submit_form(action: str, fields: dict[str, str], form_id: str = "lti_launch") -> str:
    inputs = "\n".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    return (
        "<!DOCTYPE html><html><head><title>Launching…</title></head><body>"
        f'<form id="{form_id}" action="{html.escape(action)}" method="post">\n{inputs}\n'
        '<noscript><button type="submit">Continue</button></noscript></form>'
        f"<script>document.getElementById('{form_id}').submit();</script></body></html>"
    )


def error_page(status: int, reason: str) -> Response:
    return html_response(
        status,
        "<!DOCTYPE html><html><head><title>Invalid request</title></head><body>"
        f'<h1>Invalid request</h1><p class="error">{html.escape(reason)}</p></body></html>',
    )


_EXPECTED = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none"}


def handle_authorization(platform: DevPlatform, request: Request) -> Response:
    params = request.params()
    try:
        for name, expected in _EXPECTED.items():
            if params.get(name) != expected:
                raise AuthRequestError(f"{name} must be {expected!r} (got {params.get(name)!r})")
        client_id = params.get("client_id", "")
        registration = platform.registration(client_id)
        if registration is None:
            raise AuthRequestError(f"unknown client_id {client_id!r}")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in registration.redirect_uris:
            raise AuthRequestError(f"redirect_uri {redirect_uri!r} is not registered for this tool")
        for name in ("nonce", "state", "login_hint", "lti_message_hint"):
            if not params.get(name):
                raise AuthRequestError(f"{name} is missing")
        pending = platform.take_pending_launch(params["lti_message_hint"], params["login_hint"], client_id)
    except AuthRequestError as exc:
        platform.auth_errors.append(str(exc))
        return error_page(400, str(exc))

    now = int(time.time())
    claims = build_launch_claims(
        platform.info, pending.spec, nonce=params["nonce"], now=now, lifetime=platform.id_token_lifetime
    )
    claims = apply_claim_defects(claims, pending.defects, now)
    token = sign_with_defects(claims, platform.keys, pending.defects)
    platform.record_id_token(IssuedIdToken(token, claims, redirect_uri, params["state"]))
    fields = {"id_token": token, "state": params["state"]}
    if platform.flavor == "canvas":
        fields["lti_storage_target"] = "_parent"
    return html_response(200, auto_submit_form(redirect_uri, fields))
