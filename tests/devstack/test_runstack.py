"""`manage.py runstack` end to end: real Redis, migrate, Celery worker and beat, runserver, then stop.

Both tests share one var dir, so the second one also checks that a run after a finished run starts
cleanly (existing SQLite, Redis append-only file and beat schedule).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from wims_lti.devstack import procs
from wims_lti.devstack.redis_server import free_port, port_open
from wims_lti.devstack.stack import WorkerProbe, state_file

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 90
pytestmark = pytest.mark.integration


@dataclass
class RunningStack:
    process: subprocess.Popen[bytes]
    log: Path
    var_dir: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def state(self) -> dict:
        return json.loads(state_file(self.var_dir).read_text())

    def children(self) -> dict[str, tuple[int, int | None]]:
        return {c["name"]: (c["pid"], c["started"]) for c in self.state()["children"]}

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "wims_lti is up" not in self.output():
            if self.process.poll() is not None:
                pytest.fail(f"runstack exited with {self.process.returncode}:\n{self.output()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"runstack not ready within {STARTUP_TIMEOUT}s:\n{self.output()[-4000:]}")
            time.sleep(0.1)

    def all_pids(self) -> list[tuple[int, int | None]]:
        """runstack, its children (from its state file) and their descendants (celery's pool)."""
        found = {(self.process.pid, procs.start_time(self.process.pid))}
        for pid, started in self.children().values():
            found.add((pid, started))
            found.update((p, procs.start_time(p)) for p in procs.descendants(pid))
        return sorted(found)


def stack_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="settings.local",
        WIMS_LTI_VAR_DIR=str(var_dir),
        WIMS_LTI_ENV_FILE="",  # a developer's .env must not leak in
        DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_runstack(var_dir: Path, log: Path, *extra: str) -> RunningStack:
    port = free_port()
    args = [sys.executable, str(ROOT / "manage.py"), "runstack", "--port", str(port)]
    args += ["--redis-port", str(free_port()), "--stop-timeout", "15", *extra]
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=stack_env(var_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return RunningStack(process, log, var_dir, port)


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runstack") / "var"


@pytest.fixture
def stacks(tmp_path: Path) -> Iterator[list[RunningStack]]:
    """Started stacks; anything still alive after the test is ended (so a failure leaks nothing)."""
    started: list[RunningStack] = []
    yield started
    for stack in started:
        if stack.process.poll() is None:
            leftovers = stack.all_pids()
            stack.process.kill()
            stack.process.wait()
            for pid, start in leftovers:
                procs.end_foreign_process(pid, start, timeout=5)


def assert_all_gone(pids: list[tuple[int, int | None]]) -> None:
    alive = [pid for pid, started in pids if not procs.wait_gone(pid, started, 10)]
    assert not alive, f"still running: {[(p, procs.cmdline(p)) for p in alive]}"


def test_runstack_serves_and_stops_everything_on_sigint(
    var_dir: Path, tmp_path: Path, stacks: list[RunningStack]
) -> None:
    stack = start_runstack(var_dir, tmp_path / "runstack.log")
    stacks.append(stack)
    stack.wait_ready()

    response = requests.get(f"http://127.0.0.1:{stack.port}/health/", timeout=10)
    assert response.status_code == 200, response.text
    assert {name: check["ok"] for name, check in response.json()["checks"].items()} == {
        "database": True,
        "cache": True,
        "broker": True,
    }

    children = stack.children()
    assert set(children) == {"redis", "worker", "beat", "web"}
    assert "worker" in procs.cmdline(children["worker"][0])
    assert "beat" in procs.cmdline(children["beat"][0])
    assert "runserver" in procs.cmdline(children["web"][0])
    assert len(procs.descendants(children["worker"][0])) >= 2  # --concurrency 2
    probe = WorkerProbe(stack.state()["redis_url"])
    try:
        assert probe.answers(timeout=3), "the Celery worker does not answer ping"
    finally:
        probe.close()
    assert (var_dir / "db.sqlite3").is_file()
    assert (var_dir / "redis" / "appendonly.aof").exists() or (var_dir / "redis" / "appendonlydir").is_dir()

    # A second runstack on the same var dir refuses to start and touches nothing.
    second = start_runstack(var_dir, tmp_path / "second.log")
    stacks.append(second)
    assert second.process.wait(timeout=60) == 1
    assert "another runstack" in second.output()
    assert stack.process.poll() is None

    pids = stack.all_pids()
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=60) == 0, stack.output()[-4000:]
    assert_all_gone(pids)
    assert not port_open("127.0.0.1", stack.port)
    assert not state_file(var_dir).exists()
    assert "received SIGINT" in stack.output()


def test_runstack_stops_everything_when_a_child_dies(
    var_dir: Path, tmp_path: Path, stacks: list[RunningStack]
) -> None:
    stack = start_runstack(var_dir, tmp_path / "runstack.log")
    stacks.append(stack)
    stack.wait_ready()
    pids = stack.all_pids()
    beat_pid, _ = stack.children()["beat"]

    os.kill(beat_pid, signal.SIGKILL)
    assert stack.process.wait(timeout=60) == 1, stack.output()[-4000:]
    assert_all_gone(pids)
    assert f"beat (PID {beat_pid}) exited with code -9" in stack.output()
    assert not port_open("127.0.0.1", stack.port)
