"""`manage.py lti_invite --wims-server NAME`: a single-use URL for LTI Dynamic Registration."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from wims_lti.lti.dynamic_registration import invitation_create
from wims_lti.services.platforms import public_base_url, public_base_url_warnings
from wims_lti.services.servers import wims_server_get


class Command(BaseCommand):
    help = "Print a dynamic-registration URL to paste into Moodle 4.1+ or Canvas."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wims-server", required=True)
        parser.add_argument(
            "--pending-deployments",
            action="store_true",
            help="new deployments of this platform wait for an admin (default: accepted)",
        )
        parser.add_argument("--base-url", help="the bridge's public URL (default: PUBLIC_BASE_URL)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            server = wims_server_get(name=opts["wims_server"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        token = invitation_create(wims_server=server, accept_deployments=not opts["pending_deployments"])
        base = public_base_url(base_url=opts.get("base_url"))
        url = base + reverse("lti-register", args=[token])
        out: dict[str, Any] = {
            "registration_url": url,
            "valid_for_seconds": settings.LTI_REGISTRATION_INVITATION_MAX_AGE,
        }
        # The LMS fetches the registration URL and then every tool URL it is given: a base it cannot
        # reach, or an http one, makes the registration fail on its side with no word on ours.
        warnings = public_base_url_warnings(base, explicit=bool(opts.get("base_url")))
        if warnings:
            out["warnings"] = warnings
        self.stdout.write(json.dumps(out, indent=2))
        for warning in warnings:
            sys.stderr.write(f"WARNING: {warning}\n")
