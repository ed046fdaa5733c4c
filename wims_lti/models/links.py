"""LTI resource links (the activities a course places in the LMS) and what they are bound to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class ResourceLink(TimeStamped):
    class Kind(models.TextChoices):
        NONE = "", _("class home page")
        SHEET = "sheet", _("sheet")
        EXAM = "exam", _("exam")

    course = models.ForeignKey("wims_lti.Course", on_delete=models.CASCADE, related_name="resource_links")
    resource_link_id = models.CharField(_("LTI resource link id"), max_length=500)
    # The registration whose launches carry this link: its AGS endpoints answer to that client id only
    # (Open edX: one client id per block). Empty: the course's registration.
    platform = models.ForeignKey(
        "wims_lti.Platform", on_delete=models.CASCADE, null=True, blank=True, related_name="resource_links"
    )
    title = models.CharField(_("title"), max_length=500, blank=True)
    kind = models.CharField(_("bound to"), max_length=8, choices=Kind.choices, blank=True, default="")
    number = models.PositiveIntegerField(_("sheet or exam number"), null=True, blank=True)
    # AGS: the line item the platform declared in the launch claim, and the line items container.
    lineitem_url = models.URLField(_("declared line item URL"), max_length=1000, blank=True)
    lineitems_url = models.URLField(_("line items container URL"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("resource link")
        verbose_name_plural = _("resource links")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "resource_link_id"], name="resourcelink_unique_per_course"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.resource_link_id
