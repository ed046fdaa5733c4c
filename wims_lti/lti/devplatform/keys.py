"""RSA keys: the platform's signing keys (with rotation) and the JWKS documents built from them."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey = field(repr=False)

    @classmethod
    def generate(cls, kid: str | None = None, bits: int = 2048) -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return cls(kid or "devplatform-" + secrets.token_hex(6), key)

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, alg="RS256", use="sig")
        return jwk

    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        return jwt.encode(
            claims, self.private_key, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )


class KeyRing:
    """The platform's keys: the newest signs, all of them stay published (like a rotation window)."""

    def __init__(self, first: SigningKey | None = None) -> None:
        self._lock = threading.Lock()
        self._keys: list[SigningKey] = [first or SigningKey.generate()]

    @property
    def current(self) -> SigningKey:
        with self._lock:
            return self._keys[-1]

    def rotate(self, new: SigningKey | None = None) -> SigningKey:
        key = new or SigningKey.generate()
        with self._lock:
            self._keys.append(key)
        return key

    def retire(self, kid: str) -> None:
        """Stop publishing a key (the end of a rotation window)."""
        with self._lock:
            remaining = [key for key in self._keys if key.kid != kid]
            if not remaining:
                raise ValueError("cannot retire the last key")
            self._keys = remaining

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {"keys": [key.public_jwk() for key in self._keys]}
