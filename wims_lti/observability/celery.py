"""Request ids into Celery tasks, task ids into their logs.

A task published while handling a request carries the request's correlation id in a message header; the
worker restores it (so the task's log lines have the request id that queued it, or the task id when
nothing did) and sets the task id for `TaskIdFilter`/`JsonFormatter`.
"""

from __future__ import annotations

from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from wims_lti.correlation import current_correlation_id, set_correlation_id

from .logging import set_task_id

HEADER = "wims_lti_request_id"


@before_task_publish.connect(weak=False)
def _add_request_id(headers: dict[str, Any] | None = None, **_kw: Any) -> None:
    cid = current_correlation_id()
    if headers is not None and cid != "-":
        headers.setdefault(HEADER, cid)


@task_prerun.connect(weak=False)
def _enter_task(task_id: str | None = None, task: Any = None, **_kw: Any) -> None:
    request_id = getattr(getattr(task, "request", None), HEADER, None) if task is not None else None
    set_correlation_id(request_id or task_id or "-")
    set_task_id(task_id)


@task_postrun.connect(weak=False)
def _leave_task(**_kw: Any) -> None:
    set_correlation_id("-")
    set_task_id(None)
