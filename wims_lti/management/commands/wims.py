"""`manage.py wims`: send one adm/raw job to a WIMS server and print the reply.

Exit codes: 0 OK, 1 WIMS answered ERROR (its message on stderr), 2 connection, protocol or
validation error. The password can come from the environment (`WIMS_PASSWD`) so it never shows
in `ps`; it is never printed.
"""

from __future__ import annotations

import json
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from wims_lti.wims import identifiers as ids
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsError, WimsErrorReply, WimsValidationError

EXIT_OK, EXIT_WIMS_ERROR, EXIT_FAILURE = 0, 1, 2
# The protocol doc's name for a job that WIMS 4.29a calls differently.
JOB_ALIASES = {"restoreclassbackups": "restoreclassbackup"}


def parse_assignments(
    items: list[str],
) -> tuple[dict[str, str], dict[str, str] | str | None, dict[str, str] | None]:
    """`qclass=1`, `data1.firstname=Jo`, `data1=raw text` → (params, data1, data2)."""
    params: dict[str, str] = {}
    data: dict[str, dict[str, str] | str | None] = {"data1": None, "data2": None}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise WimsValidationError(f"expected name=value, got {item!r}", field=item)
        prefix, dot, field = name.partition(".")
        if dot and prefix in data:
            current = data[prefix]
            if isinstance(current, str):
                raise WimsValidationError(f"{prefix} given both as text and as fields", field=prefix)
            data[prefix] = {**(current or {}), field: value}
        elif name in data:
            if isinstance(data[name], dict):
                raise WimsValidationError(f"{name} given both as text and as fields", field=name)
            data[name] = value.replace("\\n", "\n")
        else:
            params[name] = value
    data2 = data["data2"]
    if isinstance(data2, str):
        raise WimsValidationError("give data2 as data2.<field>=value", field="data2")
    return params, data["data1"], data2


def check_params(params: dict[str, str]) -> None:
    """The identifier rules of the client, applied to raw CLI parameters."""
    if "qclass" in params:
        ids.check_class_id(params["qclass"])
    if "quser" in params and params.get("option") != "hashlogin":
        ids.check_login(params["quser"], allow_supervisor=True)
    for name in ("qsheet", "qexam"):
        if name in params:
            ids.check_item_id(params[name], field=name)


class Command(BaseCommand):
    help = (
        "Send one WIMS adm/raw job and print the parsed reply as JSON (exit 0 OK, 1 WIMS ERROR, 2 failure)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--server",
            help="a WIMS server stored with `manage.py wims_server add` (instead of --url/--ident)",
        )
        parser.add_argument("--url", help="WIMS CGI URL, e.g. https://wims.example.org/wims/wims.cgi")
        parser.add_argument("--ident", help="adm/raw ident (the connection file's name)")
        parser.add_argument("--passwd", help="adm/raw password (default: environment variable WIMS_PASSWD)")
        parser.add_argument(
            "--user-agent", help="first word of the User-Agent (default: settings.WIMS_USER_AGENT)"
        )
        parser.add_argument("--timeout", type=float, help="read timeout in seconds, for every job")
        parser.add_argument("job", help="adm/raw job, e.g. checkident, getclass, adduser")
        parser.add_argument(
            "assignments", nargs="*", metavar="name=value", help="qclass=..., data1.firstname=..."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["server"]:
            from wims_lti.models import WimsServer

            server = WimsServer.objects.filter(name=options["server"]).first()
            if server is None:
                self.stderr.write(
                    f"error: no WIMS server named {options['server']!r} (see manage.py wims_server list)"
                )
                raise SystemExit(EXIT_FAILURE)
            options["url"], options["ident"] = server.url, server.ident
            passwd = options["passwd"] or server.passwd
        else:
            if not options["url"] or not options["ident"]:
                self.stderr.write("error: give --server NAME, or --url and --ident")
                raise SystemExit(EXIT_FAILURE)
            passwd = options["passwd"] or os.environ.get("WIMS_PASSWD", "")
        if not passwd:
            self.stderr.write("error: give --passwd or set WIMS_PASSWD")
            raise SystemExit(EXIT_FAILURE)
        client = self._client(options, passwd)
        job = JOB_ALIASES.get(options["job"], options["job"])
        try:
            params, data1, data2 = parse_assignments(options["assignments"])
            check_params(params)
            reply = client.call(job, params, data1=data1, data2=data2)
        except WimsErrorReply as exc:
            self.stderr.write(f"WIMS ERROR ({type(exc).__name__}): {exc.message}")
            raise SystemExit(EXIT_WIMS_ERROR) from None
        except WimsError as exc:
            field = getattr(exc, "field", None)
            detail = f" [{field}]" if field else ""
            excerpt = getattr(exc, "body_excerpt", "")
            self.stderr.write(f"error ({type(exc).__name__}){detail}: {exc}")
            if excerpt:
                self.stderr.write(f"reply starts with: {excerpt[:200]!r}")
            raise SystemExit(EXIT_FAILURE) from None
        finally:
            client.close()
        if isinstance(reply, str):
            self.stdout.write(reply, ending="" if reply.endswith("\n") else "\n")
        else:
            self.stdout.write(json.dumps(reply, indent=2, ensure_ascii=False))

    @staticmethod
    def _client(options: dict[str, Any], passwd: str) -> WimsClient:
        timeout = options["timeout"]
        return WimsClient(
            options["url"],
            options["ident"],
            passwd,
            user_agent=options["user_agent"] or settings.WIMS_USER_AGENT,
            connect_timeout=settings.WIMS_CONNECT_TIMEOUT,
            read_timeout=timeout or settings.WIMS_READ_TIMEOUT,
            slow_read_timeout=timeout or settings.WIMS_SLOW_READ_TIMEOUT,
            read_retries=settings.WIMS_READ_RETRIES,
            retry_backoff=settings.WIMS_RETRY_BACKOFF,
        )
