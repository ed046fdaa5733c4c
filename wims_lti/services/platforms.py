"""LTI platform registrations and the tool-side URLs a platform administrator needs.

Manual registration in one order that works: most LMSs issue the client id only after they have the
tool's URLs, and those URLs carry the registration's public id. So `platform_register` without a client
id stores a registration *waiting for its client id* (inactive, its URLs already final), and
`platform_set_client_id` (or the admin) completes and activates it. At most one registration per issuer
waits at a time (the pair issuer + client id is unique, and the waiting client id is empty).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from wims_lti.models import Deployment, Platform, Tenant, WimsServer


class IssuerKeysConflict(ValidationError):
    """A registration claims a known issuer with other keys: it could act for that issuer's users."""


def tenant_resolve(*, issuer: str, keyset_url: str, name: str = "", keep_apart: bool = False) -> Tenant:
    """The tenant a registration of (issuer, keyset URL) joins. Registrations share people and courses
    only when they are provably the same platform: same issuer and same keyset URL. A known issuer with
    another keyset is refused, unless the admin keeps it apart (a tenant of its own: its `sub`s and
    contexts never meet the first one's)."""
    same = Tenant.objects.filter(issuer=issuer, keyset_url=keyset_url).order_by("pk").first()
    if same is not None:
        return same
    conflict = tenant_keys_conflict(issuer=issuer, keyset_url=keyset_url)
    if conflict and not keep_apart:
        raise IssuerKeysConflict(conflict)
    return Tenant.objects.create(issuer=issuer, keyset_url=keyset_url, name=(name or issuer)[:200])


def tenant_keys_conflict(*, issuer: str, keyset_url: str) -> str:
    """Why a new registration of (issuer, keyset URL) may not join the issuer's tenant ("" if it may):
    the issuer is known with other keys, and only its own keys may speak for its users."""
    if not keyset_url or Tenant.objects.filter(issuer=issuer, keyset_url=keyset_url).exists():
        return ""  # no keys (LTI 1.1 only, or waiting for its client id): it cannot sign for anyone
    # Keyless tenants (LTI 1.1 only, a registration waiting for its client id) sign nothing: no conflict.
    other = (
        (Tenant.objects.filter(issuer=issuer).exclude(keyset_url=keyset_url).exclude(keyset_url=""))
        .order_by("pk")
        .first()
    )
    if other is None:
        return ""
    return (
        f"The issuer {issuer} is already registered with another keyset URL ({other.keyset_url or 'none'}). "
        "If the platform moved its keys, change the keyset URL of its tenant in the admin; if it is another "
        "LMS using the same issuer, register it kept apart (--keep-apart)."
    )


def platform_register(
    *,
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    deployment_ids: Iterable[str],
    wims_server: WimsServer,
    auth_audience: str = "",
    institution: str = "",
    accept_unknown_deployments: bool = False,
    lti11_consumer_key: str = "",
    lti11_secret: str = "",
    keep_apart: bool = False,
) -> Platform:
    """Create or update the registration (issuer, client_id) and accept the given deployments. A new
    registration joins the tenant of its issuer and keyset (`tenant_resolve`); an existing one keeps its
    tenant, and may not move to other keys here (that is the tenant's keyset URL, in the admin).
    Without `client_id`: the issuer's registration waiting for its client id (see the module doc); its
    tenant is settled when its keys are known (`platform_set_client_id`)."""
    fields = {
        "name": name or issuer,
        "auth_login_url": auth_login_url,
        "auth_token_url": auth_token_url,
        "keyset_url": keyset_url,
        "auth_audience": auth_audience,
        "default_wims_server": wims_server,
        "institution": institution,
        "lti11_consumer_key": lti11_consumer_key,
        "lti11_secret": lti11_secret,
        "unknown_deployment_policy": (
            Platform.DeploymentPolicy.ACCEPT
            if accept_unknown_deployments
            else Platform.DeploymentPolicy.PENDING
        ),
    }
    with transaction.atomic():
        platform = (
            Platform.objects.filter(issuer=issuer, client_id=client_id).select_related("tenant").first()
        )
        if platform is None:
            platform = Platform(issuer=issuer, client_id=client_id)
            # A waiting registration without keys yet stays out of the issuer's tenant until it has them.
            platform.tenant = tenant_resolve(
                issuer=issuer,
                keyset_url=keyset_url,
                name=name,
                keep_apart=keep_apart or (not client_id and not keyset_url),
            )
        elif not client_id and name and platform.name != name:
            raise ValidationError(
                f"A registration of {issuer} already waits for its client id: {platform.uuid} "
                f"({platform.name}). Complete it first (lti_register --registration {platform.uuid} "
                "--set-client-id …), or pass --registration to change it."
            )
        elif platform.tenant is not None and platform.tenant.keyset_url != keyset_url:
            if not platform.awaiting_client_id:
                raise IssuerKeysConflict(
                    f"This registration's tenant signs with {platform.tenant.keyset_url or 'no keyset'}: "
                    "change the tenant's keyset URL in the admin (all its registrations follow), not one "
                    "registration's."
                )
            platform_tenant_settle(platform=platform, keyset_url=keyset_url, keep_apart=keep_apart)
        for key, value in fields.items():
            setattr(platform, key, value)
        if not client_id:  # waiting for the LMS's client id: its URLs are known, launches are not
            platform.is_active = False
        platform.full_clean(exclude=[] if client_id else ["client_id"])
        platform.save()
        for deployment_id in deployment_ids:
            Deployment.objects.update_or_create(
                platform=platform,
                deployment_id=deployment_id,
                defaults={"status": Deployment.Status.ACCEPTED},
            )
    return platform


def platform_tenant_settle(*, platform: Platform, keyset_url: str, keep_apart: bool = False) -> None:
    """A registration that waited for its client id learns its keys: it joins the tenant of its issuer
    and keyset (refused, as for a new registration, when the issuer is known with other keys). It never
    launched, so nothing of its old, provisional tenant is lost; that tenant goes when nothing uses it."""
    old = platform.tenant
    platform.tenant = tenant_resolve(
        issuer=platform.issuer, keyset_url=keyset_url, name=platform.name, keep_apart=keep_apart
    )
    if old is not None and old.pk != platform.tenant.pk:
        platform.save(update_fields=["tenant", "modified"])
        unused = not (
            old.registrations.exists() or old.courses.exists() or old.users.exists()  # type: ignore[attr-defined]
        )
        if unused:
            old.delete()


def _absolute(path: str, base_url: str | None) -> str:
    return public_base_url(base_url=base_url) + path


def tool_urls(*, platform: Platform, base_url: str | None = None) -> dict[str, str]:
    """What to paste into the LMS for this registration."""
    launch = _absolute(reverse("lti-platform-launch", args=[platform.uuid]), base_url)
    return {
        "tool_url": launch,
        "initiate_login_url": _absolute(reverse("lti-platform-login", args=[platform.uuid]), base_url),
        "redirect_uris": launch,
        "public_keyset_url": _absolute(reverse("lti-jwks"), base_url),
        "deep_linking_url": launch,
    }


def platform_set_client_id(
    *,
    platform: Platform,
    client_id: str,
    deployment_ids: Iterable[str] = (),
    auth_login_url: str = "",
    auth_token_url: str = "",
    keyset_url: str = "",
    auth_audience: str = "",
) -> Platform:
    """Give a registration the client id its LMS issued (and the LMS's URLs, if not given before);
    a registration that waited for it becomes active."""
    client_id = client_id.strip()
    if not client_id:
        raise ValidationError("The client id is empty.")
    taken = Platform.objects.filter(issuer=platform.issuer, client_id=client_id).exclude(pk=platform.pk)
    if other := taken.first():
        raise ValidationError(
            f"{platform.issuer} already has a registration with client id {client_id}: {other.uuid}."
        )
    waiting = platform.awaiting_client_id
    platform.client_id = client_id
    for field, value in (
        ("auth_login_url", auth_login_url),
        ("auth_token_url", auth_token_url),
        ("keyset_url", keyset_url),
        ("auth_audience", auth_audience),
    ):
        if value:
            setattr(platform, field, value)
    missing = [
        option
        for option, value in (
            ("--auth-login-url", platform.auth_login_url),
            ("--auth-token-url", platform.auth_token_url),
            ("--keyset-url", platform.keyset_url),
        )
        if not value
    ]
    if missing:
        raise ValidationError(f"The registration still lacks the LMS's URLs: give {', '.join(missing)}.")
    if waiting:
        platform.is_active = True
    with transaction.atomic():
        if platform.tenant is None or platform.tenant.keyset_url != platform.keyset_url:
            if not waiting:
                raise IssuerKeysConflict(
                    "This registration's tenant signs with other keys: change the tenant's keyset URL in "
                    "the admin (all its registrations follow), not one registration's."
                )
            platform_tenant_settle(platform=platform, keyset_url=platform.keyset_url)
        platform.full_clean()
        platform.save()
        for deployment_id in deployment_ids:
            Deployment.objects.update_or_create(
                platform=platform,
                deployment_id=deployment_id,
                defaults={"status": Deployment.Status.ACCEPTED},
            )
    return platform


def platform_waiting_get(*, issuer: str) -> Platform:
    """The issuer's registration that waits for its client id."""
    platform = Platform.objects.filter(issuer=issuer, client_id="").first()
    if platform is None:
        raise ValidationError(f"No registration of {issuer} waits for a client id.")
    return platform


# --- What each LMS's own documentation gives as its endpoints (docs/lms/*.md cites the sources) ---------


@dataclass(frozen=True)
class LmsEndpoints:
    issuer: str
    auth_login_url: str
    auth_token_url: str
    keyset_url: str  # may contain {client_id}
    auth_audience: str = ""


def _site(issuer: str) -> str:
    return issuer.rstrip("/")


def lms_endpoints(*, lms: str, issuer: str = "") -> LmsEndpoints:
    """The platform URLs of a known LMS; Moodle and Brightspace need their site URL as `issuer`."""
    if lms == "moodle":
        if not issuer:
            raise ValidationError("Moodle: give --issuer, the Moodle site's URL (its Platform ID).")
        base = _site(issuer)  # Moodle's issuer is its wwwroot, which never ends with "/"
        return LmsEndpoints(
            base, f"{base}/mod/lti/auth.php", f"{base}/mod/lti/token.php", f"{base}/mod/lti/certs.php"
        )
    if lms in CANVAS_CLOUDS:
        cloud_issuer, sso = CANVAS_CLOUDS[lms]
        return LmsEndpoints(
            issuer or cloud_issuer,
            f"{sso}/api/lti/authorize_redirect",
            f"{sso}/login/oauth2/token",
            f"{sso}/api/lti/security/jwks",
        )
    if lms == "brightspace":
        if not issuer:
            raise ValidationError("Brightspace: give --issuer, the Brightspace site's URL (its Issuer).")
        base = _site(issuer)
        return LmsEndpoints(
            base,
            f"{base}/d2l/lti/authenticate",
            "https://auth.brightspace.com/core/connect/token",
            f"{base}/d2l/.well-known/jwks",
            auth_audience="https://api.brightspace.com/auth/token",
        )
    if lms == "blackboard":
        return LmsEndpoints(
            issuer or "https://blackboard.com",
            "https://developer.blackboard.com/api/v1/gateway/oidcauth",
            "https://developer.blackboard.com/api/v1/gateway/oauth2/jwttoken",
            "https://developer.blackboard.com/api/v1/management/applications/{client_id}/jwks.json",
        )
    raise ValidationError(f"Unknown LMS {lms!r}: one of {', '.join(LMS_NAMES)}.")


CANVAS_CLOUDS = {
    "canvas": ("https://canvas.instructure.com", "https://sso.canvaslms.com"),
    "canvas-beta": ("https://canvas.beta.instructure.com", "https://sso.beta.canvaslms.com"),
    "canvas-test": ("https://canvas.test.instructure.com", "https://sso.test.canvaslms.com"),
}
LMS_NAMES = ("moodle", *CANVAS_CLOUDS, "brightspace", "blackboard")


# --- The public base URL ---------------------------------------------------------------------------


def public_base_url(*, base_url: str | None = None, request_base: str | None = None) -> str:
    """The base of the URLs given to LMSs: `base_url` if given, PUBLIC_BASE_URL when configured, else
    the address the admin used (`request_base`), else PUBLIC_BASE_URL's local default."""
    if base_url:
        return base_url.rstrip("/")
    if settings.PUBLIC_BASE_URL_CONFIGURED or not request_base:
        return settings.PUBLIC_BASE_URL.rstrip("/")
    return request_base.rstrip("/")


def public_base_url_warnings(base_url: str, *, explicit: bool = False) -> list[str]:
    """Why an LMS would refuse the URLs built on `base_url` (none for a public https URL), in the active
    language. `explicit`: the base was given (--base-url), so an unset PUBLIC_BASE_URL does not matter."""
    warnings: list[str] = []
    parts = urlsplit(base_url)
    values = {"base": base_url, "host": parts.hostname or base_url}
    if not explicit and not settings.PUBLIC_BASE_URL_CONFIGURED:
        warnings.append(
            _(
                "PUBLIC_BASE_URL is not set: these URLs are built on %(base)s. Set PUBLIC_BASE_URL to the "
                "bridge's public https address (for example https://lti.example.org), so that every page "
                "and command gives the URLs the LMS can reach."
            )
            % values
        )
    if parts.scheme != "https":
        warnings.append(
            _(
                "%(base)s is not https: LMSs refuse http tool URLs, and browsers drop the launch's cookies "
                "in the LMS frame. Serve the bridge over https (docs/deployment.md, TLS and the proxy)."
            )
            % values
        )
    host = parts.hostname or ""
    if host == "localhost" or host.endswith(".localhost") or _is_loopback(host):
        warnings.append(
            _("%(host)s is this machine only: an LMS on another machine cannot reach it.") % values
        )
    return warnings


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
