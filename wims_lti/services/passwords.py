"""Random alphanumeric passwords (WIMS strips every other character)."""

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def random_password(length: int = 20) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
