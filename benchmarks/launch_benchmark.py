#!/usr/bin/env python
"""Launch benchmark: N students' first and returning launches through the full OIDC flow on loopback.

Everything is real and local: the dev LTI platform (HTTP), the tool (Django behind a threaded WSGI
server, SQLite file, a real Redis), the WIMS emulator (HTTP). Prints launches/s, p50/p99 of the tool's
own time per launch (login initiation + launch handling, as measured inside the tool's WSGI stack,
WIMS calls included) and adm/raw calls per launch. Figures only: nothing here asserts a speed.

    .venv/bin/python benchmarks/launch_benchmark.py [--students 200] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _Timer:
    """WSGI middleware: wall time the tool spends on each /lti/ request, by path kind."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {"login": [], "launch": []}

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return list(self.app(environ, start_response))
        finally:
            path = environ.get("PATH_INFO", "")
            kind = "login" if path.endswith("/login/") else "launch" if path.endswith("/launch/") else None
            if kind:
                with self.lock:
                    self.times[kind].append(time.perf_counter() - started)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="wims-lti-bench-"))
    from wims_lti.devstack.redis_server import RedisServer

    redis = RedisServer().start()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "settings.local",
            "DEBUG": "false",
            "REDIS_URL": redis.url,
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "WIMS_LTI_ENV_FILE": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)

    from tests.fixtures.lti_env import build_lti_env
    from tests.fixtures.wims_servers import WimsTarget
    from wims_lti.lti.devplatform import DevBrowser, people
    from wims_lti.lti.devplatform.roles import LEARNER
    from wims_lti.wims.emulator import EmulatorServer

    emulator = EmulatorServer(ident="lti", passwd="benchsecret1").start()
    timer = _Timer(get_wsgi_application())
    httpd = make_server("127.0.0.1", 0, timer, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    class _Live:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"

    env = build_lti_env(
        _Live(), WimsTarget("emulator", emulator.url, "lti", "benchsecret1", emulator=emulator)
    )
    env.enter(env.teacher)  # creates the class
    students = [env.course.enroll(people.student(), LEARNER) for _ in range(args.students)]
    log = emulator.emulator.request_log

    def run(label: str) -> None:
        for kind in timer.times:
            timer.times[kind].clear()
        mark = len(log)
        started = time.perf_counter()

        def one(user) -> None:  # type: ignore[no-untyped-def]
            initiation = env.platform.start_launch(user, env.course, env.link)
            response = DevBrowser().launch(initiation, platform_url=env.server.url)
            assert response.status_code == 302, (response.status_code, response.text[:300])

        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(one, students))
        wall = time.perf_counter() - started
        per_launch = [a + b for a, b in zip(timer.times["login"], timer.times["launch"], strict=False)]
        calls = len(log) - mark
        p50, p99 = statistics.median(per_launch) * 1000, _percentile(per_launch, 99) * 1000
        print(
            f"{label:10s} launches={len(students)} wall={wall:.2f}s launches/s={len(students) / wall:.1f} "
            f"tool p50={p50:.1f}ms p99={p99:.1f}ms adm/raw calls/launch={calls / len(students):.2f}"
        )

    print(f"# {args.students} students, concurrency {args.concurrency}, SQLite, Redis, emulator, loopback")
    run("first")
    run("returning")
    httpd.shutdown()
    env.server.stop()
    emulator.stop()
    redis.stop()


if __name__ == "__main__":
    main()
