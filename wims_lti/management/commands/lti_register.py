"""`manage.py lti_register`: register an LTI 1.3 platform and print the tool-side URLs it needs.

Manual registration, in the order every LMS accepts (docs/lms/):

1. `lti_register --lms moodle --issuer https://moodle.example.edu --wims-server main` (no client id):
   a registration waiting for its client id; prints the URLs to paste into the LMS;
2. create the tool in the LMS with those URLs; it shows the client id (and a deployment id);
3. `lti_register --registration UUID --set-client-id ID --deployment DEP` completes and activates it
   (or paste the client id into the registration's admin page).
With the client id known from the start, step 1 with `--client-id` does it all at once.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wims_lti.models import Platform
from wims_lti.services.keys import toolkey_ensure
from wims_lti.services.platforms import (
    LMS_NAMES,
    lms_endpoints,
    platform_register,
    platform_set_client_id,
    platform_waiting_get,
    public_base_url,
    public_base_url_warnings,
    tool_urls,
)
from wims_lti.services.servers import wims_server_get


class Command(BaseCommand):
    help = (
        "Register (or update) an LTI 1.3 platform; prints the URLs to paste into the LMS, as JSON. "
        "Without --client-id the registration waits for the client id the LMS gives once it has "
        "those URLs: complete it with --registration UUID --set-client-id ID."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lms",
            choices=LMS_NAMES,
            help="fill in the LMS's own URLs (and Canvas's or Blackboard's issuer): moodle and "
            "brightspace need --issuer, their site's URL",
        )
        parser.add_argument("--issuer", help="the platform's issuer (Moodle: its site URL, the Platform ID)")
        parser.add_argument(
            "--client-id", default="", help="the client id the LMS issued (omit it to get the URLs first)"
        )
        parser.add_argument("--auth-login-url", default="", help="the platform's OIDC authorization URL")
        parser.add_argument("--auth-token-url", default="", help="the platform's OAuth2 token URL")
        parser.add_argument("--keyset-url", default="", help="the platform's public JWKS URL")
        parser.add_argument("--deployment", action="append", default=[], dest="deployments")
        parser.add_argument("--wims-server", help="name of a server added with wims_server add")
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
        parser.add_argument(
            "--registration",
            help="the public id (UUID) of a registration waiting for its client id, to complete it",
        )
        parser.add_argument(
            "--set-client-id",
            default="",
            help="complete the registration (--registration UUID, or the one --issuer has waiting)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts.get("registration") and opts["client_id"] and not opts["set_client_id"]:
            raise CommandError("to complete a registration, give its client id with --set-client-id")
        try:
            platform = self._complete(opts) if opts["set_client_id"] else self._register(opts)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        toolkey_ensure()
        base = public_base_url(base_url=opts.get("base_url"))
        warnings = public_base_url_warnings(base, explicit=bool(opts.get("base_url")))
        waiting = (
            Platform.objects.filter(issuer=platform.issuer, client_id="").exclude(pk=platform.pk).first()
        )
        if waiting is not None:
            warnings.append(
                f"A registration of {platform.issuer} still waits for its client id: {waiting.uuid} "
                f"({waiting.name}). If the LMS was given its URLs, complete that one instead "
                f"(--registration {waiting.uuid} --set-client-id …), then remove this one in the admin."
            )
        out: dict[str, Any] = {
            "registration": str(platform.uuid),
            "issuer": platform.issuer,
            "client_id": platform.client_id,
            "status": "waiting for the client id" if platform.awaiting_client_id else "active",
            **tool_urls(platform=platform, base_url=base),
        }
        if platform.awaiting_client_id:
            out["next"] = (
                "Create the tool in the LMS with these URLs, then run: manage.py lti_register "
                f"--registration {platform.uuid} --set-client-id <the LMS's client id> "
                "--deployment <its deployment id>"
            )
        if warnings:
            out["warnings"] = warnings
        self.stdout.write(json.dumps(out, indent=2))
        for warning in warnings:
            sys.stderr.write(f"WARNING: {warning}\n")

    def _endpoints(self, opts: dict[str, Any], *, client_id: str = "") -> dict[str, str]:
        """The platform URLs given on the command line, completed by the `--lms` ones."""
        urls = {
            "issuer": opts.get("issuer") or "",
            "auth_login_url": opts["auth_login_url"],
            "auth_token_url": opts["auth_token_url"],
            "keyset_url": opts["keyset_url"],
            "auth_audience": opts["auth_audience"],
        }
        if opts.get("lms"):
            known = lms_endpoints(lms=opts["lms"], issuer=urls["issuer"])
            keyset = known.keyset_url
            if "{client_id}" in keyset:  # Blackboard: known once the client id is
                keyset = keyset.format(client_id=client_id) if client_id else ""
            urls["issuer"] = known.issuer  # normalised (Moodle's and Brightspace's: no trailing "/")
            for key, value in (
                ("auth_login_url", known.auth_login_url),
                ("auth_token_url", known.auth_token_url),
                ("keyset_url", keyset),
                ("auth_audience", known.auth_audience),
            ):
                urls[key] = urls[key] or value
        return urls

    def _register(self, opts: dict[str, Any]) -> Platform:
        client_id = opts["client_id"].strip()
        urls = self._endpoints(opts, client_id=client_id)
        missing = [name for name in ("issuer", "wims_server") if not (urls.get(name) or opts.get(name))]
        if client_id:
            missing += [key for key in ("auth_login_url", "auth_token_url", "keyset_url") if not urls[key]]
        if missing:
            flags = ", ".join("--" + name.replace("_", "-") for name in missing)
            raise CommandError(f"missing {flags} (or --lms, which knows the LMS's URLs)")
        if opts.get("registration"):
            pending = self._registration(opts["registration"])
            if pending.issuer != urls["issuer"]:
                raise CommandError(
                    f"registration {pending.uuid} is for {pending.issuer}, not {urls['issuer']}"
                )
            opts["name"] = opts["name"] or pending.name
        return platform_register(
            name=opts["name"],
            issuer=urls["issuer"],
            client_id=client_id,
            auth_login_url=urls["auth_login_url"],
            auth_token_url=urls["auth_token_url"],
            keyset_url=urls["keyset_url"],
            deployment_ids=opts["deployments"],
            wims_server=wims_server_get(name=opts["wims_server"]),
            auth_audience=urls["auth_audience"],
            institution=opts["institution"],
            accept_unknown_deployments=opts["accept_unknown_deployments"],
            lti11_consumer_key=opts["lti11_consumer_key"],
            lti11_secret=opts["lti11_secret"] or os.environ.get("LTI11_SECRET", ""),
            keep_apart=opts["keep_apart"],
        )

    def _registration(self, value: str) -> Platform:
        try:
            return Platform.objects.get(uuid=uuid.UUID(value))
        except (ValueError, Platform.DoesNotExist) as exc:
            raise CommandError(f"no registration with the public id {value!r}") from exc

    def _complete(self, opts: dict[str, Any]) -> Platform:
        if opts.get("registration"):
            platform = self._registration(opts["registration"])
        elif opts.get("issuer") or opts.get("lms"):
            issuer = opts.get("issuer") or lms_endpoints(lms=opts["lms"]).issuer
            platform = platform_waiting_get(issuer=issuer)
        else:
            raise CommandError(
                "--set-client-id needs --registration UUID (or the --issuer of the registration)"
            )
        if opts.get("lms") and not opts.get("issuer"):
            opts["issuer"] = platform.issuer
        urls = self._endpoints(opts, client_id=opts["set_client_id"].strip())
        return platform_set_client_id(
            platform=platform,
            client_id=opts["set_client_id"],
            deployment_ids=opts["deployments"],
            auth_login_url=urls["auth_login_url"],
            auth_token_url=urls["auth_token_url"],
            keyset_url=urls["keyset_url"],
            auth_audience=urls["auth_audience"],
        )
