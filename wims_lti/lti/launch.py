"""LTI 1.3 launch validation: pylti1p3's, hardened where it is weak.

- clock skew: `exp`/`iat`/`nbf` checked with LTI_CLOCK_LEEWAY seconds of leeway;
- replay: each nonce is consumed once, atomically, in the shared cache (`cache.add` on Redis), after the
  signature is verified, with a TTL until the token's `exp`;
- safer order: the registration and the signature are checked before anything else is trusted;
- audience: the registration found from `aud` is the only one the launch may use; a token with several
  audiences must name that registration's client id as `azp`, and any `azp` must be it (1EdTech Security
  Framework §5.1.3), so a token signed for A cannot be resolved to B;
- platform keys: the JWKS is cached in the shared cache and refetched once when the `kid` is unknown
  (platform key rotation);
- every outbound call has a timeout (TimeoutSession);
- a malformed token (header or payload not a JSON object, claims of the wrong type) is a refused launch
  (LtiException), never an exception escaping to a 500.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import jwt
from django.conf import settings
from django.core.cache import cache
from pylti1p3.contrib.django import DjangoCacheDataStorage, DjangoMessageLaunch, DjangoOIDCLogin
from pylti1p3.exception import LtiException

from .http import TimeoutSession

NONCE_USED_PREFIX = "lti:nonce-used:"
LOGIN_RATE_PREFIX = "lti:login-rate:"


def login_rate_exceeded(ip: str | None) -> bool:
    """Count one OIDC login initiation of `ip` in the current window (a fixed window in Redis); True
    when it is over LTI_LOGIN_RATE_LIMIT. Each initiation stores a state, so they must be bounded."""
    limit = settings.LTI_LOGIN_RATE_LIMIT
    if limit <= 0:
        return False
    window = max(1, settings.LTI_LOGIN_RATE_WINDOW)
    key = f"{LOGIN_RATE_PREFIX}{ip or 'unknown'}:{int(time.time()) // window}"
    if cache.add(key, 1, timeout=window + 5):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        return not cache.add(key, 1, timeout=window + 5)


# What a token with claims of unexpected types (or absurd nesting) makes validation code raise.
MALFORMED = (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError)


def jwks_cache_key(key_set_url: str) -> str:
    """The cache key under which pylti1p3 stores a platform's JWKS (no session prefix)."""
    return "lti1p3-key-set-url-" + hashlib.md5(key_set_url.encode()).hexdigest()  # noqa: S324


class ReplayedNonce(LtiException):
    pass


def launch_data_storage() -> DjangoCacheDataStorage:
    return DjangoCacheDataStorage(cache_name="default")


class WimsOIDCLogin(DjangoOIDCLogin):
    """pylti1p3's login; the state and nonce it stores live LTI_OIDC_STATE_TTL seconds (not a day)."""

    def set_launch_data_storage(self, data_storage: Any) -> WimsOIDCLogin:
        super().set_launch_data_storage(data_storage)
        self.set_launch_data_lifetime(settings.LTI_OIDC_STATE_TTL)
        return self


class WimsMessageLaunch(DjangoMessageLaunch):
    def __init__(self, request: Any, tool_config: Any, **kwargs: Any) -> None:
        kwargs.setdefault("launch_data_storage", launch_data_storage())
        kwargs.setdefault("requests_session", TimeoutSession())
        super().__init__(request, tool_config, **kwargs)
        self.set_launch_data_lifetime(settings.LTI_OIDC_STATE_TTL)
        self.set_public_key_caching(launch_data_storage(), cache_lifetime=settings.LTI_JWKS_CACHE_SECONDS)

    def validate(self) -> WimsMessageLaunch:
        if self._restored:
            raise LtiException("A restored launch can't be validated.")
        self._validated = True
        try:
            self.validate_state()
            self.validate_jwt_format()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_nonce()
            self.validate_deployment()
            self.validate_message()
            self.save_launch_data()
        except MALFORMED as exc:
            # pylti1p3's validators trust the claims' types (`.get` on a resource_link that is a list):
            # whatever a malformed token makes them trip on, it is a refused launch, not a server error.
            self._validated = False
            raise LtiException(f"Malformed launch: {type(exc).__name__}: {exc}"[:300]) from exc
        except Exception:
            self._validated = False
            raise
        return self

    def validate_registration(self) -> WimsMessageLaunch:
        super().validate_registration()
        assert self._registration is not None
        client_id = self._registration.get_client_id()
        body = self._get_jwt_body()
        aud, azp = body.get("aud"), body.get("azp")
        audiences = aud if isinstance(aud, list) else [aud]
        if client_id not in audiences:
            raise LtiException("The registration's client id is not an audience of the token.")
        if len(audiences) > 1 and azp is None:
            raise LtiException("A token with several audiences must name its authorized party (azp).")
        if azp is not None and azp != client_id:
            raise LtiException(
                "The token's authorized party (azp) is not the registration that validates it."
            )
        return self

    @property
    def validated_client_id(self) -> str:
        """The client id of the registration that validated the token (the only one it may act for)."""
        assert self._validated and self._registration is not None
        return str(self._registration.get_client_id())

    def validate_jwt_format(self) -> WimsMessageLaunch:
        super().validate_jwt_format()
        if not isinstance(self._jwt.get("header"), dict) or not isinstance(self._jwt.get("body"), dict):
            raise LtiException("Invalid JWT format: the header and the payload must be JSON objects")
        return self

    def validate_jwt_signature(self) -> WimsMessageLaunch:
        public_key, alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[alg],
                options={"verify_aud": False, "require": ["exp", "iat"]},
                leeway=settings.LTI_CLOCK_LEEWAY,
            )
        except jwt.InvalidTokenError as exc:
            raise LtiException(f"Can't decode id_token: {exc}") from exc
        return self

    def validate_nonce(self) -> WimsMessageLaunch:
        super().validate_nonce()  # the nonce was issued by our OIDC login
        body = self._jwt.get("body", {})
        nonce = str(body.get("nonce", ""))
        exp = body.get("exp", 0)
        ttl = max(int(exp) if isinstance(exp, int | float | str) else 0, int(time.time())) - int(time.time())
        ttl += settings.LTI_CLOCK_LEEWAY + 60
        key = NONCE_USED_PREFIX + hashlib.sha256(nonce.encode()).hexdigest()
        if not cache.add(key, 1, timeout=ttl):
            raise ReplayedNonce("This launch was already used (replayed nonce).")
        return self

    def get_public_key(self) -> tuple[str, str]:
        try:
            return super().get_public_key()
        except LtiException as exc:
            if "Unable to find public key" not in str(exc):
                raise
        # Unknown kid: the platform may have rotated its key. Drop the cached JWKS and fetch it once more.
        assert self._registration is not None
        key_set_url = self._registration.get_key_set_url() or ""
        cache.delete(jwks_cache_key(key_set_url))
        self._registration.set_key_set(None)  # type: ignore[arg-type]
        return super().get_public_key()
