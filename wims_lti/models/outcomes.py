"""LTI 1.1 Basic Outcomes: where to send one user's grade for one resource link."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class Lti11Outcome(TimeStamped):
    """`lis_result_sourcedid` and `lis_outcome_service_url` of a 1.1 launch (replaceResult target)."""

    resource_link = models.ForeignKey(
        "wims_lti.ResourceLink", on_delete=models.CASCADE, related_name="lti11_outcomes"
    )
    lms_user = models.ForeignKey("wims_lti.LmsUser", on_delete=models.CASCADE, related_name="lti11_outcomes")
    sourcedid = models.CharField(_("lis_result_sourcedid"), max_length=1000)
    service_url = models.URLField(_("lis_outcome_service_url"), max_length=1000)

    class Meta:
        verbose_name = _("LTI 1.1 outcome link")
        verbose_name_plural = _("LTI 1.1 outcome links")
        constraints = [
            models.UniqueConstraint(
                fields=["resource_link", "lms_user"], name="lti11outcome_unique_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lms_user} / {self.resource_link}"
