"""The tool's public keys as the platform knows them: a keyset URL (fetched, cached) or a static JWKS."""

from __future__ import annotations

import threading
from typing import Any

import jwt
import requests


class ToolKeyError(Exception):
    """The tool's JWT cannot be verified (unknown key, bad signature, unreachable keyset)."""


class ToolKeySet:
    """Moodle-like keyset handling: cached, refetched once when the JWT's `kid` is unknown."""

    def __init__(
        self, url: str | None = None, jwks: dict[str, Any] | None = None, timeout: float = 5.0
    ) -> None:
        if not url and not jwks:
            raise ValueError("a tool needs a keyset URL or a static JWKS")
        self.url = url
        self.timeout = timeout
        self.fetch_count = 0
        self._lock = threading.Lock()
        self._jwks: dict[str, Any] | None = jwks

    def _fetch(self) -> dict[str, Any]:
        assert self.url is not None
        try:
            response = requests.get(self.url, timeout=self.timeout, headers={"Accept": "application/json"})
            response.raise_for_status()
            data = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ToolKeyError(f"cannot fetch the tool keyset {self.url}: {exc}") from exc
        with self._lock:
            self.fetch_count += 1
            self._jwks = data
        return data

    def _cached(self) -> dict[str, Any] | None:
        with self._lock:
            return self._jwks

    @staticmethod
    def _pick(jwks: dict[str, Any], kid: str | None) -> list[dict[str, Any]]:
        keys = [key for key in jwks.get("keys", []) if isinstance(key, dict)]
        return keys if kid is None else [key for key in keys if key.get("kid") == kid]

    def candidates(self, kid: str | None) -> list[dict[str, Any]]:
        jwks = self._cached()
        if jwks is None or (self.url and not self._pick(jwks, kid)):
            jwks = self._fetch() if self.url else jwks
        found = self._pick(jwks or {}, kid)
        if not found:
            raise ToolKeyError(f"no tool key with kid {kid!r}")
        return found

    def verify(self, token: str) -> dict[str, Any]:
        """Check the RS256 signature only; callers check the claims with their platform's rules."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise ToolKeyError(f"malformed JWT: {exc}") from exc
        if header.get("alg") != "RS256":
            raise ToolKeyError(f"unsupported alg {header.get('alg')!r}")
        last_error: Exception | None = None
        for jwk in self.candidates(header.get("kid")):
            try:
                key = jwt.PyJWK(jwk, algorithm="RS256").key
                return jwt.decode(
                    token,
                    key,
                    algorithms=["RS256"],
                    options={
                        "verify_aud": False,
                        "verify_exp": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                    },
                )
            except jwt.PyJWTError as exc:
                last_error = exc
        raise ToolKeyError(f"JWT signature invalid: {last_error}")
