"""Start child processes, watch them, and stop all of them by PID (used by `manage.py runstack`).

* Every child runs in its own session (a terminal's Ctrl-C reaches only the supervisor, which then stops
  the children in order) and gets SIGTERM if the supervisor dies (PR_SET_PDEATHSIG).
* Stopping: SIGTERM to the PID, wait `stop_timeout`, then SIGKILL to its process group (celery's pool
  processes included). Children stop by `order`, highest first: the apps, then Redis.
* A state file (PIDs and start times) lets the next run end leftovers of a run that was SIGKILLed,
  and refuse to start while another supervisor on the same state file is alive.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from wims_lti.devstack import procs


class AlreadyRunning(RuntimeError):
    pass


class StopRequested(Exception):
    """SIGINT/SIGTERM arrived while waiting for something."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    order: int = 1
    started: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Supervisor:
    state_file: Path
    stop_timeout: float = 10.0
    out: TextIO = field(default_factory=lambda: sys.stdout)
    children: list[Child] = field(default_factory=list)
    stop_signal: int | None = None
    extra_state: dict[str, Any] = field(default_factory=dict)
    _old_handlers: dict[int, Any] = field(default_factory=dict)

    # --- messages and signals --------------------------------------------------------------

    def say(self, message: str) -> None:
        self.out.write(f"runstack: {message}\n")
        self.out.flush()

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._old_handlers[signum] = signal.signal(signum, self._on_signal)

    def restore_signal_handlers(self) -> None:
        for signum, handler in self._old_handlers.items():
            signal.signal(signum, handler)
        self._old_handlers.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum

    @property
    def stopping(self) -> bool:
        return self.stop_signal is not None

    # --- state file ------------------------------------------------------------------------

    def claim(self) -> None:
        """Refuse if a live supervisor owns the state file; end the leftovers of a dead one."""
        state = self._read_state()
        if state:
            owner = state.get("supervisor", {})
            owner_alive = procs.is_running(owner.get("pid", 0), owner.get("started"))
            if owner_alive and owner.get("pid") != os.getpid():
                raise AlreadyRunning(
                    f"another runstack (PID {owner['pid']}) is running with {self.state_file}; stop it first"
                )
            for entry in sorted(state.get("children", []), key=lambda e: -e.get("order", 1)):
                if procs.is_running(entry["pid"], entry.get("started")):
                    self.say(f"stopping {entry['name']} (PID {entry['pid']}) left over from a previous run")
                    procs.end_foreign_process(entry["pid"], entry.get("started"), self.stop_timeout)
        self._write_state()

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.state_file.unlink()

    def _read_state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_file.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            self.say(f"ignoring unreadable state file {self.state_file}")
            return {}
        return data if isinstance(data, dict) else {}

    def _write_state(self) -> None:
        me = os.getpid()
        state = {
            **self.extra_state,
            "supervisor": {"pid": me, "started": procs.start_time(me)},
            "children": [
                {"name": c.name, "pid": c.pid, "started": c.started, "order": c.order} for c in self.children
            ],
        }
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.state_file)

    def update_state(self, **values: Any) -> None:
        self.extra_state.update(values)
        self._write_state()

    # --- children --------------------------------------------------------------------------

    def spawn(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        order: int = 1,
    ) -> Child:
        # argv is built by runstack from sys.executable and fixed arguments.
        process = subprocess.Popen(  # noqa: S603
            list(argv),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=procs.die_with_parent(),
        )
        return self.adopt(name, process, order=order)

    def adopt(self, name: str, process: subprocess.Popen[bytes], *, order: int = 1) -> Child:
        """Watch and stop a process started elsewhere (Redis) like a spawned child."""
        child = Child(name, process, order, procs.start_time(process.pid))
        self.children.append(child)
        self._write_state()
        self.say(f"started {name} (PID {child.pid})")
        return child

    def run_to_completion(
        self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> int:
        """Run a one-shot command (migrate) as a child; raise StopRequested if a signal arrives meanwhile."""
        child = self.spawn(name, argv, env=env, cwd=cwd, order=2)
        try:
            while child.process.poll() is None:
                if self.stopping:
                    raise StopRequested
                self.raise_if_a_child_died(exclude=child)
                time.sleep(0.1)
        finally:
            if child.process.poll() is None:
                self._stop_children([child])
            self.children.remove(child)
            self._write_state()
        return int(child.process.returncode)

    def first_dead(self) -> Child | None:
        return next((c for c in self.children if c.process.poll() is not None), None)

    def raise_if_a_child_died(self, exclude: Child | None = None) -> None:
        dead = self.first_dead()
        if dead is not None and dead is not exclude:
            raise ChildDied(dead)

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Poll `ready` while watching the children and the stop flag."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.stopping:
                raise StopRequested
            self.raise_if_a_child_died()
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} not ready within {timeout:.0f}s")
            time.sleep(0.1)

    def watch(self, poll: float = 0.2) -> Child | None:
        """Block until a signal arrives (returns None) or a child exits (returns it)."""
        while not self.stopping:
            dead = self.first_dead()
            if dead is not None:
                return dead
            time.sleep(poll)
        return None

    def stop_all(self) -> None:
        for order in sorted({c.order for c in self.children}, reverse=True):
            self._stop_children([c for c in self.children if c.order == order])
        self.children.clear()
        self._write_state()

    def _stop_children(self, children: list[Child]) -> None:
        running = [c for c in children if c.process.poll() is None]
        for child in running:
            self.say(f"stopping {child.name} (PID {child.pid})")
            with contextlib.suppress(ProcessLookupError):
                child.process.terminate()
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(
                    f"{child.name} (PID {child.pid}) still running after {self.stop_timeout:.0f}s: killing it"
                )
                procs.kill_group(child.pid)
                child.process.wait(timeout=5)
        for child in children:
            # Whatever the child left in its session (pool processes of a killed celery worker).
            if procs.group_alive(child.pid):
                procs.kill_group(child.pid)


class ChildDied(Exception):
    def __init__(self, child: Child) -> None:
        super().__init__(f"{child.name} (PID {child.pid}) exited with code {child.process.returncode}")
        self.child = child
