"""Model fields."""

from __future__ import annotations

from typing import Any

from django.db import models

from wims_lti import crypto


class EncryptedTextField(models.TextField):
    """Text stored encrypted (Fernet). Never shown in full in the admin or in reprs."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))
