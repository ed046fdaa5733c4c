"""No bearer token in any log line: teacher-page tokens, registration invitations, id_tokens.

Teacher pages carry their token in the URL path (`/teacher/<token>/…`, valid hours), dynamic
registration its invitation (`/lti/register/<token>/`) and the platform's `registration_token`. Every
log record made in the process is scrubbed when it is created (`install`, a LogRecord factory: Django's
request and runserver logs, gunicorn's access log, Celery, ours), message and traceback alike; gunicorn's
access lines also go through `GunicornLogger` (docker/gunicorn.conf.py), whether Django is loaded or not.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_PATTERNS = (
    (re.compile(r"(/teacher/)[^/\s\"'?#]+"), r"\1" + REDACTED),
    (re.compile(r"(/lti/register/)[^/\s\"'?#]+"), r"\1" + REDACTED),
    (
        re.compile(
            r"((?:registration_token|id_token|JWT|lti_storage_target|state)=)[^&\s\"']+", re.IGNORECASE
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1" + REDACTED),
)


def scrub(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_factory = logging.getLogRecordFactory()


def _scrubbing_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: leave the record to the handler's error path
        return record
    cleaned = scrub(message)
    if cleaned != message or record.args:
        record.msg, record.args = cleaned, ()
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    return record


def install() -> None:
    """Scrub every record created in this process from now on (idempotent)."""
    global _factory
    current = logging.getLogRecordFactory()
    if current is not _scrubbing_factory:
        _factory = current
        logging.setLogRecordFactory(_scrubbing_factory)


class GunicornLogger(Logger):
    """gunicorn's logger with the request line, URL and referrer of access lines scrubbed."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: scrub(value) if isinstance(value, str) else value for key, value in atoms.items()}
