"""`manage.py lti_register`: register an LTI 1.3 platform and print the tool-side URLs it needs."""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wims_lti.services.keys import toolkey_ensure
from wims_lti.services.platforms import platform_register, tool_urls
from wims_lti.services.servers import wims_server_get


class Command(BaseCommand):
    help = "Register (or update) an LTI 1.3 platform; prints the URLs to paste into the LMS, as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--auth-login-url", required=True, help="the platform's OIDC authorization URL")
        parser.add_argument("--auth-token-url", required=True, help="the platform's OAuth2 token URL")
        parser.add_argument("--keyset-url", required=True, help="the platform's public JWKS URL")
        parser.add_argument("--deployment", action="append", default=[], dest="deployments")
        parser.add_argument(
            "--wims-server", required=True, help="name of a server added with wims_server add"
        )
        parser.add_argument("--name", default="")
        parser.add_argument("--auth-audience", default="")
        parser.add_argument("--institution", default="")
        parser.add_argument("--accept-unknown-deployments", action="store_true")
        parser.add_argument(
            "--lti11-consumer-key",
            default="",
            help="the LTI 1.1 consumer key this platform used (verifies its migration claim)",
        )
        parser.add_argument("--lti11-secret", default="", help="its LTI 1.1 secret (or env LTI11_SECRET)")
        parser.add_argument(
            "--keep-apart",
            action="store_true",
            help="a known issuer with another keyset URL: give it its own tenant (else refused)",
        )
        parser.add_argument("--base-url", help="the bridge's public URL (default: PUBLIC_BASE_URL)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            platform = platform_register(
                name=opts["name"],
                issuer=opts["issuer"],
                client_id=opts["client_id"],
                auth_login_url=opts["auth_login_url"],
                auth_token_url=opts["auth_token_url"],
                keyset_url=opts["keyset_url"],
                deployment_ids=opts["deployments"],
                wims_server=wims_server_get(name=opts["wims_server"]),
                auth_audience=opts["auth_audience"],
                institution=opts["institution"],
                accept_unknown_deployments=opts["accept_unknown_deployments"],
                lti11_consumer_key=opts["lti11_consumer_key"],
                lti11_secret=opts["lti11_secret"] or os.environ.get("LTI11_SECRET", ""),
                keep_apart=opts["keep_apart"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        toolkey_ensure()
        out = {
            "registration": str(platform.uuid),
            "issuer": platform.issuer,
            "client_id": platform.client_id,
            **tool_urls(platform=platform, base_url=opts.get("base_url")),
        }
        self.stdout.write(json.dumps(out, indent=2))
