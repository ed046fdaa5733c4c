"""`manage.py purge [--dry-run]`: delete sync runs and supervisor entries past their retention."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from wims_lti.services.privacy import housekeeping_purge


class Command(BaseCommand):
    help = (
        "Delete sync runs older than SYNC_RUN_RETENTION_DAYS and supervisor entries older than "
        "SUPERVISOR_LOG_RETENTION_DAYS (0: kept forever). Also run daily by celery beat."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        report = housekeeping_purge(dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        self.stdout.write(
            f"{verb} {report.sync_runs} sync runs (retention {settings.SYNC_RUN_RETENTION_DAYS} days), "
            f"{report.supervisor_entries} supervisor entries "
            f"(retention {settings.SUPERVISOR_LOG_RETENTION_DAYS} days)"
        )
