"""Calling LTI Advantage services (AGS, NRPS): access tokens and one robust HTTP request.

Access tokens (OAuth2 client credentials with a JWT client assertion signed by the tool key) are cached
in Redis (the Django cache) until `expires_in - TOKEN_MARGIN` seconds, keyed on the registration and the
sorted scopes, and fetched under a Redis lock so that many workers starting together ask once. On a 401
from a service the token is dropped, a new one fetched once, and the call retried once.

Retries (`ServiceSession.request`): 429, 5xx, Canvas's rate-limit 403 ("403 Forbidden (Rate Limit
Exceeded)", `X-Rate-Limit-Remaining: 0`), connection errors and timeouts are retried with exponential
backoff and full jitter, honouring `Retry-After` (seconds or HTTP date, capped). Other 4xx are final
and returned to the caller, which records them. When retries run out, `ServiceUnavailable` is raised:
the caller's task retries later.

`aud` of the assertion is the registration's audience (its token URL unless an admin set one, e.g.
D2L's). Moodle ignores `aud` and grants the intersection of the scopes; Canvas wants every requested
scope enabled on the developer key (400 invalid_scope): then a smaller set is tried.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables

from wims_lti.models import Platform
from wims_lti.services.keys import signing_key
from wims_lti.services.locks import LockTimeout, redis_lock

from .http import TimeoutSession

logger = logging.getLogger(__name__)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
# One token for a whole grade sync (scores, line items, results, roster); smaller sets if refused.
SCOPE_SETS: tuple[tuple[str, ...], ...] = (
    (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE, SCOPE_NRPS),
    (SCOPE_LINEITEM_READONLY, SCOPE_RESULT_READONLY, SCOPE_SCORE, SCOPE_NRPS),
    (SCOPE_SCORE,),
)
TOKEN_MARGIN = 60  # seconds before expiry when a cached token is no longer used
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

Gate = Callable[[], AbstractContextManager[Any]]


def _no_gate() -> AbstractContextManager[Any]:
    return contextlib.nullcontext()


class ServiceError(Exception):
    """A service call could not be completed."""


class ServiceUnavailable(ServiceError):
    """Retries exhausted (5xx, 429, rate limit, network): try the whole operation again later."""


class TokenRefused(ServiceError):
    """The token endpoint refused the tool (bad key, unknown client, scopes): an admin must act."""


def is_rate_limited(response: requests.Response) -> bool:
    """Canvas throttles with 403 (and says so in the body and in X-Rate-Limit-Remaining)."""
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    remaining = response.headers.get("X-Rate-Limit-Remaining", "").strip()
    with contextlib.suppress(ValueError):
        if remaining and float(remaining) <= 0:
            return True
    return "rate limit exceeded" in response.text[:500].lower()


def is_retryable(response: requests.Response) -> bool:
    return response.status_code >= 500 or is_rate_limited(response)


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - (now if now is not None else time.time()))
    return None


def backoff_delay(attempt: int, *, base: float, cap: float, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter; `Retry-After` wins when longer (still capped)."""
    delay = random.uniform(0, min(cap, base * (2**attempt)))
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, cap)


@dataclass
class RetryPolicy:
    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        return cls(
            attempts=settings.GRADE_HTTP_ATTEMPTS,
            base=settings.GRADE_HTTP_BACKOFF,
            cap=settings.GRADE_HTTP_BACKOFF_CAP,
        )


def _send_with_retries(
    send: Callable[[], requests.Response], policy: RetryPolicy, what: str
) -> requests.Response:
    last: str = ""
    for attempt in range(policy.attempts):
        retry_after: float | None = None
        try:
            response = send()
        except (requests.ConnectionError, requests.Timeout) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if not is_retryable(response):
                return response
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            last = f"HTTP {response.status_code}"
        if attempt + 1 < policy.attempts:
            delay = backoff_delay(attempt, base=policy.base, cap=policy.cap, retry_after=retry_after)
            logger.warning("%s failed (%s), retry %d in %.2fs", what, last, attempt + 1, delay)
            policy.sleep(delay)
    raise ServiceUnavailable(f"{what}: {last} after {policy.attempts} attempts")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:20]


@dataclass
class TokenProvider:
    """Access tokens of one platform registration, cached in Redis."""

    platform: Platform
    session: requests.Session
    gate: Gate = _no_gate
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    fetched: int = 0  # token requests made by this provider (benchmarks, tests)
    _scopes: tuple[str, ...] | None = None

    def _key(self, scopes: Sequence[str]) -> str:
        p = self.platform
        registration = _digest(p.issuer, p.client_id, p.auth_token_url)
        return f"lti:token:{registration}:{_digest(*sorted(scopes))}"

    def _cached(self, key: str) -> dict[str, Any] | None:
        try:
            value = cache.get(key)
        except Exception as exc:  # Redis down: work without the cache rather than not at all
            logger.warning("token cache unavailable: %s", exc)
            return None
        return value if isinstance(value, dict) else None

    def token(self) -> tuple[str, frozenset[str]]:
        """A valid access token and the scopes it was granted."""
        for scopes in (self._scopes,) if self._scopes else SCOPE_SETS:
            key = self._key(scopes)
            found = self._cached(key)
            if found:
                self._scopes = scopes
                return found["access_token"], frozenset(found["scopes"])
            with self._fetch_lock(key):
                found = self._cached(key)
                if found:
                    self._scopes = scopes
                    return found["access_token"], frozenset(found["scopes"])
                data = self._request(scopes)
                if data is None:  # invalid_scope: try a smaller set
                    continue
                self._scopes = scopes
                granted = str(data.get("scope") or " ".join(scopes)).split()
                access_token = str(data["access_token"])
                ttl = int(data.get("expires_in") or 3600) - TOKEN_MARGIN
                if ttl > 0:
                    with contextlib.suppress(Exception):
                        cache.set(key, {"access_token": access_token, "scopes": granted}, timeout=ttl)
                return access_token, frozenset(granted)
        raise TokenRefused(f"{self.platform}: no scope set was granted")

    def invalidate(self) -> None:
        if self._scopes:
            with contextlib.suppress(Exception):
                cache.delete(self._key(self._scopes))

    @contextlib.contextmanager
    def _fetch_lock(self, key: str) -> Iterator[None]:
        try:
            with redis_lock(f"fetch:{key}", timeout=60, wait=30):
                yield
                return
        except (LockTimeout, OSError) as exc:
            logger.warning("token lock unavailable (%s): fetching without it", exc)
        except Exception as exc:
            if type(exc).__module__.startswith("redis"):
                logger.warning("token lock unavailable (%s): fetching without it", exc)
            else:
                raise
        yield

    @sensitive_variables("key")
    def assertion(self) -> str:
        p = self.platform
        key = signing_key()
        now = int(time.time())
        claims = {
            "iss": p.client_id,
            "sub": p.client_id,
            "aud": p.auth_audience or p.auth_token_url,
            "iat": now - 5,
            "exp": now + 120,
            "jti": f"wims-lti-{uuid.uuid4()}",
        }
        return jwt.encode(claims, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid})

    def _request(self, scopes: Sequence[str]) -> Mapping[str, Any] | None:
        def send() -> requests.Response:
            form = {
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion(),  # fresh jti on every attempt
                "scope": " ".join(scopes),
            }
            with self.gate():
                self.fetched += 1
                return self.session.post(self.platform.auth_token_url, data=form)

        response = _send_with_retries(send, self.policy, f"token request to {self.platform.auth_token_url}")
        if response.status_code == 200:
            data = response.json()
            if isinstance(data, dict) and data.get("access_token"):
                return data
            raise TokenRefused(f"token endpoint answered without a token: {response.text[:200]}")
        error = ""
        with contextlib.suppress(ValueError, AttributeError):
            error = str(response.json().get("error", ""))
        if response.status_code == 400 and error == "invalid_scope":
            logger.info("scopes %s refused by %s; trying fewer", scopes, self.platform)
            return None
        raise TokenRefused(f"token endpoint answered HTTP {response.status_code}: {response.text[:300]}")


@dataclass
class ServiceSession:
    """Authenticated requests to one platform's services, within the platform's concurrency gate."""

    tokens: TokenProvider
    gate: Gate = _no_gate
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    requests_sent: int = 0

    @classmethod
    def for_platform(cls, platform: Platform, *, gate: Gate = _no_gate) -> ServiceSession:
        session = TimeoutSession()
        policy = RetryPolicy.from_settings()
        return cls(TokenProvider(platform, session, gate, policy), gate, policy)

    @property
    def http(self) -> requests.Session:
        return self.tokens.session

    def granted(self) -> frozenset[str]:
        return self.tokens.token()[1]

    def request(
        self,
        method: str,
        url: str,
        *,
        accept: str | None = None,
        content_type: str | None = None,
        body: bytes | None = None,
    ) -> requests.Response:
        """One service call: retried on transient failures, a 401 refetches the token once."""
        for refreshed in (False, True):
            token, _granted = self.tokens.token()
            headers = {"Authorization": f"Bearer {token}"}
            if accept:
                headers["Accept"] = accept
            if content_type:
                headers["Content-Type"] = content_type  # exact: Moodle routes on it

            def send(headers: dict[str, str] = headers) -> requests.Response:
                with self.gate():
                    self.requests_sent += 1
                    return self.http.request(method, url, headers=headers, data=body)

            response = _send_with_retries(send, self.policy, f"{method} {url}")
            if response.status_code != 401 or refreshed:
                return response
            logger.info("401 from %s: dropping the cached token and fetching a new one", url)
            self.tokens.invalidate()
            self.tokens._scopes = None
        raise AssertionError("unreachable")
