"""Structured logs: one JSON object per line (`LOG_FORMAT=json`), with the request and Celery task ids.

Fields: `time` (UTC, ISO 8601, milliseconds), `level`, `logger`, `message`, `request_id` (the correlation id
of `wims_lti.correlation`, also carried into the Celery tasks a request queues), `task_id` (inside a task),
`exception` (the formatted trace, when there is one) and any `extra={...}` given to the log call.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from contextvars import ContextVar
from typing import Any

_task_id: ContextVar[str | None] = ContextVar("celery_task_id", default=None)

# Attributes every LogRecord has: anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "correlation_id",
    "task_id",
    "taskName",
}


def current_task_id() -> str | None:
    return _task_id.get()


def set_task_id(value: str | None) -> object:
    return _task_id.set(value)


def reset_task_id(token: object) -> None:
    _task_id.reset(token)  # type: ignore[arg-type]


class TaskIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.task_id = _task_id.get() or "-"
        return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "correlation_id", "-"),
        }
        task_id = getattr(record, "task_id", None) or _task_id.get()
        if task_id and task_id != "-":
            out["task_id"] = task_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = _jsonable(value)
        if record.exc_info:  # exc_text: the traceback as scrubbed when the record was made
            out["exception"] = record.exc_text or self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False)
