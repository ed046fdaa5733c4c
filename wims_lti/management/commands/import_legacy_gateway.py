"""`manage.py import_legacy_gateway PATH [--dry-run]`: import the former LTI 1.1 WIMS gateway's SQLite."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wims_lti.services.legacy_import import LegacyImportError, legacy_gateway_import


class Command(BaseCommand):
    help = (
        "Import the LTI 1.1 WIMS gateway's database (SQLite, opened read-only): LMSs, WIMS servers, "
        "classes, users and their WIMS logins, sheet/exam links, LTI 1.1 outcome links. Re-runnable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the gateway's SQLite database file")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            report = legacy_gateway_import(path=opts["path"], dry_run=opts["dry_run"])
        except LegacyImportError as exc:
            raise CommandError(str(exc)) from exc
        head = "Dry run: nothing was written. Would change:" if report.dry_run else "Imported:"
        self.stdout.write(head)
        for key in sorted(report.counts):
            self.stdout.write(f"  {key}: {report.counts[key]}")
        for item in report.items:
            self.stdout.write(f"  {'would be ' if report.dry_run else ''}{item}")
        for line in report.skipped:
            self.stdout.write(f"  skipped: {line}")
        for line in report.conflicts:
            self.stderr.write(f"  conflict (left as it is): {line}")
        if not report.changed:
            self.stdout.write("Nothing to change: everything is already imported.")
