"""Where the time of one bridge launch goes, measured inside the bridge process (no product code changed).

    python -m benchmarks.launchbench.breakdown PLAN.json      # with the gunicorn bridge's environment

The bridge's WSGI application (the one gunicorn serves, production settings) is called in this process,
in one thread, with the requests the lean client (`client.run_launch`) makes, so the same launches go
through the same code as under gunicorn, minus the socket. Wrappers installed here only count and time:

- SQL: `connection.execute_wrapper` (every statement, savepoints included), plus the time of opening
  and closing the database connection and of COMMIT (not statements in Django);
- Redis: every command sent by redis-py (`Redis.execute_command`, `Pipeline.execute` = one round trip),
  by area (Django cache, Prometheus counters, Celery/other), and Django's cache operations with the
  number of redis-py client objects Django built for them;
- outgoing HTTP (requests): each call's URL and adm/raw job, time in `Session.request` and on the wire
  (`HTTPAdapter.send`); the difference is requests' own work (environment scans for proxies, ...);
- log records emitted and the time spent in their handlers;
- CPU (`time.process_time`) and wall time of each request and of the whole launch.

PLAN.json: `{"private_pem", "kid", "launches": [{"label", "mode": "warmup"|"measure"|"profile", "job":
LaunchJob fields}], "profile_top": N}`. Prints one JSON line: `{"launches": [...]}`, one entry per label
and mode: several launches of a kind are reported as their median (`merge_runs`).
"""

from __future__ import annotations

import cProfile
import io
import json
import logging
import pstats
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.launchbench.client import LaunchJob, Signer, WsgiHttp, run_launch  # noqa: E402


class Probe:
    """Counters of one launch (reset between launches)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.sql: list[tuple[float, str, int]] = []  # (seconds, statement, request number)
        self.request_no = 0
        self.db_connect: list[float] = []
        self.db_close: list[float] = []
        self.commits: list[float] = []
        self.redis: list[tuple[str, str, float, int]] = []  # (command, area, seconds, commands in the trip)
        self.cache_ops: list[tuple[str, float]] = []
        self.cache_clients = 0
        self.http: list[dict[str, Any]] = []
        self.log_records = 0
        self.log_s = 0.0
        self._cache_depth = 0

    # --- summaries -------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        kinds: Counter[str] = Counter(sql.split(None, 1)[0].upper() if sql else "?" for _, sql, _ in self.sql)
        redis_cmds: Counter[str] = Counter()
        redis_areas: Counter[str] = Counter()
        for command, area, _, n in self.redis:
            redis_cmds[command] += n
            redis_areas[area] += n
        return {
            "sql": {
                "count": len(self.sql),
                "ms": _ms(sum(s for s, _, _ in self.sql)),
                "by_kind": dict(kinds),
                "statements": [[_ms(s), n, sql[:160]] for s, sql, n in self.sql],
            },
            "db_connect": {"count": len(self.db_connect), "ms": _ms(sum(self.db_connect))},
            "db_close": {"count": len(self.db_close), "ms": _ms(sum(self.db_close))},
            "commit": {"count": len(self.commits), "ms": _ms(sum(self.commits))},
            "redis": {
                "commands": sum(n for *_, n in self.redis),
                "round_trips": len(self.redis),
                "ms": _ms(sum(s for _, _, s, _ in self.redis)),
                "by_command": dict(redis_cmds),
                "by_area": dict(redis_areas),
            },
            "cache": {
                "ops": len(self.cache_ops),
                "ms": _ms(sum(s for _, s in self.cache_ops)),
                "clients_built": self.cache_clients,
                "by_op": dict(Counter(op for op, _ in self.cache_ops)),
            },
            "http": {
                "count": len(self.http),
                "ms": _ms(sum(c["s"] for c in self.http)),
                "wire_ms": _ms(sum(c["wire_s"] for c in self.http)),
                "calls": [
                    {"url": c["url"], "job": c["job"], "ms": _ms(c["s"]), "wire_ms": _ms(c["wire_s"])}
                    for c in self.http
                ],
            },
            "logs": {"records": self.log_records, "ms": _ms(self.log_s)},
        }

    # --- installation ----------------------------------------------------------------------------
    def install(self) -> None:
        from django.core.cache.backends import redis as django_redis
        from django.db import connections

        probe = self
        connection = connections["default"]

        def sql_wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                probe.sql.append(
                    (time.perf_counter() - started, " ".join(str(sql).split()), probe.request_no)
                )

        connection.execute_wrappers.append(sql_wrapper)
        wrapper_class = type(connection)
        _timed(wrapper_class, "connect", self, "db_connect")
        _timed(wrapper_class, "close", self, "db_close", only_if=lambda obj: obj.connection is not None)
        _timed(wrapper_class, "_commit", self, "commits", only_if=lambda obj: obj.connection is not None)

        import redis
        import redis.client

        def area(args: tuple[Any, ...]) -> str:
            key = args[1] if len(args) > 1 else b""
            key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            if key.startswith("wims_lti:metrics:"):
                return "metrics"
            if key.startswith("wims_lti:"):
                return "cache"
            return "other"

        original_execute = redis.Redis.execute_command

        def execute_command(self: Any, *args: Any, **options: Any) -> Any:
            started = time.perf_counter()
            try:
                return original_execute(self, *args, **options)
            finally:
                probe.redis.append((str(args[0]).upper(), area(args), time.perf_counter() - started, 1))

        redis.Redis.execute_command = execute_command  # type: ignore[method-assign]
        original_pipeline = redis.client.Pipeline.execute

        def pipeline_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
            stack = list(self.command_stack)
            started = time.perf_counter()
            try:
                return original_pipeline(self, *args, **kwargs)
            finally:
                first = _args(stack[0]) if stack else ("?",)
                name = "PIPELINE(" + ",".join(str(_args(c)[0]).upper() for c in stack) + ")"
                probe.redis.append((name, area(first), time.perf_counter() - started, len(stack)))

        redis.client.Pipeline.execute = pipeline_execute  # type: ignore[method-assign]

        original_get_client = django_redis.RedisCacheClient.get_client

        def get_client(self: Any, *args: Any, **kwargs: Any) -> Any:
            probe.cache_clients += 1
            return original_get_client(self, *args, **kwargs)

        django_redis.RedisCacheClient.get_client = get_client  # type: ignore[method-assign]
        for op in (
            "get",
            "set",
            "add",
            "delete",
            "get_many",
            "set_many",
            "delete_many",
            "has_key",
            "incr",
            "touch",
        ):
            _cache_op(django_redis.RedisCache, op, self)

        import requests
        import requests.adapters

        original_request = requests.Session.request
        original_send = requests.adapters.HTTPAdapter.send

        def session_request(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            call: dict[str, Any] = {"url": url, "job": "", "s": 0.0, "wire_s": 0.0}
            probe.http.append(call)
            started = time.perf_counter()
            try:
                return original_request(self, method, url, *args, **kwargs)
            finally:
                call["s"] = time.perf_counter() - started

        def adapter_send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original_send(self, request, *args, **kwargs)
            finally:
                if probe.http:
                    body = request.body or b""
                    text = body.decode("latin-1") if isinstance(body, bytes) else str(body)
                    job = next((p[4:] for p in text.split("&") if p.startswith("job=")), "")
                    probe.http[-1]["job"] = job
                    probe.http[-1]["wire_s"] += time.perf_counter() - started

        requests.Session.request = session_request  # type: ignore[method-assign,assignment]
        requests.adapters.HTTPAdapter.send = adapter_send  # type: ignore[method-assign]

        original_call_handlers = logging.Logger.callHandlers

        def call_handlers(self: Any, record: logging.LogRecord) -> None:
            started = time.perf_counter()
            try:
                original_call_handlers(self, record)
            finally:
                probe.log_records += 1
                probe.log_s += time.perf_counter() - started

        logging.Logger.callHandlers = call_handlers  # type: ignore[method-assign]


def _args(command: Any) -> tuple[Any, ...]:
    return tuple(command.args) if hasattr(command, "args") else tuple(command[0])


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _timed(
    cls: type, name: str, probe: Probe, sink: str, only_if: Callable[[Any], bool] | None = None
) -> None:
    """Time `cls.name` into the list `probe.<sink>` (looked up at each call: `reset()` replaces it)."""
    original = getattr(cls, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts = only_if is None or only_if(self)
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            if counts:
                getattr(probe, sink).append(time.perf_counter() - started)

    setattr(cls, name, wrapper)


def _cache_op(cls: type, name: str, probe: Probe) -> None:
    original = getattr(cls, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        probe._cache_depth += 1
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            probe._cache_depth -= 1
            if probe._cache_depth == 0:
                probe.cache_ops.append((name, time.perf_counter() - started))

    setattr(cls, name, wrapper)


def main(plan_path: str) -> None:
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    plan = json.loads(Path(plan_path).read_text())
    app = get_wsgi_application()
    signer = Signer(plan["private_pem"], plan["kid"])
    probe = Probe()
    probe.install()
    out = []
    for item in plan["launches"]:
        job = LaunchJob(**item["job"])
        netloc = urlsplit(job.login_url).netloc
        transport = WsgiHttp(app, netloc, on_request=lambda n: setattr(probe, "request_no", n))
        if item["mode"] == "profile":
            transport.profiler = cProfile.Profile()
        probe.reset()
        result = run_launch(job, signer, transport)  # type: ignore[arg-type]
        if item["mode"] == "warmup":
            if not result.ok:
                raise SystemExit(f"warm-up launch {item['label']} failed: {result.error}")
            continue
        entry: dict[str, Any] = {
            "label": item["label"],
            "mode": item["mode"],
            "ok": result.ok,
            "error": result.error,
            "wall_ms": round(sum(r["wall_ms"] for r in transport.requests), 3),
            "cpu_ms": round(sum(r["cpu_ms"] for r in transport.requests), 3),
            "requests": transport.requests,
            **probe.summary(),
        }
        if transport.profiler is not None:
            text = io.StringIO()
            stats = pstats.Stats(transport.profiler, stream=text)
            stats.sort_stats("tottime").print_stats(int(plan.get("profile_top", 25)))
            entry["profile"] = text.getvalue()
        out.append(entry)
    print(json.dumps({"launches": merge_runs(out)}), flush=True)


# The times of one launch, as (section, key) in a breakdown entry; `None`: a top-level key.
TIMES = [
    (None, "wall_ms"),
    (None, "cpu_ms"),
    *(
        (section, "ms")
        for section in ("sql", "db_connect", "db_close", "commit", "redis", "cache", "http", "logs")
    ),
    ("http", "wire_ms"),
]


def merge_runs(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (label, mode): several measured launches of one kind become the one with the
    median wall time (its counts, statements and calls), with every time replaced by the median over
    the launches, and `runs` / `wall_ms_range` added. Counts do not vary between launches of a kind;
    times do, on a shared machine."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in entries:
        groups.setdefault((entry["label"], entry["mode"]), []).append(entry)
    merged = []
    for runs in groups.values():
        if not all(r["ok"] for r in runs):
            merged.append(next(r for r in runs if not r["ok"]))
            continue
        ordered = sorted(runs, key=lambda r: r["wall_ms"])
        base = json.loads(json.dumps(ordered[(len(ordered) - 1) // 2]))
        for section, key in TIMES:
            values = [(r[section] if section else r)[key] for r in runs]
            (base[section] if section else base)[key] = round(statistics.median(values), 3)
        base["runs"] = len(runs)
        base["wall_ms_range"] = [ordered[0]["wall_ms"], ordered[-1]["wall_ms"]]
        merged.append(base)
    return merged


if __name__ == "__main__":
    main(sys.argv[1])
