"""LTI platform registrations and the tool-side URLs a platform administrator needs."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

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
    others = Tenant.objects.filter(issuer=issuer).exclude(keyset_url=keyset_url)
    if others.exists() and not keep_apart:
        raise IssuerKeysConflict(
            f"The issuer {issuer} is already registered with another keyset URL "
            f"({others.first().keyset_url or 'none'}). If the platform moved its keys, change the keyset "  # type: ignore[union-attr]
            "URL of its tenant in the admin; if it is another LMS using the same issuer, register it "
            "kept apart (--keep-apart)."
        )
    return Tenant.objects.create(issuer=issuer, keyset_url=keyset_url, name=(name or issuer)[:200])


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
    tenant, and may not move to other keys here (that is the tenant's keyset URL, in the admin)."""
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
            platform.tenant = tenant_resolve(
                issuer=issuer, keyset_url=keyset_url, name=name, keep_apart=keep_apart
            )
        elif platform.tenant is not None and platform.tenant.keyset_url != keyset_url:
            raise IssuerKeysConflict(
                f"This registration's tenant signs with {platform.tenant.keyset_url or 'no keyset'}: "
                "change the tenant's keyset URL in the admin (all its registrations follow), not one "
                "registration's."
            )
        for key, value in fields.items():
            setattr(platform, key, value)
        platform.full_clean()
        platform.save()
        for deployment_id in deployment_ids:
            Deployment.objects.update_or_create(
                platform=platform,
                deployment_id=deployment_id,
                defaults={"status": Deployment.Status.ACCEPTED},
            )
    return platform


def _absolute(path: str, base_url: str | None) -> str:
    return (base_url or settings.PUBLIC_BASE_URL).rstrip("/") + path


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
