"""LTI 1.3 platform registrations (one per issuer + client_id) and their deployments."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .fields import EncryptedTextField


class Platform(TimeStamped):
    """A tool registration on an LMS. Canvas uses one issuer for all tenants: the key is (issuer, client_id)
    and the registration's `uuid` is in the login-initiation URL so the right one is found."""

    class DeploymentPolicy(models.TextChoices):
        PENDING = "pending", _("Record unknown deployments as pending (an admin accepts them)")
        ACCEPT = "accept", _("Accept unknown deployments automatically")

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=500)
    client_id = models.CharField(_("client id"), max_length=500)
    auth_login_url = models.URLField(
        _("OIDC authorization URL"), max_length=1000, blank=True
    )  # empty: LTI 1.1 only
    auth_token_url = models.URLField(
        _("OAuth2 token URL"), max_length=1000, blank=True
    )  # empty: LTI 1.1 only
    auth_audience = models.CharField(
        _("token audience"),
        max_length=1000,
        blank=True,
        help_text=_("Leave empty to use the token URL (D2L wants https://api.brightspace.com/auth/token)."),
    )
    keyset_url = models.URLField(_("platform JWKS URL"), max_length=1000, blank=True)  # empty: LTI 1.1 only
    default_wims_server = models.ForeignKey(
        "wims_lti.WimsServer",
        verbose_name=_("default WIMS server"),
        on_delete=models.PROTECT,
        related_name="platforms",
    )
    institution = models.CharField(
        _("institution"),
        max_length=50,
        blank=True,
        help_text=_("Institution name given to new WIMS classes (2-50 characters)."),
    )
    unknown_deployment_policy = models.CharField(
        _("unknown deployments"),
        max_length=16,
        choices=DeploymentPolicy.choices,
        default=DeploymentPolicy.PENDING,
    )
    is_active = models.BooleanField(_("active"), default=True)
    # LTI 1.1 consumer key and secret this platform used before moving to 1.3: they verify the LTI 1.1
    # migration claim of 1.3 launches, so users keep their WIMS accounts.
    lti11_consumer_key = models.CharField(
        _("LTI 1.1 consumer key"), max_length=255, blank=True, db_index=True
    )
    lti11_secret = EncryptedTextField(_("LTI 1.1 shared secret"), blank=True)

    class Meta:
        verbose_name = _("LTI platform")
        verbose_name_plural = _("LTI platforms")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="platform_unique_issuer_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer}, {self.client_id})"

    @property
    def awaiting_client_id(self) -> bool:
        """Registered before its LMS issued the client id (manual registration; inactive until then)."""
        return not self.client_id


class Deployment(TimeStamped):
    """A deployment id of a platform (a new one appears per course copy in some LMSs)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        PENDING = "pending", _("pending an administrator's decision")
        REFUSED = "refused", _("refused")

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(_("deployment id"), max_length=500)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    last_seen = models.DateTimeField(_("last launch"), null=True, blank=True)

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "deployment_id"], name="deployment_unique_per_platform"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deployment_id} ({self.get_status_display()})"
