"""Supervisor with small Python children: stop order, SIGKILL after the timeout, stale state, signals."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wims_lti.devstack import procs
from wims_lti.devstack.supervisor import AlreadyRunning, ChildDied, StopRequested, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
# Ignores SIGTERM and starts a grandchild in its session that ignores it too.
STUBBORN = [
    sys.executable,
    "-c",
    "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)']); time.sleep(60)",
]


@pytest.fixture
def sup(tmp_path: Path) -> Iterator[Supervisor]:
    supervisor = Supervisor(state_file=tmp_path / "run" / "state.json", stop_timeout=1.0, out=io.StringIO())
    yield supervisor
    supervisor.stop_all()
    supervisor.restore_signal_handlers()


def _state(sup: Supervisor) -> dict:
    return json.loads(sup.state_file.read_text())


def test_spawned_children_are_recorded_and_stopped_in_order(sup: Supervisor) -> None:
    sup.claim()
    infra = sup.spawn("infra", SLEEPER, order=0)
    app = sup.spawn("app", SLEEPER)
    assert [c["name"] for c in _state(sup)["children"]] == ["infra", "app"]
    assert os.getpgid(app.pid) == app.pid  # own session
    sup.stop_all()
    assert infra.process.returncode == -signal.SIGTERM
    assert app.process.returncode == -signal.SIGTERM
    log = sup.out.getvalue()  # type: ignore[attr-defined]
    assert log.index("stopping app") < log.index("stopping infra")
    assert _state(sup)["children"] == []
    sup.release()
    assert not sup.state_file.exists()


def test_a_child_ignoring_sigterm_is_killed_with_its_group(sup: Supervisor) -> None:
    child = sup.spawn("stubborn", STUBBORN)
    # Wait until the grandchild exists.
    deadline = time.monotonic() + 10
    while not procs.descendants(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchildren = procs.descendants(child.pid)
    assert grandchildren
    started = time.monotonic()
    sup.stop_all()
    assert 0.9 < time.monotonic() - started < 8
    assert child.process.returncode == -signal.SIGKILL
    for pid in grandchildren:
        assert procs.wait_gone(pid, None, 5)
    assert "killing it" in sup.out.getvalue()  # type: ignore[attr-defined]


def test_watch_returns_the_child_that_died(sup: Supervisor) -> None:
    sup.spawn("long", SLEEPER)
    short = sup.spawn("short", [sys.executable, "-c", "raise SystemExit(3)"])
    assert sup.watch(poll=0.05) is short
    assert short.process.returncode == 3
    with pytest.raises(ChildDied, match=r"short \(PID \d+\) exited with code 3"):
        sup.raise_if_a_child_died()


def test_run_to_completion_returns_the_exit_code(sup: Supervisor) -> None:
    assert sup.run_to_completion("ok", [sys.executable, "-c", "pass"]) == 0
    assert sup.run_to_completion("bad", [sys.executable, "-c", "raise SystemExit(2)"]) == 2
    assert sup.children == []


def test_sigterm_stops_watch_and_run_to_completion(sup: Supervisor) -> None:
    sup.install_signal_handlers()
    sup.spawn("long", SLEEPER)
    os.kill(os.getpid(), signal.SIGTERM)
    assert sup.watch(poll=0.05) is None
    assert sup.stop_signal == signal.SIGTERM
    with pytest.raises(StopRequested):
        sup.run_to_completion("migrate", SLEEPER)
    with pytest.raises(StopRequested):
        sup.wait_until(lambda: False, 5, "never")


def test_claim_ends_leftovers_of_a_dead_run(sup: Supervisor) -> None:
    leftover = subprocess.Popen(SLEEPER, start_new_session=True)
    dead_owner = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_owner.wait()
    sup.state_file.parent.mkdir(parents=True)
    sup.state_file.write_text(
        json.dumps(
            {
                "supervisor": {"pid": dead_owner.pid, "started": 1},
                "children": [
                    {
                        "name": "web",
                        "pid": leftover.pid,
                        "started": procs.start_time(leftover.pid),
                        "order": 1,
                    },
                    # Same PID, other start time: a reused PID, must be left alone.
                    {"name": "ghost", "pid": os.getpid(), "started": 1, "order": 1},
                ],
            }
        )
    )
    sup.claim()
    assert leftover.wait(timeout=5) == -signal.SIGTERM
    assert "stopping web" in sup.out.getvalue()  # type: ignore[attr-defined]
    assert "ghost" not in sup.out.getvalue()  # type: ignore[attr-defined]
    assert _state(sup)["supervisor"]["pid"] == os.getpid()


def test_claim_refuses_while_the_owner_lives(sup: Supervisor) -> None:
    owner = subprocess.Popen(SLEEPER)
    try:
        sup.state_file.parent.mkdir(parents=True)
        sup.state_file.write_text(
            json.dumps(
                {"supervisor": {"pid": owner.pid, "started": procs.start_time(owner.pid)}, "children": []}
            )
        )
        with pytest.raises(AlreadyRunning, match=f"PID {owner.pid}"):
            sup.claim()
        assert sup.state_file.exists()
    finally:
        owner.kill()
        owner.wait()


def test_claim_survives_a_corrupt_state_file(sup: Supervisor) -> None:
    sup.state_file.parent.mkdir(parents=True)
    sup.state_file.write_text("{not json")
    sup.claim()
    assert _state(sup)["children"] == []


def test_children_die_with_the_supervisor(tmp_path: Path) -> None:
    """A SIGKILLed supervisor leaves nothing behind: every child gets SIGTERM from the kernel."""
    script = (
        "import io, os, signal, sys\n"
        "from pathlib import Path\n"
        "from wims_lti.devstack.supervisor import Supervisor\n"
        f"sup = Supervisor(state_file=Path({str(tmp_path / 's.json')!r}), out=io.StringIO())\n"
        f"child = sup.spawn('sleeper', {SLEEPER!r})\n"
        "print(child.pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert out.returncode == -signal.SIGKILL, out.stderr
    assert procs.wait_gone(int(out.stdout.strip()), None, 10)
