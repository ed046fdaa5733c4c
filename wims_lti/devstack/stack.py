"""The one-machine stack behind `manage.py runstack`: Redis, migrate, Celery worker and beat, web server.

The web server is Django's `runserver --noreload`: one process (one PID to watch, no autoreloader
fork), DEBUG error pages and request logs, static files from the apps with no collectstatic. Production
parity (gunicorn, PostgreSQL, Redis 7) is docker-compose.yml's job, not the development stack's.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from wims_lti.devstack.redis_server import RedisServer, free_port, port_free, port_open
from wims_lti.devstack.supervisor import AlreadyRunning, ChildDied, StopRequested, Supervisor

DEFAULT_REDIS_PORT = 6379


class StackError(RuntimeError):
    """The stack could not start or a process died: message for the user, exit code 1."""


@dataclass
class StackConfig:
    base_dir: Path
    var_dir: Path
    settings_module: str
    host: str = "127.0.0.1"
    port: int = 8000
    redis_port: int = 0  # 0: 6379 when free, else any free port
    redis_url: str | None = None  # given from outside: use it, start no Redis
    stop_timeout: float = 10.0
    startup_timeout: float = 60.0

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def python(self, *args: str) -> list[str]:
        return [sys.executable, *args]

    def migrate_argv(self) -> list[str]:
        return self.python(str(self.base_dir / "manage.py"), "migrate", "--noinput")

    def worker_argv(self) -> list[str]:
        # One local worker has no neighbours: mingle (a 1 s wait at startup) and gossip are useless here.
        return self.python(
            "-m", "celery", "-A", "wims_lti", "worker", "--concurrency", "2", "-l", "info",
            "--without-mingle", "--without-gossip",
        )  # fmt: skip

    def beat_argv(self) -> list[str]:
        schedule = self.var_dir / "celerybeat-schedule"
        return self.python("-m", "celery", "-A", "wims_lti", "beat", "-l", "info", "-s", str(schedule))

    def web_argv(self) -> list[str]:
        address = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
        return self.python(str(self.base_dir / "manage.py"), "runserver", address, "--noreload")

    def child_env(self, redis_url: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            REDIS_URL=redis_url,
            DJANGO_SETTINGS_MODULE=self.settings_module,
            WIMS_LTI_VAR_DIR=str(self.var_dir),
            PYTHONUNBUFFERED="1",
        )
        return env


class WorkerProbe:
    """Pings the Celery worker runstack started (`celery@<hostname>`, Celery's default node name)."""

    def __init__(self, broker_url: str, nodename: str | None = None) -> None:
        from celery import Celery

        self.nodename = nodename or f"celery@{socket.gethostname()}"
        self.app = Celery("runstack-probe", broker=broker_url, set_as_current=False)

    def answers(self, timeout: float = 1.0) -> bool:
        try:
            replies = self.app.control.ping(destination=[self.nodename], timeout=timeout)
        except Exception:  # broker not reachable yet or connection reset: not ready
            return False
        return any(self.nodename in reply for reply in replies)

    def close(self) -> None:
        self.app.close()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redis_address(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or DEFAULT_REDIS_PORT


class Stack:
    def __init__(self, config: StackConfig, supervisor: Supervisor) -> None:
        self.config = config
        self.sup = supervisor
        self.redis: RedisServer | None = None

    def run(self) -> int:
        """Start everything, block until Ctrl-C/SIGTERM (return 0) or a death (raise StackError)."""
        cfg, sup = self.config, self.sup
        for sub in ("run", "log", "redis"):
            (cfg.var_dir / sub).mkdir(parents=True, exist_ok=True)
        try:
            sup.claim()  # before the port check: a leftover web server of a killed run may hold the port
        except AlreadyRunning as exc:
            raise StackError(str(exc)) from None
        sup.install_signal_handlers()
        try:
            if not port_free(cfg.host, cfg.port):
                raise StackError(f"{cfg.host}:{cfg.port} is already in use: pick another one with --port")
            if not is_loopback(cfg.host):
                sup.say(f"warning: listening on {cfg.host}, not loopback; ALLOWED_HOSTS must include it")
            return self._run()
        except StopRequested:
            return 0
        except ChildDied as exc:
            raise StackError(f"{exc}; stopped the rest") from None
        except TimeoutError as exc:
            raise StackError(str(exc)) from None
        finally:
            if sup.children:
                sup.say("stopping everything")
            sup.stop_all()
            sup.release()
            sup.restore_signal_handlers()

    def _run(self) -> int:
        cfg, sup = self.config, self.sup
        redis_url = self._redis()
        env = cfg.child_env(redis_url)
        sup.say("applying migrations")
        code = sup.run_to_completion("migrate", cfg.migrate_argv(), env=env, cwd=cfg.base_dir)
        if code != 0:
            raise StackError(f"migrate exited with code {code}")
        sup.spawn("worker", cfg.worker_argv(), env=env, cwd=cfg.base_dir)
        sup.spawn("beat", cfg.beat_argv(), env=env, cwd=cfg.base_dir)
        sup.spawn("web", cfg.web_argv(), env=env, cwd=cfg.base_dir)
        sup.update_state(url=cfg.base_url, redis_url=redis_url)
        sup.wait_until(lambda: port_open(cfg.host, cfg.port), cfg.startup_timeout, "web server")
        probe = WorkerProbe(redis_url)
        try:
            sup.wait_until(probe.answers, cfg.startup_timeout, "Celery worker")
        finally:
            probe.close()
        self._banner(redis_url)
        dead = sup.watch()
        if dead is None:
            sup.say(f"received {_signal_name(sup.stop_signal)}: shutting down")
            return 0
        raise ChildDied(dead)

    def _redis(self) -> str:
        cfg, sup = self.config, self.sup
        if cfg.redis_url:
            host, port = redis_address(cfg.redis_url)
            if not port_open(host, port, timeout=2):
                raise StackError(f"REDIS_URL={cfg.redis_url} given but nothing answers on {host}:{port}")
            sup.say(f"using the Redis at REDIS_URL={cfg.redis_url} (not starting one)")
            return cfg.redis_url
        port = cfg.redis_port
        if not port:
            port = DEFAULT_REDIS_PORT if port_free("127.0.0.1", DEFAULT_REDIS_PORT) else free_port()
        self.redis = RedisServer(
            port=port,
            data_dir=cfg.var_dir / "redis",
            persistent=True,
            logfile=cfg.var_dir / "log" / "redis.log",
            own_session=True,
        )
        try:
            self.redis.start()
        except RuntimeError as exc:
            raise StackError(f"could not start Redis: {exc}") from None
        assert self.redis.process is not None
        sup.adopt("redis", self.redis.process, order=0)
        return self.redis.url

    def _banner(self, redis_url: str) -> None:
        url = self.config.base_url
        lines = [
            "",
            "=" * 72,
            f"  wims_lti is up:   {url}/",
            f"  health:           {url}/health/",
            f"  admin:            {url}/admin/  (a login: .venv/bin/python manage.py createsuperuser)",
            f"  redis:            {redis_url}",
            f"  data:             {self.config.var_dir}",
            "  stop:             Ctrl-C",
            "=" * 72,
            "",
        ]
        for line in lines:
            self.sup.out.write(line + "\n")
        self.sup.out.flush()


def _signal_name(signum: int | None) -> str:
    return signal.Signals(signum).name if signum is not None else "a stop request"


def state_file(var_dir: Path) -> Path:
    """Where runstack records its PIDs (read by the tests and by the next run)."""
    return var_dir / "run" / "runstack.json"


def run_stack(config: StackConfig) -> int:
    supervisor = Supervisor(state_file=state_file(config.var_dir), stop_timeout=config.stop_timeout)
    return Stack(config, supervisor).run()
