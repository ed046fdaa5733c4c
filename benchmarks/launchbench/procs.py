"""Processes the benchmark starts: each on a free loopback port, ended by its PID, dying with the harness.

Also the CPU time of a process tree (from /proc), and the machine's load average.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from wims_lti.devstack.procs import die_with_parent

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "docker" / "gunicorn.conf.py"
TICK = os.sysconf("SC_CLK_TCK")


class Service:
    """A child process: `stop()` sends SIGTERM to its PID, then SIGKILL after `timeout` seconds."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str],
        log: Path,
        stdin: int | None = subprocess.DEVNULL,
        stdout: int | None = None,
    ) -> None:
        self.name = name
        self.log = log
        self._log_handle = log.open("ab")
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=stdin,
            stdout=stdout if stdout is not None else self._log_handle,
            stderr=self._log_handle,
            preexec_fn=die_with_parent(),
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._log_handle.close()

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class JsonService(Service):
    """A child that prints one JSON line when ready (its address) and then takes commands on stdin."""

    def __init__(
        self, name: str, argv: list[str], *, env: dict[str, str], log: Path, timeout: float = 30.0
    ) -> None:
        super().__init__(name, argv, env=env, log=log, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.info = self._read_line(timeout)

    def _read_line(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            self.stop()
            raise RuntimeError(f"{self.name} did not start within {timeout}s:\n{self.tail()}")
        return dict(json.loads(line))

    def ask(self, command: str, timeout: float = 10.0) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        self.process.stdin.flush()
        return self._read_line(timeout)

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None and self.process.stdin is not None:
            try:
                self.process.stdin.close()  # end of input: the child exits by itself
                self.process.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                pass
        super().stop(timeout)


_LISTENING = re.compile(rb"Listening at: http://127\.0\.0\.1:(\d+) ")


class Gunicorn(Service):
    """gunicorn with docker/gunicorn.conf.py, bound to 127.0.0.1 on a port the kernel picks."""

    def __init__(
        self, name: str, app: str, *, env: dict[str, str], log: Path, workers: int, timeout: float = 60.0
    ) -> None:
        env = {**env, "GUNICORN_BIND": "127.0.0.1:0"}
        argv = [
            str(ROOT / ".venv" / "bin" / "gunicorn")
            if (ROOT / ".venv" / "bin" / "gunicorn").exists()
            else "gunicorn",
            app,
            "--config",
            str(GUNICORN_CONF),
            # gunicorn 27 opens a control socket in ~/.gunicorn/ by default: one per user, shared by every
            # gunicorn of the machine; the benchmark does not use it.
            "--no-control-socket",
        ]
        super().__init__(name, argv, env=env, log=log)
        self.port = self._wait_ready(timeout, workers)
        self.url = f"http://127.0.0.1:{self.port}"

    def _wait_ready(self, timeout: float, workers: int) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            text = self.log.read_bytes()
            match = _LISTENING.search(text)
            if match and text.count(b"Booting worker") >= workers:
                return int(match.group(1))
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not listen within {timeout}s:\n{self.tail()}")

    def workers(self) -> list[int]:
        try:
            raw = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in raw.split()]

    def cpu_s(self) -> float:
        """CPU of the master, its live workers and every worker it already reaped (max_requests)."""
        return cpu_s(self.pid, children_done=True) + sum(cpu_s(pid) for pid in self.workers())


def cpu_s(pid: int, *, children_done: bool = False) -> float:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rfind(")") + 2 :].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children_done:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / TICK


def loadavg() -> tuple[float, float, float]:
    return os.getloadavg()
