"""WIMS servers the bridge talks to through adm/raw."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .fields import EncryptedTextField

alphanumeric = RegexValidator(r"^[A-Za-z0-9]+$", _("Only letters and digits (WIMS strips other characters)."))
slug_like = RegexValidator(r"^[A-Za-z0-9_.-]+$", _("Letters, digits, '.', '-' and '_' only."))


class WimsServer(TimeStamped):
    """One WIMS server and the adm/raw connection (`.connections/IDENT` on the WIMS side)."""

    name = models.CharField(_("name"), max_length=64, unique=True, validators=[slug_like])
    url = models.URLField(
        _("adm/raw URL"), max_length=500, help_text=_("e.g. https://wims.example.edu/wims/wims.cgi")
    )
    ident = models.CharField(_("ident"), max_length=64, validators=[slug_like])
    passwd = EncryptedTextField(_("adm/raw password"), validators=[alphanumeric])
    rclass = models.CharField(
        _("remote class id (rclass)"),
        max_length=64,
        default="wimslti",
        validators=[alphanumeric],
        help_text=_("Declared in each class's class_connections as +IDENT/RCLASS+."),
    )
    max_concurrency = models.PositiveSmallIntegerField(
        _("max concurrent adm/raw calls"), default=4, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("WIMS server")
        verbose_name_plural = _("WIMS servers")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def __repr__(self) -> str:
        return f"<WimsServer {self.name!r} {self.url!r} ident={self.ident!r}>"
