"""LTI Dynamic Registration 1.0: a platform registers the tool from one pasted URL.

The admin creates an invitation (`manage.py lti_invite --wims-server NAME`): a signed, expiring,
single-use URL. The LMS administrator pastes it into Moodle 4.1+ ("Register LTI Advantage tool") or
Canvas; the platform opens it with `openid_configuration` (and usually `registration_token`). We
fetch and check the platform's configuration, POST our client registration to its
`registration_endpoint`, store the Platform (and the deployment it returns), and tell the platform we
are done (`postMessage({subject: "org.imsglobal.lti.close"})`).

What an invitation can never do:
- be used twice: it is consumed atomically (`cache.add`) before anything is fetched or written, so
  simultaneous uses register one platform at most;
- claim another platform's issuer: the configuration URL must have the issuer's origin (scheme, host,
  port, compared parsed; no userinfo, so `http://lms.example@attacker/` is not `http://lms.example`)
  and live under the issuer's path;
- change an existing registration: an (issuer, client_id) already known is an error for the admin, and
  so is a known issuer announcing another keyset (it would act for that issuer's users).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from wims_lti.models import Deployment, Platform, Tenant, WimsServer
from wims_lti.services.keys import toolkey_ensure
from wims_lti.services.platforms import IssuerKeysConflict, tenant_resolve, tool_urls

from .http import TimeoutSession

SALT = "wims-lti.dynamic-registration.v1"
USED_PREFIX = "lti:dynreg-used:"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
TOOL_NAME = "WIMS"
ISSUER_KEYS_CONFLICT = _(
    "This LMS's issuer is already registered with other keys: the WIMS tool administrator must resolve it."
)


class RegistrationError(Exception):
    """The registration cannot proceed; the message is safe to show to the LMS administrator."""


@dataclass(frozen=True)
class Invitation:
    wims_server: WimsServer
    nonce: str
    accept_deployments: bool


def invitation_create(*, wims_server: WimsServer, accept_deployments: bool = True) -> str:
    """A token for the registration URL `/lti/register/<token>/`."""
    return signing.dumps(
        {"s": wims_server.pk, "n": secrets.token_urlsafe(12), "a": accept_deployments}, salt=SALT
    )


def invitation_read(token: str) -> Invitation:
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.LTI_REGISTRATION_INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise RegistrationError(_("This registration link has expired: ask for a new one.")) from exc
    except signing.BadSignature as exc:
        raise RegistrationError(_("This registration link is not valid.")) from exc
    server = WimsServer.objects.filter(pk=data.get("s")).first()
    if server is None:
        raise RegistrationError(_("The WIMS server of this registration link no longer exists."))
    if cache.get(USED_PREFIX + data["n"]):
        raise RegistrationError(_("This registration link was already used: ask for a new one."))
    return Invitation(wims_server=server, nonce=data["n"], accept_deployments=bool(data.get("a", True)))


def invitation_consume(invitation: Invitation) -> None:
    """Mark the invitation used, atomically: of simultaneous uses, exactly one gets through."""
    if not cache.add(
        USED_PREFIX + invitation.nonce, 1, timeout=settings.LTI_REGISTRATION_INVITATION_MAX_AGE + 60
    ):
        raise RegistrationError(_("This registration link was already used: ask for a new one."))


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL without userinfo; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def configuration_matches_issuer(url: str, issuer: str) -> bool:
    """The configuration URL has the issuer's origin and lives under its path (Dynamic Registration
    §3.5.1: a platform cannot hand out another platform's issuer)."""
    origin = _origin(url)
    if origin is None or origin != _origin(issuer):
        return False
    base = urlsplit(issuer).path.rstrip("/")
    path = urlsplit(url).path
    return not base or path == base or path.startswith(base + "/")


def _fetch_platform_configuration(url: str, session: requests.Session) -> dict[str, Any]:
    if _origin(url) is None:
        raise RegistrationError(_("The platform's configuration URL is not an http(s) URL."))
    try:
        response = session.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationError(_("The platform's configuration could not be read.")) from exc
    issuer = config.get("issuer")
    if not isinstance(issuer, str) or not issuer or not configuration_matches_issuer(url, issuer):
        raise RegistrationError(_("The platform's configuration does not match its issuer."))
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        if not config.get(key):
            raise RegistrationError(_("The platform's configuration lacks %(key)s.") % {"key": key})
    return config


def _client_registration(*, urls: dict[str, str], config: dict[str, Any]) -> dict[str, Any]:
    host = urlsplit(urls["tool_url"]).hostname or ""
    supported = {m.get("type") for m in config.get(PLATFORM_CONFIGURATION, {}).get("messages_supported", [])}
    messages = [{"type": "LtiResourceLinkRequest", "target_link_uri": urls["tool_url"], "label": TOOL_NAME}]
    if not supported or "LtiDeepLinkingRequest" in supported:
        messages.append(
            {"type": "LtiDeepLinkingRequest", "target_link_uri": urls["deep_linking_url"], "label": TOOL_NAME}
        )
    offered = set(config.get("scopes_supported") or SCOPES)
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls["initiate_login_url"],
        "redirect_uris": [urls["redirect_uris"]],
        "client_name": TOOL_NAME,
        "jwks_uri": urls["public_keyset_url"],
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(s for s in SCOPES if s in offered),
        TOOL_CONFIGURATION: {
            "domain": host,
            "target_link_uri": urls["tool_url"],
            "custom_parameters": {},
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email", "locale"],
            "messages": messages,
        },
    }


def platform_register_dynamically(
    *, invitation: Invitation, openid_configuration: str, registration_token: str, base_url: str
) -> Platform:
    """Run the whole exchange and store a new registration. The invitation is consumed first; it is
    given back only when the exchange failed before the platform was asked to register the tool."""
    invitation_consume(invitation)
    try:
        config = _fetch_platform_configuration(openid_configuration, TimeoutSession())
        _check_new_issuer_keys(config)
    except RegistrationError:
        cache.delete(USED_PREFIX + invitation.nonce)  # nothing happened anywhere: the link stays usable
        raise
    return _register(
        invitation=invitation, config=config, registration_token=registration_token, base_url=base_url
    )


def _check_new_issuer_keys(config: dict[str, Any]) -> None:
    if (
        Tenant.objects.filter(issuer=config["issuer"]).exists()
        and not Tenant.objects.filter(issuer=config["issuer"], keyset_url=config["jwks_uri"]).exists()
    ):
        raise RegistrationError(ISSUER_KEYS_CONFLICT)


def _register(
    *, invitation: Invitation, config: dict[str, Any], registration_token: str, base_url: str
) -> Platform:
    session = TimeoutSession()
    toolkey_ensure()
    platform = Platform(uuid=uuid.uuid4())  # its public id is in the URLs we send
    urls = tool_urls(platform=platform, base_url=base_url)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        response = session.post(
            config["registration_endpoint"],
            json=_client_registration(urls=urls, config=config),
            headers=headers,
        )
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationError(_("The platform refused the tool's registration.")) from exc
    client_id = str(answer.get("client_id") or "")
    if not client_id:
        raise RegistrationError(_("The platform's answer has no client_id."))
    deployment_id = str((answer.get(TOOL_CONFIGURATION) or {}).get("deployment_id") or "")
    product = (config.get(PLATFORM_CONFIGURATION) or {}).get("product_family_code") or "LMS"
    try:
        return _store(
            platform=platform,
            config=config,
            client_id=client_id,
            deployment_id=deployment_id,
            product=str(product),
            invitation=invitation,
        )
    except IntegrityError as exc:  # the same (issuer, client_id) stored at the same instant
        raise RegistrationError(_("The LMS answered with a client id the WIMS tool already has.")) from exc


def _store(
    *,
    platform: Platform,
    config: dict[str, Any],
    client_id: str,
    deployment_id: str,
    product: str,
    invitation: Invitation,
) -> Platform:
    with transaction.atomic():
        if Platform.objects.filter(issuer=config["issuer"], client_id=client_id).exists():
            # Never overwrite a registration from outside: the admin decides what the collision means.
            raise RegistrationError(
                _(
                    "The LMS answered with a client id the WIMS tool already has: nothing was changed. Tell "
                    "the WIMS tool administrator."
                )
            )
        try:
            platform.tenant = tenant_resolve(issuer=config["issuer"], keyset_url=config["jwks_uri"])
        except IssuerKeysConflict as exc:
            raise RegistrationError(ISSUER_KEYS_CONFLICT) from exc
        platform.name = f"{product} ({urlsplit(config['issuer']).hostname})"
        platform.issuer = config["issuer"]
        platform.client_id = client_id
        platform.auth_login_url = config["authorization_endpoint"]
        platform.auth_token_url = config["token_endpoint"]
        platform.keyset_url = config["jwks_uri"]
        platform.default_wims_server = invitation.wims_server
        platform.unknown_deployment_policy = (
            Platform.DeploymentPolicy.ACCEPT
            if invitation.accept_deployments
            else Platform.DeploymentPolicy.PENDING
        )
        platform.full_clean()
        platform.save()
        if deployment_id:
            Deployment.objects.create(
                platform=platform, deployment_id=deployment_id, status=Deployment.Status.ACCEPTED
            )
    return platform
