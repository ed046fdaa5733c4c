"""LMS users and their WIMS accounts (one per linked class)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class LmsUser(TimeStamped):
    """A person of a tenant, identified by the LTI `sub` (never by name or email): (issuer, sub).
    `platform` is the registration that first saw them; `wims_login` is the login they get in WIMS classes,
    derived once (issuer, that registration's client id, sub) and kept, so it never changes."""

    platform = models.ForeignKey("wims_lti.Platform", on_delete=models.CASCADE, related_name="users")
    tenant = models.ForeignKey(
        "wims_lti.Tenant", on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    sub = models.CharField(_("LTI subject (sub)"), max_length=500)
    wims_login = models.CharField(_("WIMS login"), max_length=24, blank=True)
    lti11_user_id = models.CharField(_("LTI 1.1 user_id"), max_length=500, blank=True, db_index=True)
    given_name = models.CharField(_("given name"), max_length=200, blank=True)
    family_name = models.CharField(_("family name"), max_length=200, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("LMS user")
        verbose_name_plural = _("LMS users")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sub"], name="lmsuser_unique_sub_per_tenant"),
        ]

    def __str__(self) -> str:
        full = f"{self.given_name} {self.family_name}".strip()
        return full or self.sub

    @property
    def tenant_pk(self) -> int:
        """The tenant's id (set on every saved row; None only before the first save)."""
        assert self.tenant_id is not None
        return self.tenant_id

    def save(self, *args: object, **kwargs: object) -> None:
        if self.platform_id is not None and (self.tenant_id is None or not self.wims_login):
            from wims_lti.lti.identity import wims_login_for

            platform = self.platform
            self.tenant_id = self.tenant_id or platform.tenant_id
            self.wims_login = self.wims_login or wims_login_for(
                issuer=platform.issuer, client_id=platform.client_id, sub=self.sub
            )
        super().save(*args, **kwargs)  # type: ignore[arg-type]


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
