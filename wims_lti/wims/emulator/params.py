"""Request parameters as WIMS reads them: `+`-prefixed names, data1 lines, logins, brackets."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = set(_OPEN.values())


def parse_query(query: str) -> dict[str, str]:
    """Decode a query string or form body like WIMS: ISO-8859-1 bytes, first value wins.

    WIMS pages write links as `&+module=...`; form-decoding turns that `+` into a space, and WIMS
    ignores both, so leading `+` and spaces are stripped from names.
    """
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, encoding="latin-1"):
        params.setdefault(key.lstrip(" +"), value)
    return params


def balanced(value: str) -> bool:
    """True when every `( [ {` is closed in order; WIMS rejects the request otherwise (HTTP 450)."""
    stack: list[str] = []
    for char in value:
        if char in _OPEN:
            stack.append(_OPEN[char])
        elif char in _CLOSE and (not stack or stack.pop() != char):
            return False
    return not stack


def first_unbalanced(params: dict[str, str]) -> str | None:
    return next((name for name, value in params.items() if not balanced(value)), None)


def parse_defs(data: str) -> dict[str, str]:
    """`name=value` lines of data1/data2 (later lines win); lines without `=` are ignored."""
    defs: dict[str, str] = {}
    for line in data.replace("\r", "").split("\n"):
        name, sep, value = line.partition("=")
        if sep and name.strip():
            defs[name.strip()] = value.strip()
    return defs


def first_word(value: str) -> str:
    words = value.split()
    return words[0] if words else ""


def login_of(quser: str) -> str:
    """adduser's rewrite: first word, ASCII letters and digits only.

    `Mixed.Case-Login_1` → `MixedCaseLogin1`, `Bad Login!` → `Bad`, `Jéan` → `Jan`.
    """
    return re.sub(r"[^A-Za-z0-9]", "", first_word(quser))


def bad_quser(quser: str) -> bool:
    return not quser or re.search(r"[^A-Za-z0-9_.@-]", quser) is not None
