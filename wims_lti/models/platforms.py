"""LTI 1.3 platform registrations (one per issuer + client_id), their deployments, and the tenant
(the LMS as an identity authority) that registrations of one issuer signing with the same keys share."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .fields import EncryptedTextField


class Tenant(TimeStamped):
    """One LMS as the authority over its people and courses: an issuer and the keyset that signs for it.

    LTI says a person is (issuer, sub) and a course is (issuer, deployment id, context id). Several
    registrations of one issuer (Open edX: one client id per block) share them, but only when they are
    provably the same platform: the same issuer *and* the same keyset URL. A registration claiming a
    known issuer with other keys gets a tenant of its own (or is refused), so it can never act for the
    first one's users."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    issuer = models.CharField(_("issuer"), max_length=500)
    keyset_url = models.URLField(_("platform JWKS URL"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("tenant (LMS)")
        verbose_name_plural = _("tenants (LMSs)")
        indexes = [models.Index(fields=["issuer", "keyset_url"], name="tenant_issuer_keyset")]

    def __str__(self) -> str:
        return self.name or self.issuer


def tenant_for(*, issuer: str, keyset_url: str, name: str = "") -> Tenant:
    """The (first) tenant of this issuer and keyset, created when there is none."""
    tenant = Tenant.objects.filter(issuer=issuer, keyset_url=keyset_url).order_by("pk").first()
    return tenant or Tenant.objects.create(issuer=issuer, keyset_url=keyset_url, name=name[:200])


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
    tenant = models.ForeignKey(
        Tenant,
        verbose_name=_("tenant"),
        on_delete=models.PROTECT,
        related_name="registrations",
        null=True,
        blank=True,
    )
    # Item 10 of the security model: does `membership/Instructor#TeachingAssistant` (any sub-role of a
    # staff role) open the teacher pages? Open edX sends it for forum moderators.
    subroles_are_staff = models.BooleanField(
        _("sub-roles of teachers get the teacher pages"),
        default=True,
        help_text=_(
            "e.g. Instructor#TeachingAssistant. Canvas gives it to TAs; Open edX to forum moderators."
        ),
    )
    wims_servers = models.ManyToManyField(
        "wims_lti.WimsServer",
        verbose_name=_("WIMS servers its teachers may use"),
        blank=True,
        related_name="allowed_platforms",
        help_text=_("Besides the default server: servers offered when linking an existing class."),
    )
    return_url_hosts = models.TextField(
        _("other deep-linking return hosts"),
        blank=True,
        help_text=_(
            "One host per line (or *.example.edu). Deep-linking answers go only to the hosts of the "
            "issuer, login, token and keyset URLs, and to these."
        ),
    )

    class Meta:
        verbose_name = _("LTI platform")
        verbose_name_plural = _("LTI platforms")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "client_id"], name="platform_unique_issuer_client_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer}, {self.client_id})"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.tenant_id is None:  # direct saves (tests, shell): the tenant of its issuer and keys
            self.tenant = tenant_for(issuer=self.issuer, keyset_url=self.keyset_url, name=self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def tenant_pk(self) -> int:
        """The tenant's id (set on every saved row; None only before the first save)."""
        assert self.tenant_id is not None
        return self.tenant_id

    def allowed_wims_servers(self) -> models.QuerySet:  # type: ignore[type-arg]
        """The default server and those the admin allowed for this platform."""
        from .servers import WimsServer

        return WimsServer.objects.filter(
            models.Q(pk=self.default_wims_server_id) | models.Q(allowed_platforms=self)
        ).distinct()

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
