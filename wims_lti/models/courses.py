"""LMS courses (contexts) and the WIMS class each one is linked to."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .fields import EncryptedTextField


class Course(TimeStamped):
    """An LMS context (tenant, deployment id, context id); linked to at most one WIMS class on one WIMS
    server. `platform` is the registration that first launched it (its default server, institution)."""

    platform = models.ForeignKey("wims_lti.Platform", on_delete=models.CASCADE, related_name="courses")
    tenant = models.ForeignKey(
        "wims_lti.Tenant", on_delete=models.PROTECT, related_name="courses", null=True, blank=True
    )
    # A context id is unique only within a deployment (LTI 1.3 §5.4.1). Empty: not known (a course of an
    # LTI 1.1 launch, or migrated from a multi-deployment registration: adopted by its next launch).
    deployment_id = models.CharField(_("deployment id"), max_length=500, blank=True, default="")
    context_id = models.CharField(_("LMS context id"), max_length=500)
    title = models.CharField(_("LMS course title"), max_length=500, blank=True)
    label = models.CharField(_("LMS course label"), max_length=200, blank=True)
    wims_server = models.ForeignKey(
        "wims_lti.WimsServer", on_delete=models.PROTECT, null=True, blank=True, related_name="courses"
    )
    qclass = models.CharField(_("WIMS class id"), max_length=32, blank=True)
    rclass = models.CharField(_("rclass used for this class"), max_length=64, blank=True)
    class_password = EncryptedTextField(_("class registration password"), blank=True)
    supervisor_password = EncryptedTextField(_("supervisor password"), blank=True)
    lang = models.CharField(_("class language"), max_length=8, default="en")
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "deployment_id", "context_id"], name="course_unique_context_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["wims_server", "qclass"], condition=~Q(qclass=""), name="course_unique_wims_class"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.context_id

    def save(self, *args: object, **kwargs: object) -> None:
        if self.tenant_id is None and self.platform_id is not None:
            self.tenant_id = self.platform.tenant_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def tenant_pk(self) -> int:
        """The tenant's id (set on every saved row; None only before the first save)."""
        assert self.tenant_id is not None
        return self.tenant_id

    @property
    def is_linked(self) -> bool:
        return bool(self.wims_server_id and self.qclass)
