#!/usr/bin/env python
"""Worst-case time to an answer when WIMS misbehaves: silent, or dripping its answer one byte at a time.

Everything is real and local: the tool under gunicorn with the project's own config
(docker/gunicorn.conf.py), a real Redis, an SQLite file, the dev LTI platform (HTTP) and the WIMS
emulator (HTTP) with its faults (silent: reads the request and never answers; drip: the whole HTTP
answer, status line included, one byte every N seconds). For each scenario, L launches run at once
through the full OIDC flow; printed: the slowest and median time until the browser has its answer,
the answers' status codes, the adm/raw attempts WIMS received, and how long a JWKS request took while
those launches were waiting. Figures only: nothing here asserts a speed.

    .venv/bin/python benchmarks/wims_fault_benchmark.py [--launches 8] [--drip 5] [--budget 15]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=8, help="launches at once in each scenario")
    parser.add_argument("--drip", type=float, default=5.0, help="seconds between two bytes when dripping")
    parser.add_argument("--budget", type=float, default=15.0, help="LAUNCH_BUDGET_SECONDS of the tool")
    parser.add_argument(
        "--scenarios",
        default="healthy,silent,drip,silent-first,drip-first",
        help="comma-separated subset of healthy, silent, drip, silent-first, drip-first",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="wims-lti-faultbench-"))
    from wims_lti.devstack.redis_server import RedisServer, free_port, port_open

    redis = RedisServer().start()
    env_vars = {
        "DJANGO_SETTINGS_MODULE": "settings.local",
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "REDIS_URL": redis.url,
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "WIMS_LTI_ENV_FILE": "",
        "LOG_LEVEL": "WARNING",
        "LAUNCH_BUDGET_SECONDS": str(args.budget),
    }
    os.environ.update(env_vars)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from tests.fixtures.lti_env import build_lti_env
    from tests.fixtures.wims_servers import WimsTarget
    from wims_lti.lti.devplatform import DevBrowser, people
    from wims_lti.lti.devplatform.roles import LEARNER
    from wims_lti.wims.emulator import EmulatorServer

    emulator = EmulatorServer(ident="lti", passwd="benchsecret1").start()
    port = free_port()
    log = (tmp / "gunicorn.log").open("wb")
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "wims_lti.wsgi:application",
            "--config",
            "docker/gunicorn.conf.py",
        ],
        cwd=ROOT,
        env={**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        while not port_open("127.0.0.1", port):
            if gunicorn.poll() is not None:
                raise SystemExit((tmp / "gunicorn.log").read_text())
            time.sleep(0.2)

        class _Live:
            url = f"http://127.0.0.1:{port}"

        env = build_lti_env(
            _Live(), WimsTarget("emulator", emulator.url, "lti", "benchsecret1", emulator=emulator)
        )
        env.enter(env.teacher)
        returning = [env.course.enroll(people.student(), LEARNER) for _ in range(args.launches)]
        for user in returning:
            env.enter(user)
        faults = emulator.faults

        def launch(user: object) -> tuple[float, int]:
            started = time.monotonic()
            initiation = env.platform.start_launch(user, env.course, env.link)  # type: ignore[arg-type]
            response = DevBrowser(timeout=3600).launch(initiation, platform_url=env.server.url)
            return time.monotonic() - started, response.status_code

        def scenario(label: str, fault: str, users: list[object]) -> None:
            faults.received.clear()
            if fault == "silent":
                faults.silent()
            elif fault == "drip":
                faults.drip(args.drip)
            jwks_times: list[float] = []

            def probe() -> None:
                while len(jwks_times) < 1 and faults.held < len(users) and fault != "none":
                    time.sleep(0.05)
                started = time.monotonic()
                try:
                    requests.get(f"{_Live.url}/lti/jwks/", timeout=60).raise_for_status()
                except requests.RequestException:
                    jwks_times.append(float("inf"))  # no answer within 60 s
                else:
                    jwks_times.append(time.monotonic() - started)

            prober = threading.Thread(target=probe)
            prober.start()
            with ThreadPoolExecutor(len(users)) as pool:
                results = list(pool.map(launch, users))
            prober.join()
            faults.clear()
            times = [t for t, _ in results]
            statuses = Counter(status for _, status in results)
            print(
                f"{label:30s} launches={len(users)} slowest={max(times):6.2f}s "
                f"median={statistics.median(times):6.2f}s "
                f"answers={dict(statuses)} adm/raw attempts={dict(Counter(faults.received))} "
                f"jwks during={jwks_times[0] * 1000:.0f}ms".replace("infms", "no answer in 60 s")
            )

        print(
            f"# budget {args.budget:g} s, drip one byte / {args.drip:g} s, {args.launches} launches at once, "
            "gunicorn with docker/gunicorn.conf.py"
        )
        wanted = args.scenarios.split(",")
        for name, label, fault in (
            ("healthy", "healthy, returning", "none"),
            ("silent", "silent WIMS, returning", "silent"),
            ("drip", "dripping WIMS, returning", "drip"),
            ("silent-first", "silent WIMS, first launch", "silent"),
            ("drip-first", "dripping WIMS, first launch", "drip"),
        ):
            if name not in wanted:
                continue
            if name.endswith("-first"):
                users = [env.course.enroll(people.student(), LEARNER) for _ in range(args.launches)]
            else:
                users = returning
            scenario(label, fault, users)  # type: ignore[arg-type]
        env.server.stop()
    finally:
        emulator.faults.clear()
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=40)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        log.close()
        emulator.stop()
        redis.stop()


if __name__ == "__main__":
    main()
