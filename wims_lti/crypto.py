"""Encryption of secrets stored in the database (adm/raw and class passwords, tool private keys).

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`. `FIELD_ENCRYPTION_KEYS` lists the keys: the
first encrypts, all decrypt, so a key can be rotated (add the new key first, re-save, drop the old).
Without it (local and test settings only; production requires it), a key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


class DecryptionError(ValueError):
    """A stored secret could not be decrypted with any configured key."""


@lru_cache(maxsize=8)
@sensitive_variables("keys", "secret_key")
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"wims-lti field encryption\x00" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


@sensitive_variables("plaintext")
def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode("utf-8")).decode("ascii")


@sensitive_variables("token")
def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise DecryptionError("stored secret cannot be decrypted with the configured keys") from exc


def generate_key() -> str:
    """A new key for FIELD_ENCRYPTION_KEYS."""
    return Fernet.generate_key().decode("ascii")
