"""Turn one HTTP reply of adm/raw into a dict, a text, or the right `WimsError`.

The exact messages are those of a real WIMS 4.29a (see the project's WIMS notes); a message not
recognised here still raises `WimsErrorReply`, with WIMS's text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .encoding import WIMS_CHARSET
from .errors import (
    WimsBusy,
    WimsClassNotFound,
    WimsCodeMismatch,
    WimsConnectionRefused,
    WimsDeletedUserExists,
    WimsErrorReply,
    WimsIdentificationFailure,
    WimsInvalidField,
    WimsInvalidResponse,
    WimsItemNotFound,
    WimsNotActive,
    WimsNothingDone,
    WimsNoUserInClass,
    WimsUnbalancedBrackets,
    WimsUnknownJob,
    WimsUntrustedRecord,
    WimsUserExists,
    WimsUserNotFound,
)

EXCERPT_CHARS = 200
MIN_MASKED_SECRET = 5

# Order matters: the first pattern that matches WIMS's message wins.
_ERROR_PATTERNS: tuple[tuple[re.Pattern[str], type[WimsErrorReply]], ...] = (
    (re.compile(r"^Identification Failure\b", re.IGNORECASE), WimsIdentificationFailure),
    (re.compile(r"^connection refused by requested class\b"), WimsConnectionRefused),
    (re.compile(r"^class \S+ not existing$"), WimsClassNotFound),
    (re.compile(r"^user \S+ not in this class\b"), WimsUserNotFound),
    (re.compile(r"^Deleted user found\. Use Recuser instead\."), WimsDeletedUserExists),
    (re.compile(r"^user already exists in this class\b"), WimsUserExists),
    (re.compile(r"^element #\S+ of type \w+ does not exist in this class\b"), WimsItemNotFound),
    (re.compile(r"^(Sheet|Exam) #\S+ must be active$"), WimsNotActive),
    (re.compile(r"^There(?: is|'s) no user in this class$"), WimsNoUserInClass),
    (re.compile(r"^data \S+ (too short|too long|must be a valid email)\b"), WimsInvalidField),
    (re.compile(r"^incomplete \(or forbidden chars\) in data\b"), WimsInvalidField),
    (re.compile(r"^login name must not be\b"), WimsInvalidField),
    (re.compile(r"^bad login name$"), WimsInvalidField),
    (re.compile(r"^bad user \(empty quser or bad chars detected\)$"), WimsInvalidField),
    (re.compile(r"^nothing done$"), WimsNothingDone),
    (re.compile(r"^wrong request: no job$"), WimsUnknownJob),
)
_UNBALANCED = re.compile(r"unmatched\s+parenthes", re.IGNORECASE)
# wims.cgi's overload page (checked before any module runs), seen on the real 4.29a under load.
_BUSY = re.compile(r"<h1>\s*We are too busy\s*</h1>", re.IGNORECASE)
# HTTP 550 text/plain: "In file 'wimshome/log/classes/1234567/.users/jdoe', line 2: not_trusted."
_NOT_TRUSTED = re.compile(r"In file '([^'\n]{1,300})', line \d+: not_trusted")
_USER_RECORD = re.compile(r"/\.users/([A-Za-z0-9@]{1,64})$")


def untrusted_record(body: str, *, job: str | None = None) -> WimsUntrustedRecord | None:
    """The error for WIMS's `not_trusted` page (a record holding a value that starts with `!`)."""
    match = _NOT_TRUSTED.search(body)
    if match is None:
        return None
    path = match.group(1)
    user = _USER_RECORD.search(path)
    return WimsUntrustedRecord(
        f"WIMS cannot read its record {path} (a stored value starts with '!')",
        job=job,
        path=path,
        quser=user.group(1) if user else None,
    )


_PASSWD_FIELD = re.compile(r"""(name=["']?passwd["']?\s+value=["']?|passwd=)[^"'&\s>]*""", re.IGNORECASE)
# The unmatched-parentheses page shows the offending parameters as visible, labelled inputs.
_LABEL = re.compile(r"""<label for=["']?([\w.]+)""")


def error_for_message(message: str, *, job: str | None = None) -> WimsErrorReply:
    """The `WimsErrorReply` subclass naming the cause of WIMS's `ERROR` message."""
    text = message.strip()
    for pattern, cls in _ERROR_PATTERNS:
        if pattern.search(text):
            return cls(text, job=job)
    return WimsErrorReply(text, job=job)


class ReplyReader:
    """Reads replies for one request; `secrets` are masked out of every excerpt it puts in an error."""

    def __init__(self, job: str, code: str, secrets: tuple[str, ...]) -> None:
        self.job = job
        self.code = code
        # Very short secrets are not masked: "bad" would turn WIMS's "bad login/pwd" into nonsense.
        self.secrets = tuple(s for s in secrets if len(s) >= MIN_MASKED_SECRET)

    def mask(self, text: str) -> str:
        # WIMS's HTML error pages echo every request parameter, the password included.
        text = _PASSWD_FIELD.sub(r"\1***", text)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def excerpt(self, body: str) -> str:
        text = self.mask(body)[:EXCERPT_CHARS]
        for secret in self.secrets:  # a secret cut by the slice must not leak its start either
            for cut in range(len(secret) - 1, 2, -1):
                if text.endswith(secret[:cut]):
                    text = text[:-cut] + "***"
                    break
        return text

    def invalid(
        self,
        message: str,
        status_code: int,
        content_type: str,
        body: str,
        cls: type[WimsInvalidResponse] | None = None,
    ) -> WimsInvalidResponse:
        return (cls or WimsInvalidResponse)(
            message,
            job=self.job,
            status_code=status_code,
            content_type=content_type,
            body_excerpt=self.excerpt(body),
        )

    def read(self, status_code: int, content_type: str, content: bytes, *, text_reply: bool = False) -> Any:
        """The parsed OK reply (a dict, or the text for text jobs); raises a `WimsError` otherwise."""
        body = content.decode(WIMS_CHARSET)
        stripped = body.lstrip()
        if stripped.startswith("ERROR") and "not_trusted" in body:
            untrusted = untrusted_record(body, job=self.job)
            if untrusted is not None:
                raise untrusted
        if _UNBALANCED.search(body) and "html" in content_type.lower():
            fields = ", ".join(dict.fromkeys(_LABEL.findall(body))) or "a parameter"
            raise self.invalid(
                f"WIMS refused the request: unmatched parentheses in {fields}",
                status_code,
                content_type,
                body,
                WimsUnbalancedBrackets,
            )
        if _BUSY.search(body) and "html" in content_type.lower():
            raise WimsBusy(f'WIMS is overloaded (HTTP {status_code}, "We are too busy")', job=self.job)
        if stripped.startswith("{"):
            return self._json(status_code, content_type, body)
        if stripped.startswith("ERROR"):
            self._plain_error(status_code, content_type, body)
        if text_reply and 200 <= status_code < 300:
            return body
        raise self.invalid(
            f"WIMS answered HTTP {status_code} {content_type or '(no content type)'}, not an adm/raw reply",
            status_code,
            content_type,
            body,
        )

    def _plain_error(self, status_code: int, content_type: str, body: str) -> None:
        """`ERROR\\n<message>` in text/plain: WIMS's answer before it knows the ident's JSON type."""
        lines = [line.strip() for line in body.strip().splitlines()]
        message = lines[1] if len(lines) > 1 else "ERROR"
        if "identification failure" in message.lower():
            error = WimsIdentificationFailure(self.mask(message), job=self.job)
            error.plain_text = True  # no JSON connection file for this ident (see wims/ident_check.py)
            raise error
        raise self.invalid(
            f"WIMS answered a plain-text error: {self.mask(message)}", status_code, content_type, body
        )

    def _json(self, status_code: int, content_type: str, body: str) -> dict[str, Any]:
        try:
            data = json.loads(body)
        except json.JSONDecodeError as exc:
            raise self.invalid(
                f"WIMS answered invalid JSON ({exc.msg} at line {exc.lineno})",
                status_code,
                content_type,
                body,
            ) from None
        if not isinstance(data, dict) or data.get("status") not in ("OK", "ERROR"):
            raise self.invalid(
                "WIMS answered JSON without an OK/ERROR status", status_code, content_type, body
            )
        if str(data.get("code", "")) != self.code:
            raise self.invalid(
                "the code echoed by WIMS is not the one sent with the request",
                status_code,
                content_type,
                body,
                WimsCodeMismatch,
            )
        if data["status"] == "ERROR":
            raise error_for_message(self.mask(str(data.get("message", ""))), job=self.job)
        return data
