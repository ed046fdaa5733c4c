"""Deep Linking 2.0: the request's settings (kept in the teacher token) and the signed response.

The response is an `LtiDeepLinkingResponse` JWT built with pylti1p3's `DeepLink`, signed with the
tool's active key (its kid in the header), POSTed by the browser to `deep_link_return_url`.
Each item is an `ltiResourceLink` to this registration's launch URL whose `custom` parameters
(`sheet=N` / `exam=N`) bind the new LMS link on its first launch, with a `lineItem` on WIMS's 0-10
scale so the LMS creates the gradebook column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem

from wims_lti.models import Platform

from .claims import DEEP_LINKING_SETTINGS, LTI
from .tool_config import registration_for

DATA_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/data"
MSG_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/msg"
RESOURCE_LINK_TYPE = "ltiResourceLink"
LINE_ITEM_TAG = "wims"


class DeepLinkingRefused(ValueError):
    """The request's settings do not allow what the tool offers (no ltiResourceLink accepted), or its
    return URL is not one of the platform's (`code` "return_url")."""

    def __init__(self, message: str, code: str = "settings") -> None:
        super().__init__(message)
        self.code = code


# Instructure-hosted Canvas signs with one issuer for every school, but each school's deep-linking
# return URL is on its own domain (https://<school>.instructure.com/courses/…/deep_linking_response).
# Vanity domains (canvas.example.edu) still have to be added by the admin.
CANVAS_CLOUD_ISSUERS = {
    "canvas.instructure.com": "*.instructure.com",
    "canvas.beta.instructure.com": "*.instructure.com",
    "canvas.test.instructure.com": "*.instructure.com",
}


def platform_hosts(platform: Platform) -> set[str]:
    """Where a deep-linking answer may go: the hosts of the registration's URLs and those its admin added
    (`*.example.edu` matches the subdomains); a Canvas cloud issuer adds its schools' domains."""
    hosts = {
        (urlsplit(url).hostname or "").lower()
        for url in (platform.issuer, platform.auth_login_url, platform.auth_token_url, platform.keyset_url)
        if url
    }
    issuer_parts = urlsplit(platform.issuer)
    issuer_host = (issuer_parts.hostname or "").lower()
    if issuer_parts.scheme == "https" and issuer_host in CANVAS_CLOUD_ISSUERS:
        hosts.add(CANVAS_CLOUD_ISSUERS[issuer_host])
    extra = {line.strip().lower() for line in platform.return_url_hosts.replace(",", "\n").splitlines()}
    return (hosts | extra) - {""}


def return_url_allowed(url: str, platform: Platform) -> bool:
    """An http(s) URL without userinfo, on one of the platform's hosts (never `javascript:` & co)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        _port = parts.port  # raises on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("https", "http") or not host or "@" in parts.netloc or url != url.strip():
        return False
    for allowed in platform_hosts(platform):
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return True
    return False


def deep_linking_settings(body: Mapping[str, Any], *, platform: Platform | None = None) -> dict[str, Any]:
    """The parts of a validated deep-linking request the response needs, small enough for the token."""
    claim = body.get(DEEP_LINKING_SETTINGS)
    if not isinstance(claim, Mapping) or not isinstance(claim.get("deep_link_return_url"), str):
        raise DeepLinkingRefused("the request has no deep_link_return_url")
    if platform is not None and not return_url_allowed(claim["deep_link_return_url"], platform):
        raise DeepLinkingRefused(
            f"deep_link_return_url {claim['deep_link_return_url'][:200]!r} is not on the platform's hosts",
            code="return_url",
        )
    accept_types = [str(t) for t in claim.get("accept_types") or [] if isinstance(t, str)]
    if RESOURCE_LINK_TYPE not in accept_types:
        raise DeepLinkingRefused(f"the platform accepts {accept_types}, not {RESOURCE_LINK_TYPE}")
    targets = [str(t) for t in claim.get("accept_presentation_document_targets") or []]
    settings: dict[str, Any] = {
        "return_url": claim["deep_link_return_url"],
        "multiple": _truthy(claim.get("accept_multiple"), default=True),
        "lineitem": _truthy(claim.get("accept_lineitem"), default=True),
        "deployment_id": str(body.get(LTI + "deployment_id") or ""),
        "target": "iframe" if "iframe" in targets or not targets else targets[0],
    }
    if claim.get("data") is not None:
        settings["data"] = claim["data"]
    return settings


def _truthy(value: Any, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


@dataclass(frozen=True)
class LinkItem:
    """One activity to place in the LMS."""

    kind: str  # "sheet" | "exam"
    number: int
    title: str
    text: str
    resource_id: str  # wims:<server>:<qclass>:<kind>:<number>
    score_maximum: int


class _Resource(DeepLinkResource):
    """pylti1p3's resource plus the `text` and `window`/`iframe` presentation of the spec."""

    def __init__(self, text: str) -> None:
        self._text = text

    def to_dict(self) -> dict[str, object]:
        item = super().to_dict()
        if self._text:
            item["text"] = self._text
        if self._target == "iframe":
            item["iframe"] = {}
        else:
            item["window"] = {"targetName": "_blank"}
        return item


class _DeepLink(DeepLink):
    def __init__(self, *args: Any, msg: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._msg = msg

    def get_message_jwt(self, resources: Sequence[DeepLinkResource]) -> dict[str, object]:
        message = super().get_message_jwt(resources)
        if "data" not in self._deep_link_settings:  # echo `data` only when the request had one
            message.pop(DATA_CLAIM, None)
        if self._msg:
            message[MSG_CLAIM] = self._msg
        return message


def deep_linking_response(
    *,
    platform: Platform,
    settings: Mapping[str, Any],
    items: Sequence[LinkItem],
    launch_url: str,
    msg: str = "",
) -> str:
    """The signed LtiDeepLinkingResponse JWT for `items` (the view checked `multiple`)."""
    if len(items) > 1 and not settings.get("multiple", True):
        raise DeepLinkingRefused("the platform accepts one item only")
    resources = []
    for item in items:
        resource = _Resource(item.text)
        resource.set_title(item.title).set_url(launch_url).set_target(settings.get("target", "iframe"))
        resource.set_custom_params({item.kind: str(item.number)})
        if settings.get("lineitem", True):
            line_item = LineItem()
            line_item.set_score_maximum(item.score_maximum).set_label(item.title)
            line_item.set_resource_id(item.resource_id).set_tag(LINE_ITEM_TAG)
            resource.set_lineitem(line_item)
        resources.append(resource)
    dl_settings: dict[str, Any] = {"deep_link_return_url": settings["return_url"]}
    if "data" in settings:
        dl_settings["data"] = settings["data"]
    deep_link = _DeepLink(
        registration_for(platform),
        str(settings.get("deployment_id") or ""),
        dl_settings,  # type: ignore[arg-type]
        msg=msg,
    )
    return deep_link.get_response_jwt(resources)
