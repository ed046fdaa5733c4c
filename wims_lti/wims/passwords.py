"""WIMS 4.29a password records: what `getuser option=password` returns, and checking a password on it.

adm/raw stores a password as given (addclass data2, adduser); WIMS's web login rewrites it at the user's
first login as `*` followed by DES crypt(3) (its `!passcrypt`, the salt in the first two characters:
`*Nv6iFjcxsb78c`). Both forms are checked here, in constant time for the plain one.
"""

from __future__ import annotations

import hmac

from passlib.hash import des_crypt


def password_matches(password: str, stored: str) -> bool:
    if not password or not stored:
        return False
    if stored.startswith("*") and len(stored) == 14:
        try:
            return bool(des_crypt.verify(password, stored[1:]))
        except ValueError:
            return False
    return hmac.compare_digest(password.encode("latin-1", "replace"), stored.encode("latin-1", "replace"))
