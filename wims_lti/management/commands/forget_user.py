"""`manage.py forget_user --platform UUID --sub SUB [--anonymise|--delete] [--in-wims]` (privacy requests)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wims_lti.services.privacy import Mode, lms_user_forget, lms_user_get, platform_get


class Command(BaseCommand):
    help = (
        "Forget one LMS user: anonymise (default: names, email, sub and IPs go, scores stay under a "
        "pseudonym) or delete everything the bridge holds about them; --in-wims also deletes their "
        "account from each linked WIMS class."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--platform", required=True, help="the platform's public id (UUID)")
        parser.add_argument("--sub", required=True, help="the user's LTI subject (sub)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--anonymise", "--anonymize", action="store_true", help="(default)")
        mode.add_argument("--delete", action="store_true")
        parser.add_argument("--in-wims", action="store_true", help="also delete their WIMS accounts")

    def handle(self, *args: Any, **options: Any) -> None:
        if platform_get(platform_uuid=options["platform"]) is None:
            raise CommandError(f"No platform with id {options['platform']}.")
        user = lms_user_get(platform_uuid=options["platform"], sub=options["sub"])
        if user is None:
            raise CommandError("No such user on this platform (already forgotten?).")
        mode: Mode = "delete" if options["delete"] else "anonymise"
        report = lms_user_forget(user=user, mode=mode, in_wims=options["in_wims"])
        for where in report.wims_deleted:
            self.stdout.write(f"WIMS account deleted: {where}")
        if not report.ok:
            for error in report.wims_errors:
                self.stderr.write(f"WIMS account NOT deleted: {error}")
            raise CommandError("WIMS accounts left: nothing else was changed; run the command again.")
        done = "deleted" if mode == "delete" else "anonymised"
        self.stdout.write(
            self.style.SUCCESS(
                f"User {done}; {report.sync_records_scrubbed} sync records scrubbed, "
                f"{report.supervisor_entries} supervisor entries {done}."
            )
        )
