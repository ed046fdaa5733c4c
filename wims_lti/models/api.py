"""Tokens for the admin JSON API (`/api/v0/`): issued in the Django admin, stored hashed, scoped."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class ApiToken(TimeStamped):
    class Scope(models.TextChoices):
        COURSES_READ = "courses:read", _("read courses and their activities")
        GRADES_READ = "grades:read", _("read pushed grades")
        SYNC_WRITE = "sync:write", _("start grade syncs")

    name = models.CharField(_("name"), max_length=200)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, help_text=_("Identifies the token."))
    key_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="api_tokens"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
