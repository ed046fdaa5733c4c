"""LTI platform registrations and the tool-side URLs a platform administrator needs."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from wims_lti.models import Deployment, Platform, WimsServer


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
) -> Platform:
    """Create or update the registration (issuer, client_id) and accept the given deployments."""
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
        platform = Platform.objects.filter(issuer=issuer, client_id=client_id).first()
        if platform is None:
            platform = Platform(issuer=issuer, client_id=client_id)
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
