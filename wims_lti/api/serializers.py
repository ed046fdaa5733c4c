"""Model → JSON dicts of the API (shapes described in `openapi.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wims_lti.models import ApiToken, Course, ResourceLink, ScoreLedger, SyncRun
from wims_lti.services.grades import run_progress
from wims_lti.services.grades.runs import last_run, next_scheduled


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes or []),
        "expires_at": iso(token.expires_at),
    }


def run_json(run: SyncRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    progress = run_progress(run=run)
    statuses = sorted({a.status for a in run.activities.all()})
    return {
        "id": run.pk,
        "trigger": run.trigger,
        "created": iso(run.created),
        "finished": iso(run.finished),
        "running": progress.running,
        "percent": progress.percent,
        "activities": progress.total,
        "activities_over": progress.over,
        "statuses": statuses,
    }


def course_json(course: Course) -> dict[str, Any]:
    server = course.wims_server
    return {
        "id": course.pk,
        "title": course.title,
        "label": course.label,
        "context_id": course.context_id,
        "platform": {"uuid": str(course.platform.uuid), "name": course.platform.name},
        "wims": {
            "server": server.name if server else None,
            "url": server.url if server else None,
            "qclass": course.qclass,
        },
        "linked_at": iso(course.linked_at),
        "sync": {
            "last_run": run_json(last_run(course=course)),
            "next_scheduled": iso(next_scheduled(course=course)),
        },
    }


def activity_json(link: ResourceLink) -> dict[str, Any]:
    line_item = getattr(link, "grade_line_item", None)
    return {
        "id": link.pk,
        "title": link.title,
        "resource_link_id": link.resource_link_id,
        "kind": link.kind,
        "number": link.number,
        "line_item": line_item.url if line_item is not None else None,
    }


def grade_json(entry: ScoreLedger) -> dict[str, Any]:
    user = entry.lms_user
    return {
        "activity": entry.line_item.link_id,
        "user": {"sub": user.sub, "given_name": user.given_name, "family_name": user.family_name},
        "status": entry.status,
        "score_given": entry.score_given,
        "score_maximum": entry.score_maximum,
        "timestamp": iso(entry.timestamp),
        "pending": entry.pending_timestamp is not None,
        "reason": entry.reason,
        "modified": iso(entry.modified),
    }
