"""API tokens of the admin JSON API: issued once (the clear token is shown a single time), stored hashed.

A token reads `wl_<prefix>_<secret>`: the prefix identifies it in the admin and in logs, the whole
string is hashed with SHA-256 (a random 256-bit secret needs no slow hash) and looked up by hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from wims_lti.models import ApiToken

SCOPES = tuple(choice.value for choice in ApiToken.Scope)
TOKEN_START = "wl_"  # noqa: S105 (a fixed prefix, not a secret)
# last_used_at is written at most once per this many seconds per token (no write per request).
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


@sensitive_variables("raw")
def api_token_hash(*, raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@sensitive_variables("raw")
def api_token_create(
    *,
    name: str,
    scopes: list[str],
    owner: User | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its clear value (to show once: only its hash is kept)."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    ordered = [s for s in SCOPES if s in scopes]
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        raw = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    name=name,
                    prefix=prefix,
                    key_hash=api_token_hash(raw=raw),
                    scopes=ordered,
                    owner=owner,
                    expires_at=expires_at,
                )
        except IntegrityError:  # prefix collision (1 in 4 billion): draw again
            continue
        return token, raw
    raise RuntimeError("could not draw a unique token prefix")


@sensitive_variables("raw")
def api_token_authenticate(*, raw: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The active, unexpired token `raw` is, or None; records its use (at most once a minute)."""
    if not raw.startswith(TOKEN_START) or len(raw) > 200:
        return None
    token = ApiToken.objects.filter(key_hash=api_token_hash(raw=raw)).first()
    if token is None or not token.is_active:
        return None
    now = now or timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_has_scope(*, token: ApiToken, scope: str) -> bool:
    return scope in (token.scopes or [])
