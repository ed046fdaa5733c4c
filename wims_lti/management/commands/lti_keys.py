"""`manage.py lti_keys init|rotate|remove-retired|list`: the tool's signing keys."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wims_lti.models import ToolKey
from wims_lti.services.keys import toolkey_ensure, toolkey_remove_retired, toolkey_rotate


class Command(BaseCommand):
    help = "Manage the tool's signing keys (published at /lti/jwks/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["init", "rotate", "remove-retired", "list"])

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "init":
            result: object = {"active": toolkey_ensure().kid}
        elif action == "rotate":
            result = toolkey_rotate()
        elif action == "remove-retired":
            result = {"removed": toolkey_remove_retired()}
        else:
            result = [
                {"kid": k.kid, "status": k.status, "created": k.created.isoformat()}
                for k in ToolKey.objects.order_by("created")
            ]
        self.stdout.write(json.dumps(result, indent=2))
