"""The LTI 1.1 → 1.3 migration claim (`https://purl.imsglobal.org/spec/lti/claim/lti1p1`).

When a course moves from LTI 1.1 to 1.3, the platform may send the user's LTI 1.1 `user_id` with a
signature made with the 1.1 consumer secret: base64(HMAC-SHA256(secret,
"key&deployment_id&iss&client_id&exp&nonce")). Only a claim whose signature verifies with the
consumer secret we know is used to find the user's existing mapping; anything else is ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.views.decorators.debug import sensitive_variables

from .claims import LTI

logger = logging.getLogger(__name__)

MIGRATION_CLAIM = LTI + "lti1p1"


@dataclass(frozen=True)
class Lti11Identity:
    consumer_key: str
    user_id: str
    context_id: str


@sensitive_variables("secret", "digest")
def lti1p1_signature(
    *,
    consumer_key: str,
    secret: str,
    deployment_id: str,
    issuer: str,
    client_id: str,
    exp: int | str,
    nonce: str,
) -> str:
    message = "&".join((consumer_key, deployment_id, issuer, client_id, str(exp), nonce))
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@sensitive_variables("secret", "expected", "sign")
def verified_lti11_identity(
    *, body: Mapping[str, Any], client_id: str, consumer_key: str, secret: str
) -> Lti11Identity | None:
    """The 1.1 identity of a validated launch, when its migration claim is signed with our secret."""
    claim = body.get(MIGRATION_CLAIM)
    if not isinstance(claim, Mapping) or not consumer_key or not secret:
        return None
    user_id = str(claim.get("user_id") or "")
    key = str(claim.get("oauth_consumer_key") or "")
    sign = str(claim.get("oauth_consumer_key_sign") or "")
    if not user_id or not sign or not hmac.compare_digest(key, consumer_key):
        return None
    expected = lti1p1_signature(
        consumer_key=key,
        secret=secret,
        deployment_id=str(body.get(LTI + "deployment_id") or ""),
        issuer=str(body.get("iss") or ""),
        client_id=client_id,
        exp=body.get("exp") or "",
        nonce=str(body.get("nonce") or ""),
    )
    if not hmac.compare_digest(expected, sign):
        logger.warning("LTI 1.1 migration claim with a bad signature (consumer key %s): ignored", key)
        return None
    return Lti11Identity(consumer_key=key, user_id=user_id, context_id=str(claim.get("context_id") or ""))
