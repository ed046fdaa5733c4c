"""Celery tasks: thin wrappers receiving ids and calling services. Scheduled by CELERY_BEAT_SCHEDULE.

Every task is idempotent and acknowledged late (`acks_late`): a worker killed mid-task leaves the
message unacknowledged, and the broker delivers it again (after the visibility timeout on Redis); the
score ledger makes the rerun post only what did not reach the LMS. Long before that timeout, the
activity's heartbeat goes stale and the next "Sync now" or scheduled run takes it over (the late
redelivery then finds it over, or being run, and does nothing).
"""

from __future__ import annotations

import logging
import random

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from wims_lti.services.grades import (
    RetryLater,
    activity_sync_execute,
    activity_sync_give_up,
    grades_schedule_all,
)

logger = logging.getLogger(__name__)


@shared_task(name="wims_lti.tasks.grades_sync_all", acks_late=True, ignore_result=True)
def grades_sync_all() -> int:
    """Periodic fan-out: one sync task per bound activity of every linked course."""
    return len(grades_schedule_all())


@shared_task(
    bind=True,
    name="wims_lti.tasks.grades_sync_activity",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.GRADE_SYNC_SOFT_TIME_LIMIT,
    time_limit=settings.GRADE_SYNC_TIME_LIMIT,
    max_retries=settings.GRADE_SYNC_MAX_RETRIES,
)
def grades_sync_activity(self, activity_sync_id: int) -> None:  # type: ignore[no-untyped-def]
    """One sync of one activity; transient failures are retried with exponential backoff."""
    try:
        activity_sync_execute(activity_sync_id=activity_sync_id)
    except (RetryLater, SoftTimeLimitExceeded) as exc:
        code = exc.code if isinstance(exc, RetryLater) else "interrupted"
        if self.request.retries >= self.max_retries:
            logger.error(
                "activity sync %s: giving up after %d retries: %s", activity_sync_id, self.max_retries, exc
            )
            activity_sync_give_up(activity_sync_id=activity_sync_id, code=code, detail=str(exc))
            return
        countdown = getattr(exc, "countdown", None) or min(600, 10 * 2**self.request.retries)
        countdown *= 0.5 + random.random()
        logger.warning("activity sync %s: %s; retrying in %.0fs", activity_sync_id, code, countdown)
        raise self.retry(countdown=countdown, exc=exc) from exc
