"""Audit log of entries into WIMS as a class supervisor (the teacher's all-powerful session)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisorEntry(models.Model):
    course = models.ForeignKey("wims_lti.Course", on_delete=models.CASCADE, related_name="supervisor_entries")
    lms_user = models.ForeignKey(
        "wims_lti.LmsUser", on_delete=models.CASCADE, related_name="supervisor_entries"
    )
    roles = models.JSONField(_("LTI roles"), default=list)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("supervisor entry")
        verbose_name_plural = _("supervisor entries")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.lms_user} → {self.course} ({self.created:%Y-%m-%d %H:%M})"
