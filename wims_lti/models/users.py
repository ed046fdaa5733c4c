"""LMS users and their WIMS accounts (one per linked class)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class LmsUser(TimeStamped):
    """A user of a platform, identified by the LTI `sub` (never by name or email)."""

    platform = models.ForeignKey("wims_lti.Platform", on_delete=models.CASCADE, related_name="users")
    sub = models.CharField(_("LTI subject (sub)"), max_length=500)
    lti11_user_id = models.CharField(_("LTI 1.1 user_id"), max_length=500, blank=True, db_index=True)
    given_name = models.CharField(_("given name"), max_length=200, blank=True)
    family_name = models.CharField(_("family name"), max_length=200, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("LMS user")
        verbose_name_plural = _("LMS users")
        constraints = [
            models.UniqueConstraint(fields=["platform", "sub"], name="lmsuser_unique_sub_per_platform"),
        ]

    def __str__(self) -> str:
        full = f"{self.given_name} {self.family_name}".strip()
        return full or self.sub


class WimsAccount(TimeStamped):
    """The WIMS user (login `quser`) of an LMS user in a course's WIMS class."""

    course = models.ForeignKey("wims_lti.Course", on_delete=models.CASCADE, related_name="wims_accounts")
    lms_user = models.ForeignKey(LmsUser, on_delete=models.CASCADE, related_name="wims_accounts")
    quser = models.CharField(_("WIMS login"), max_length=24)
    # Names as last sent to WIMS: a launch sends moduser only when these differ.
    synced_firstname = models.CharField(max_length=200, blank=True)
    synced_lastname = models.CharField(max_length=200, blank=True)
    synced_email = models.CharField(max_length=254, blank=True)

    class Meta:
        verbose_name = _("WIMS account")
        verbose_name_plural = _("WIMS accounts")
        constraints = [
            models.UniqueConstraint(fields=["course", "lms_user"], name="wimsaccount_unique_user_per_course"),
            models.UniqueConstraint(fields=["course", "quser"], name="wimsaccount_unique_login_per_course"),
        ]

    def __str__(self) -> str:
        return self.quser
