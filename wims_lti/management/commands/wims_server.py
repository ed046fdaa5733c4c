"""`manage.py wims_server add|update|list|check|remove`: the WIMS servers the bridge talks to."""

from __future__ import annotations

import json
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wims_lti.models import WimsServer
from wims_lti.services.servers import (
    wims_client_for,
    wims_server_create,
    wims_server_get,
    wims_server_update,
)
from wims_lti.services.wims_connection import wims_connection_advice
from wims_lti.wims.errors import WimsError


class Command(BaseCommand):
    help = "Store and check WIMS servers (the adm/raw password is encrypted at rest)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for action in ("add", "update"):
            p = sub.add_parser(action)
            p.add_argument("--name", required=True)
            p.add_argument("--url", required=action == "add")
            p.add_argument("--ident", required=action == "add")
            p.add_argument("--passwd", help="adm/raw password (or set WIMS_PASSWD in the environment)")
            p.add_argument("--rclass")
            p.add_argument("--max-concurrency", type=int)
            p.add_argument("--check", action="store_true", help="run checkident after saving")
        sub.add_parser("list")
        p = sub.add_parser("check")
        p.add_argument("--name", required=True)
        p = sub.add_parser("remove")
        p.add_argument("--name", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        try:
            if action == "list":
                rows = [
                    {
                        "name": s.name,
                        "url": s.url,
                        "ident": s.ident,
                        "rclass": s.rclass,
                        "max_concurrency": s.max_concurrency,
                    }
                    for s in WimsServer.objects.all()
                ]
                self.stdout.write(json.dumps(rows, indent=2))
                return
            if action == "remove":
                wims_server_get(name=opts["name"]).delete()
                self.stdout.write(json.dumps({"removed": opts["name"]}))
                return
            if action == "check":
                server = wims_server_get(name=opts["name"])
                self.stdout.write(json.dumps({"server": server.name, "checkident": self._check(server)}))
                return
            passwd = opts.get("passwd") or os.environ.get("WIMS_PASSWD")
            if action == "add":
                if not passwd:
                    raise CommandError("--passwd (or WIMS_PASSWD) is required")
                server = wims_server_create(
                    name=opts["name"],
                    url=opts["url"],
                    ident=opts["ident"],
                    passwd=passwd,
                    rclass=opts.get("rclass") or "wimslti",
                    max_concurrency=opts.get("max_concurrency") or 4,
                )
            else:
                server = wims_server_update(
                    server=wims_server_get(name=opts["name"]),
                    url=opts.get("url"),
                    ident=opts.get("ident"),
                    passwd=passwd,
                    rclass=opts.get("rclass"),
                    max_concurrency=opts.get("max_concurrency"),
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        out: dict[str, str] = {
            "name": server.name,
            "url": server.url,
            "ident": server.ident,
            "rclass": server.rclass,
        }
        if opts.get("check"):
            out["checkident"] = self._check(server)
        self.stdout.write(json.dumps(out, indent=2))

    def _check(self, server: WimsServer) -> str:
        """checkident on the server. A failure prints what WIMS said and which line of the server's
        `.connections/IDENT` file to change (as JSON on stdout, in words on stderr) and fails."""
        try:
            return wims_client_for(server).checkident().message
        except WimsError as exc:
            advice = wims_connection_advice(error=exc, url=server.url, ident=server.ident)
            self.stdout.write(
                json.dumps(
                    {
                        "server": server.name,
                        "checkident": {
                            "ok": False,
                            "error": str(exc),
                            "file": advice.file,
                            "line": advice.line,
                            "advice": advice.text,
                        },
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
            if advice.problem.code == "no_json_ident":  # no such file, or one without ident_type=json
                where = f"the file {advice.file} on the WIMS server (its name, and its line ident_type)"
            elif advice.line:
                where = f"the line {advice.line} of {advice.file} on the WIMS server"
            else:
                where = f"the URL {server.url}"
            raise CommandError(
                f"WIMS server {server.name}: checkident failed: {exc.message}\n"
                f"To fix: {where}.\n{advice.text}"
            ) from exc
