"""The tool's own signing keys, published at the JWKS endpoint.

Rotation: a new key is first `published` (in the JWKS, not signing) so platforms that cache our JWKS
learn it; it is then promoted to `active` (signs) and the previous active key becomes `retired`
(still published, so tokens it signed keep verifying) until an admin removes it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .fields import EncryptedTextField


class ToolKey(TimeStamped):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("published, not yet signing")
        ACTIVE = "active", _("active (signs)")
        RETIRED = "retired", _("retired, still published")

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    private_key_pem = EncryptedTextField(_("private key (PEM)"))
    public_jwk = models.JSONField(_("public JWK"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("tool key")
        verbose_name_plural = _("tool keys")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="toolkey_single_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.get_status_display()})"

    def __repr__(self) -> str:
        return f"<ToolKey {self.kid} {self.status}>"
