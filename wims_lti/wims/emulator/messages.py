"""Replies in WIMS 4.29a's own formats: its hand-written JSON, plain-text errors and CSV.

WIMS writes JSON with string templates, not a serializer: strings are emitted **without escaping**
(a `"` in a name yields invalid JSON, as on the real server) and the body is ISO-8859-1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

JSON_TYPE = "application/json ; charset=iso-8859-1"
TEXT_TYPE = "text/plain ; charset=iso-8859-1"
HTML_TYPE = "text/html; charset=windows-1252"

Reply = tuple[int, str, bytes]


@dataclass(frozen=True)
class Bare:
    """A value WIMS writes unquoted although it is text (e.g. `expirations:[20991231,tomorrow]`)."""

    text: str


def number(value: float) -> str:
    """WIMS prints numbers with 8 significant digits and no trailing `.0`."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return '"NaN"'
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.8g}"


def encode_value(value: Any) -> str:
    if isinstance(value, Bare):
        return value.text
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}":{encode_value(v)}' for k, v in value.items()) + "}"
    if isinstance(value, Iterable):
        return "[" + ",".join(encode_value(v) for v in value) + "]"
    raise TypeError(f"cannot encode {value!r}")


def _body(text: str) -> bytes:
    return text.encode("latin-1", errors="replace")


def json_ok(code: str, job: str, fields: Iterable[tuple[str, Any]]) -> Reply:
    parts = [f'{{"status" : "OK","code":"{code}"', f'"job":"{job}"']
    parts += [f'"{key}":{encode_value(value)}' for key, value in fields]
    return 200, JSON_TYPE, _body("\n,".join(parts) + "\n}")


def json_error(code: str, message: str) -> Reply:
    return 200, JSON_TYPE, _body(f'{{"status" : "ERROR","code":"{code}","message":"{message}"}}')


def text_error(message: str) -> Reply:
    return 200, TEXT_TYPE, _body(f"ERROR\n{message}\n")


def text_reply(text: str, content_type: str = TEXT_TYPE, status: int = 200) -> Reply:
    return status, content_type, _body(text)


def html_reply(html: str, status: int = 200) -> Reply:
    return status, HTML_TYPE, html.encode("cp1252", errors="xmlcharrefreplace")


def not_trusted(path: str) -> Reply:
    """HTTP 550: WIMS's page for a file holding a value it would run as a command (`!...`)."""
    text = (
        "ERROR.\n\nwims has detected an error in the module 'adm/raw'.\n\n"
        f"In file '{path}', line 2: not_trusted.\n\n"
        "  The module adm/raw has no privilege to execute private scripts or\n"
        "  administrative commands.\n\n\n\n"
        "If you see this message, it is usually due to a bug in the module \n`adm/raw'.\n\n"
        "Please contact the module's developer about the bug.\n\n"
    )
    return 550, "text/plain; charset=windows-1252", _body(text)
