"""The tool's signing keys: generation, rotation, the published JWKS and the key that signs now."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from jwcrypto.jwk import JWK

from wims_lti.models import ToolKey


class NoSigningKey(RuntimeError):
    """No active tool key: run `manage.py lti_keys rotate` (twice on a fresh install, or `init`)."""


@sensitive_variables("private", "pem")
def _new_keypair() -> tuple[str, dict[str, str]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = json.loads(JWK.from_pem(public_pem).export_public())  # kid = RFC 7638 thumbprint
    jwk.update({"alg": "RS256", "use": "sig"})
    return pem, jwk


@sensitive_variables("pem")
def toolkey_generate(*, activate: bool = False) -> ToolKey:
    """A new key, published in the JWKS; `activate` makes it sign at once (only for a first key)."""
    pem, jwk = _new_keypair()
    with transaction.atomic():
        key = ToolKey.objects.create(kid=jwk["kid"], private_key_pem=pem, public_jwk=jwk)
        if activate:
            toolkey_activate(key=key)
    return key


def toolkey_activate(*, key: ToolKey) -> ToolKey:
    """Make `key` the signing key; the previous signing key is retired (still published)."""
    now = timezone.now()
    with transaction.atomic():
        ToolKey.objects.select_for_update().filter(status=ToolKey.Status.ACTIVE).exclude(pk=key.pk).update(
            status=ToolKey.Status.RETIRED, retired_at=now
        )
        key.status = ToolKey.Status.ACTIVE
        key.activated_at = now
        key.save(update_fields=["status", "activated_at", "modified"])
    return key


def toolkey_ensure() -> ToolKey:
    """The signing key, creating the very first one when there is none at all (fresh install)."""
    key = ToolKey.objects.filter(status=ToolKey.Status.ACTIVE).first()
    if key is not None:
        return key
    if ToolKey.objects.exists():
        raise NoSigningKey("Tool keys exist but none is active: run `manage.py lti_keys rotate`.")
    return toolkey_generate(activate=True)


def toolkey_rotate() -> dict[str, str | None]:
    """One rotation step: promote the oldest published key (if any) and publish a fresh next key.

    Run it on a schedule longer than the platforms' JWKS cache (a day is plenty): a key always sits in
    the JWKS for one period before it signs.
    """
    with transaction.atomic():
        waiting = ToolKey.objects.filter(status=ToolKey.Status.PUBLISHED).order_by("created").first()
        activated = toolkey_activate(key=waiting).kid if waiting else None
        fresh = toolkey_generate()
    return {"activated": activated, "published": fresh.kid}


def toolkey_remove_retired() -> list[str]:
    kids = list(ToolKey.objects.filter(status=ToolKey.Status.RETIRED).values_list("kid", flat=True))
    ToolKey.objects.filter(kid__in=kids).delete()
    return kids


def tool_jwks() -> dict[str, list[dict[str, str]]]:
    """Every key that is published, signing or retired: platforms verify our JWTs with these."""
    return {"keys": [dict(k.public_jwk) for k in ToolKey.objects.order_by("created")]}


def signing_key() -> ToolKey:
    key = ToolKey.objects.filter(status=ToolKey.Status.ACTIVE).first()
    if key is None:
        raise NoSigningKey("No active tool key: run `manage.py lti_keys init`.")
    return key
