"""pylti1p3 tool configuration backed by the database (Platform, Deployment, ToolKey).

Registrations are looked up by (issuer, client_id) — Canvas uses one issuer for all its tenants.
A launch from an unknown deployment of a known platform is recorded: accepted at once when the
platform's policy says so, otherwise stored as pending for an administrator (and the launch refused).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from wims_lti.models import Deployment, Platform
from wims_lti.services.keys import signing_key

LAST_SEEN_RESOLUTION = timedelta(minutes=10)  # no write on every launch


class DeploymentPending(Exception):
    """The deployment id is new for this platform and waits for an administrator."""

    def __init__(self, platform: Platform, deployment_id: str) -> None:
        super().__init__(f"deployment {deployment_id!r} of {platform} is pending")
        self.platform = platform
        self.deployment_id = deployment_id


def registration_for(platform: Platform) -> Registration:
    key = signing_key()
    public_pem = _public_pem(key.public_jwk)
    reg = Registration()
    reg.set_issuer(platform.issuer)
    reg.set_client_id(platform.client_id)
    reg.set_auth_login_url(platform.auth_login_url)
    reg.set_auth_token_url(platform.auth_token_url)
    reg.set_auth_audience(platform.auth_audience or platform.auth_token_url)
    reg.set_key_set_url(platform.keyset_url)
    reg.set_tool_private_key(key.private_key_pem)
    reg.set_tool_public_key(public_pem)
    return reg


def _public_pem(jwk: dict[str, Any]) -> str:
    import json

    from jwcrypto.jwk import JWK

    return JWK.from_json(json.dumps(jwk)).export_to_pem().decode()


class DbToolConf(ToolConfAbstract):  # type: ignore[type-arg]
    """Finds registrations and deployments in the database; optionally pinned to one platform
    (the one whose id is in the login/launch URL)."""

    def __init__(self, platform: Platform | None = None) -> None:
        super().__init__()
        self.platform = platform
        self.issuers_relation_types = _ManyClients()

    def _platform(self, iss: str, client_id: str | None) -> Platform | None:
        if self.platform is not None:
            ok = self.platform.issuer == iss and (client_id is None or self.platform.client_id == client_id)
            return self.platform if ok and self.platform.is_active else None
        qs = Platform.objects.filter(issuer=iss, is_active=True)
        if client_id is not None:
            qs = qs.filter(client_id=client_id)
        found = list(qs[:2])
        return found[0] if len(found) == 1 else None

    # pylti1p3 declares Registration but tests the result for None ("Registration not found").
    def find_registration_by_issuer(  # type: ignore[override]
        self, iss: str, *args: Any, **kwargs: Any
    ) -> Registration | None:
        platform = self._platform(iss, None)
        return registration_for(platform) if platform else None

    def find_registration_by_params(  # type: ignore[override]
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration | None:
        platform = self._platform(iss, client_id)
        return registration_for(platform) if platform else None

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        platform = self._platform(iss, None)
        return self._deployment(platform, deployment_id) if platform else None

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        platform = self._platform(iss, client_id)
        return self._deployment(platform, deployment_id) if platform else None

    def _deployment(self, platform: Platform, deployment_id: str) -> LtiDeployment | None:
        deployment = deployment_record(platform=platform, deployment_id=deployment_id)
        if deployment.status == Deployment.Status.PENDING:
            raise DeploymentPending(platform, deployment_id)
        if deployment.status != Deployment.Status.ACCEPTED:
            return None
        return LtiDeployment().set_deployment_id(deployment_id)


def deployment_record(*, platform: Platform, deployment_id: str) -> Deployment:
    """The deployment row, created on first sight according to the platform's policy."""
    now = timezone.now()
    existing = Deployment.objects.filter(platform=platform, deployment_id=deployment_id).first()
    if existing is not None:
        if existing.last_seen is None or now - existing.last_seen > LAST_SEEN_RESOLUTION:
            Deployment.objects.filter(pk=existing.pk).update(last_seen=now)
        return existing
    status = (
        Deployment.Status.ACCEPTED
        if platform.unknown_deployment_policy == Platform.DeploymentPolicy.ACCEPT
        else Deployment.Status.PENDING
    )
    try:
        with transaction.atomic():
            return Deployment.objects.create(
                platform=platform, deployment_id=deployment_id, status=status, last_seen=now
            )
    except IntegrityError:  # a simultaneous first launch created it
        return Deployment.objects.get(platform=platform, deployment_id=deployment_id)


class _ManyClients(dict):  # type: ignore[type-arg]
    """Every issuer may have several client ids (pylti1p3's 'one-issuer-many-client-ids')."""

    def get(self, key: str, default: Any = None) -> str:
        return "one-issuer-many-client-ids"
