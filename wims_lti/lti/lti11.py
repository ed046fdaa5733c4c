"""LTI 1.1: launches signed with OAuth 1.0a (HMAC-SHA1) and Basic Outcomes (`replaceResult` POX XML).

Launch verification (`lti11_verify_launch`), with oauthlib's `SignatureOnlyEndpoint`:
- the tenant is the **consumer key** (`oauth_consumer_key`, covered by the signature) → the Platform
  holding it as `lti11_consumer_key`; unsigned or tenant-like fields (`tool_consumer_instance_guid`) never
  choose it. A signed guid that contradicts the platform's known guid (its `lti11:<guid>` issuer) is
  refused too;
- the signature base string uses the URL the LMS posted to: `request.build_absolute_uri()`, which honours
  `SECURE_PROXY_SSL_HEADER` behind a TLS proxy;
- `oauth_timestamp` within ±`LTI11_TIMESTAMP_WINDOW` seconds;
- each `oauth_nonce` is accepted once per consumer key: consumed with an atomic `cache.add` (Redis) for
  twice the window, *after* the signature is verified (a forged request cannot burn a real nonce).

Outcomes (`replace_result_request`, `parse_outcome_reply`): the POX envelope, signed with the
consumer secret and an `oauth_body_hash` of the XML (oauthlib's `Client`, Authorization header).
"""

from __future__ import annotations

import logging
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import requests
from django.conf import settings
from django.core.cache import cache
from django.views.decorators.debug import sensitive_variables
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_AUTH_HEADER, Client, RequestValidator
from oauthlib.oauth1.rfc5849.endpoints import SignatureOnlyEndpoint

from wims_lti.models import Platform

from .claims import LaunchClaims
from .http import TimeoutSession
from .service_connector import Gate, RetryPolicy, _no_gate, _send_with_retries

logger = logging.getLogger(__name__)

BASIC_LAUNCH = "basic-lti-launch-request"
LTI11_ISSUER_PREFIX = "lti11:"
NONCE_PREFIX = "lti11:nonce:"
POX_NS = "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"
POX_CONTENT_TYPE = "application/xml"
_UNKNOWN_SECRET = "unknown-consumer-" + uuid.uuid4().hex  # dummy secret: constant-time path


class Lti11LaunchRefused(Exception):
    """The launch is not a valid, fresh, signed LTI 1.1 launch (the reason is for the logs only)."""


def lti11_issuer(identifier: str) -> str:
    """Issuer of an LTI 1.1-only platform: `lti11:<LMS guid>` (or `lti11:<consumer key>`)."""
    return LTI11_ISSUER_PREFIX + identifier


def lti11_sub(user_id: str) -> str:
    """The LmsUser.sub of an LTI 1.1 user (its `lti11_user_id` holds the raw `user_id`)."""
    return LTI11_ISSUER_PREFIX + user_id


def platform_for_consumer_key(consumer_key: str) -> Platform | None:
    """The platform of a consumer key: its LTI 1.1 registration (`lti11:` issuer) first, else the only
    active platform holding the key (a 1.3 registration that also takes 1.1 launches)."""
    if not consumer_key:
        return None
    candidates = list(
        Platform.objects.filter(lti11_consumer_key=consumer_key, is_active=True).select_related(
            "default_wims_server"
        )
    )
    legacy = [p for p in candidates if p.issuer.startswith(LTI11_ISSUER_PREFIX)]
    if len(legacy) == 1:
        return legacy[0]
    if not legacy and len(candidates) == 1:
        return candidates[0]
    if candidates:
        logger.error("LTI 1.1 consumer key %s held by %d platforms: refused", consumer_key, len(candidates))
    return None


class _Validator(RequestValidator):
    """oauthlib's questions, answered from the Platform table (no token flow: signature-only)."""

    def __init__(self) -> None:
        super().__init__()
        self.platform: Platform | None = None

    @property
    def allowed_signature_methods(self) -> tuple[str, ...]:
        return (SIGNATURE_HMAC_SHA1,)

    @property
    def enforce_ssl(self) -> bool:
        return False  # the scheme is whatever the LMS signed (build_absolute_uri honours the TLS proxy)

    @property
    def timestamp_lifetime(self) -> int:
        return int(settings.LTI11_TIMESTAMP_WINDOW)

    @property
    def dummy_client(self) -> str:
        return "unknown-consumer"

    def check_client_key(self, client_key: str) -> bool:
        return 0 < len(client_key) <= 255  # LMS keys are free text (Moodle: anything)

    def check_nonce(self, nonce: str) -> bool:
        return 0 < len(nonce) <= 255

    def validate_timestamp_and_nonce(  # type: ignore[override]
        self, client_key: str, timestamp: str, nonce: str, request: Any, **kwargs: Any
    ) -> bool:
        try:
            skew = abs(time.time() - int(timestamp))
        except (TypeError, ValueError):
            return False
        return skew <= self.timestamp_lifetime  # the nonce is consumed once the signature is verified

    def validate_client_key(self, client_key: str, request: Any) -> bool:
        self.platform = platform_for_consumer_key(client_key)
        return self.platform is not None and bool(self.platform.lti11_secret)

    @sensitive_variables("platform")
    def get_client_secret(self, client_key: str, request: Any) -> str:
        if self.platform is not None and self.platform.lti11_consumer_key == client_key:
            return self.platform.lti11_secret
        return _UNKNOWN_SECRET


def _nonce_consume(consumer_key: str, nonce: str) -> bool:
    """True the first time (consumer key, nonce) is seen within twice the timestamp window."""
    ttl = 2 * int(settings.LTI11_TIMESTAMP_WINDOW) + 60
    return bool(cache.add(f"{NONCE_PREFIX}{consumer_key}:{nonce}", 1, timeout=ttl))


@sensitive_variables("body", "params")
def lti11_verify_launch(*, uri: str, body: str, content_type: str) -> tuple[Platform, dict[str, str]]:
    """The platform and the parameters of a verified LTI 1.1 launch; `Lti11LaunchRefused` otherwise."""
    if "application/x-www-form-urlencoded" not in content_type:
        raise Lti11LaunchRefused("not a form POST")
    validator = _Validator()
    endpoint = SignatureOnlyEndpoint(validator)
    valid, request = endpoint.validate_request(
        uri, http_method="POST", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    if not valid or request is None or validator.platform is None:
        log = getattr(request, "validator_log", {}) if request is not None else {}
        raise Lti11LaunchRefused(f"OAuth1 verification failed ({log or 'malformed or stale'})")
    platform = validator.platform
    params: dict[str, str] = {}
    for key, value in request.decoded_body or []:
        params.setdefault(key, value)
    if params.get("lti_message_type") != BASIC_LAUNCH or params.get("lti_version") not in ("LTI-1p0", None):
        raise Lti11LaunchRefused(f"unsupported message {params.get('lti_message_type')!r}")
    guid = params.get("tool_consumer_instance_guid", "")
    known = platform.issuer[len(LTI11_ISSUER_PREFIX) :] if platform.issuer.startswith("lti11:") else ""
    if guid and known and known not in (guid, platform.lti11_consumer_key):
        raise Lti11LaunchRefused(f"tool_consumer_instance_guid {guid!r} is not this consumer's ({known!r})")
    if not _nonce_consume(platform.lti11_consumer_key, request.nonce):
        raise Lti11LaunchRefused("nonce already used")
    return platform, params


def lti11_claims(
    *, platform: Platform, params: Mapping[str, str], activity: tuple[str, int] | None = None
) -> LaunchClaims:
    """The launch as the typed claims the 1.3 path uses. `activity`: the sheet/exam of the old gateway's
    launch URL (`/S<n>/`, `/E<n>/`), which binds the resource link like a `sheet=`/`exam=` parameter."""

    def get(name: str) -> str:
        return (params.get(name) or "").strip()

    custom = {k[len("custom_") :]: v for k, v in params.items() if k.startswith("custom_")}
    if activity is not None:
        custom.pop("sheet", None)
        custom.pop("exam", None)
        custom[activity[0]] = str(activity[1])
    user_id = get("user_id")
    return LaunchClaims(
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_id="",
        message_type=BASIC_LAUNCH,
        sub=lti11_sub(user_id) if user_id else "",
        roles=tuple(r.strip() for r in get("roles").split(",") if r.strip()),
        given_name=get("lis_person_name_given"),
        family_name=get("lis_person_name_family"),
        name=get("lis_person_name_full"),
        email=get("lis_person_contact_email_primary"),
        locale=get("launch_presentation_locale"),
        context_id=get("context_id"),
        context_title=get("context_title"),
        context_label=get("context_label"),
        resource_link_id=get("resource_link_id"),
        resource_link_title=get("resource_link_title"),
        custom=custom,
        platform_name=get("tool_consumer_instance_name"),
        product_family=get("tool_consumer_info_product_family_code"),
        staff_subroles=platform.subroles_are_staff,
    )


@dataclass(frozen=True)
class OutcomeTarget:
    """What a launch says about grade passback: where, and under which id, a learner's result goes."""

    user_id: str
    sourcedid: str
    service_url: str


def lti11_outcome_of(params: Mapping[str, str]) -> OutcomeTarget | None:
    sourcedid = (params.get("lis_result_sourcedid") or "").strip()
    url = (params.get("lis_outcome_service_url") or "").strip()
    if not sourcedid or not url.startswith(("http://", "https://")):
        return None
    return OutcomeTarget(user_id=(params.get("user_id") or "").strip(), sourcedid=sourcedid, service_url=url)


# --- Basic Outcomes --------------------------------------------------------------------------------------


def replace_result_xml(*, sourcedid: str, score: float, message_id: str) -> str:
    """The `replaceResultRequest` POX envelope; `score` is a 0.0-1.0 decimal."""
    value = f"{min(1.0, max(0.0, score)):.4f}".rstrip("0").rstrip(".")
    if "." not in value:
        value += ".0"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<imsx_POXEnvelopeRequest xmlns="{POX_NS}">'
        "<imsx_POXHeader><imsx_POXRequestHeaderInfo>"
        f"<imsx_version>V1.0</imsx_version><imsx_messageIdentifier>{escape(message_id)}</imsx_messageIdentifier>"
        "</imsx_POXRequestHeaderInfo></imsx_POXHeader>"
        "<imsx_POXBody><replaceResultRequest><resultRecord>"
        f"<sourcedGUID><sourcedId>{escape(sourcedid)}</sourcedId></sourcedGUID>"
        "<result><resultScore><language>en</language>"
        f"<textString>{value}</textString>"
        "</resultScore></result></resultRecord></replaceResultRequest></imsx_POXBody>"
        "</imsx_POXEnvelopeRequest>"
    )


@sensitive_variables("secret", "client")
def replace_result_request(
    *, url: str, consumer_key: str, secret: str, sourcedid: str, score: float
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a signed replaceResult POST (OAuth1 HMAC-SHA1 with `oauth_body_hash`)."""
    xml = replace_result_xml(sourcedid=sourcedid, score=score, message_id=uuid.uuid4().hex)
    client = Client(
        consumer_key,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA1,
        signature_type=SIGNATURE_TYPE_AUTH_HEADER,
    )
    _uri, headers, body = client.sign(
        url, http_method="POST", body=xml, headers={"Content-Type": POX_CONTENT_TYPE}
    )
    return dict(headers), (body or xml).encode("utf-8")


@dataclass(frozen=True)
class OutcomeReply:
    success: bool
    code_major: str
    description: str


def parse_outcome_reply(text: str) -> OutcomeReply:
    """`imsx_codeMajor` (`success`, `failure`, `unsupported`, ...) and its description."""
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        return OutcomeReply(False, "unparsable", "DTDs are not accepted")  # no entity expansion, ever
    try:
        root = ET.fromstring(text.encode("utf-8"))  # noqa: S314 (no DTD: checked above)
    except ET.ParseError:
        return OutcomeReply(False, "unparsable", text[:300])
    code = description = ""
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "imsx_codeMajor" and not code:
            code = (element.text or "").strip()
        elif tag == "imsx_description" and not description:
            description = (element.text or "").strip()
    return OutcomeReply(code.lower() == "success", code or "missing", description[:300])


@sensitive_variables("secret")
def outcome_post(
    *,
    url: str,
    consumer_key: str,
    secret: str,
    sourcedid: str,
    score: float,
    session: requests.Session | None = None,
    policy: RetryPolicy | None = None,
    gate: Gate = _no_gate,
) -> OutcomeReply:
    """POST one replaceResult. 5xx, 429 and network errors are retried with backoff (then
    `ServiceUnavailable`: the sync task retries later); any other answer is parsed and returned.
    `gate`: held around each attempt (the platform's concurrency cap), not during the backoff."""
    http = session or TimeoutSession()

    def send() -> requests.Response:
        # Signed afresh on every attempt: a new nonce and timestamp, as the LMS expects.
        headers, body = replace_result_request(
            url=url, consumer_key=consumer_key, secret=secret, sourcedid=sourcedid, score=score
        )
        with gate():
            return http.post(url, data=body, headers=headers)

    response = _send_with_retries(send, policy or RetryPolicy.from_settings(), f"replaceResult {url}")
    reply = parse_outcome_reply(response.text)
    if response.status_code >= 400 and reply.success:
        return OutcomeReply(False, f"http_{response.status_code}", response.text[:300])
    if response.status_code >= 400 and reply.code_major in ("unparsable", "missing"):
        return OutcomeReply(False, f"http_{response.status_code}", response.text[:300])
    return reply
