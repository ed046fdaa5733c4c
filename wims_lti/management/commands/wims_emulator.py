"""`manage.py wims_emulator`: run the WIMS 4.29a emulator as a loopback HTTP server until Ctrl-C."""

from __future__ import annotations

import ipaddress
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wims_lti.wims.emulator import EmulatorServer


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Command(BaseCommand):
    help = "Run the WIMS adm/raw emulator (a fake WIMS 4.29a) on loopback until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=7780)
        parser.add_argument("--ident", default="lti")
        parser.add_argument("--passwd", default="emulatorsecret1")
        parser.add_argument(
            "--agent", default="python-requests", help="required first word of the User-Agent"
        )
        parser.add_argument(
            "--allow-remote", action="store_true", help="allow a non-loopback --host (never in production)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = options["host"]
        if not is_loopback(host) and not options["allow_remote"]:
            raise CommandError(f"refusing to listen on non-loopback host {host!r} without --allow-remote")
        server = EmulatorServer(
            ident=options["ident"],
            passwd=options["passwd"],
            agent=options["agent"],
            host=host,
            port=options["port"],
        )
        try:
            server.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{options['port']}: {exc}") from exc
        self.stdout.write(f"WIMS emulator at {server.url} (ident {options['ident']}); Ctrl-C to stop")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            self.stdout.write("stopping")
        finally:
            server.stop()
