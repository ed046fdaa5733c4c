"""`manage.py runstack`: the whole bridge on one machine (Redis, migrate, Celery worker + beat, web)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wims_lti.devstack.stack import StackConfig, StackError, run_stack


class Command(BaseCommand):
    help = (
        "Run the bridge on one machine: a real Redis (unless REDIS_URL is set), migrate, a Celery worker, "
        "Celery beat and the web server. Ctrl-C stops everything."
    )
    requires_system_checks: list[str] = []  # the children run the checks; keep startup fast

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="web server port (default: 8000)")
        parser.add_argument(
            "--redis-port", type=int, default=0, help="port of the Redis started here (default: 6379 if free)"
        )
        parser.add_argument(
            "--stop-timeout", type=float, default=10.0, help="seconds to wait for a child after SIGTERM"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = StackConfig(
            base_dir=Path(settings.BASE_DIR),
            var_dir=Path(settings.VAR_DIR).resolve(),
            settings_module=os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
            host=options["host"],
            port=options["port"],
            redis_port=options["redis_port"],
            redis_url=os.environ.get("REDIS_URL") or None,
            stop_timeout=options["stop_timeout"],
        )
        try:
            code = run_stack(config)
        except StackError as exc:
            raise CommandError(f"runstack: {exc}", returncode=1) from None
        if code:
            raise CommandError("runstack: stopped with errors", returncode=code)
