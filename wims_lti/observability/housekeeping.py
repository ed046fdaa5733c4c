"""The daily purge task (beat entry `housekeeping-purge` in settings/base.py): retention of sync runs and
supervisor entries (`wims_lti.services.privacy.housekeeping_purge`). Imported by wims_lti/celery.py."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wims_lti.tasks.housekeeping_purge", acks_late=True, ignore_result=True)
def housekeeping_purge_task() -> dict[str, int]:
    from wims_lti.services.privacy import housekeeping_purge

    report = housekeeping_purge()
    return {"sync_runs": report.sync_runs, "supervisor_entries": report.supervisor_entries}
