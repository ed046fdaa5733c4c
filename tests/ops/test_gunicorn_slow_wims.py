"""gunicorn with the project's own config (docker/gunicorn.conf.py) stays responsive while launches wait on
a silent WIMS (issue 10, item 6): with the old sync workers (3 x 1 thread) a handful of such launches
blocked every other request, JWKS and health checks included."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import requests
from django.db import connection

from tests.fixtures.lti_env import LtiEnv, build_lti_env
from tests.fixtures.wims_servers import WimsTarget
from wims_lti.devstack.redis_server import free_port, port_open
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.roles import LEARNER

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docker" / "gunicorn.conf.py"
SLOW_LAUNCHES = 6  # more than the old config's 3 sync workers
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The test database, for the gunicorn process (it must see what the test commits)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = f"{quote(db['USER'])}:{quote(str(db['PASSWORD']))}@"
    return f"postgres://{auth}{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "DATABASE_URL": database_url(),
        "WIMS_LTI_ENV_FILE": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "LAUNCH_BUDGET_SECONDS": "40",  # the slow launches stay in flight while the test looks
        "PYTHONPATH": str(ROOT),
    }
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS"):
        env.pop(name, None)  # the config's own defaults are under test
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "wims_lti.wsgi:application", "--config", str(CONFIG)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_open("127.0.0.1", port):
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)  # the arbiter, by PID; it stops its workers
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def env_on_gunicorn(gunicorn: str, emulator_target: WimsTarget) -> Iterator[LtiEnv]:
    env = build_lti_env(SimpleNamespace(url=gunicorn), emulator_target)
    yield env
    env.server.stop()


def test_a_fast_request_answers_while_launches_wait_on_a_silent_wims(env_on_gunicorn: LtiEnv) -> None:
    env = env_on_gunicorn
    faults = env.wims.emulator.faults  # type: ignore[union-attr]
    env.enter(env.teacher)
    students = [env.course.enroll(people.student(), LEARNER) for _ in range(SLOW_LAUNCHES)]
    for student in students:
        env.enter(student)  # accounts exist: each launch is one authuser
    faults.received.clear()
    faults.silent(jobs={"authuser"})
    results: list[int] = []

    def launch(student: object) -> None:
        results.append(env.launch(student).status_code)  # type: ignore[arg-type]

    threads = [threading.Thread(target=launch, args=(s,)) for s in students]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while faults.held < SLOW_LAUNCHES:  # every slow launch is in flight, waiting on WIMS
            assert time.monotonic() < deadline, f"only {faults.held} launches reached WIMS at once"
            time.sleep(0.1)
        jwks = requests.get(env.tool_url + "/lti/jwks/", timeout=10)
        health = requests.get(env.tool_url + "/health/", timeout=10)
        assert faults.held == SLOW_LAUNCHES  # answered while all of them still wait on WIMS
        assert jwks.status_code == 200 and jwks.json()["keys"]
        assert health.status_code == 200 and health.json()["checks"]["database"]["ok"]
    finally:
        faults.clear()  # WIMS answers again: the held launches retry once and get in
        for thread in threads:
            thread.join(60)
    assert results == [302] * SLOW_LAUNCHES
