"""The WIMS login of an LMS user: derived from the platform and the LTI `sub`, never from names.

Deterministic (the same user always gets the same login, so a lost database row or two simultaneous
first launches can never create a second WIMS account), valid for WIMS (4-24 alphanumerics, not
`supervisor`) and, at 100 bits of SHA-256, collision-free in practice.
"""

from __future__ import annotations

import base64
import hashlib

LOGIN_PREFIX = "u"
LOGIN_HASH_CHARS = 20  # 20 base32 characters = 100 bits; with the prefix: 21 characters


def wims_login_for(*, issuer: str, client_id: str, sub: str) -> str:
    digest = hashlib.sha256("\x00".join((issuer, client_id, sub)).encode("utf-8")).digest()
    encoded = base64.b32encode(digest).decode("ascii").lower()
    return LOGIN_PREFIX + encoded[:LOGIN_HASH_CHARS]
