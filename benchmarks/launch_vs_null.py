#!/usr/bin/env python
"""The bridge against a null LTI 1.3 tool, in the same run, interleaved: launches/s, latency, adm/raw calls.

    .venv/bin/python benchmarks/launch_vs_null.py                 # 100 students, 3 repetitions, c=1 and 8
    .venv/bin/python benchmarks/launch_vs_null.py --quick --targets emulator     # a check in < 1 min

Both tools run under the production server (gunicorn with docker/gunicorn.conf.py, same workers and
threads); the bridge with settings.production (DEBUG off), an SQLite file and, when TEST_POSTGRES_URL or
DATABASE_URL is set, PostgreSQL too; each tool has its own Redis. WIMS is the emulator (a process of its
own) and the real WIMS 4.29a on 127.0.0.1:7777 (its own classes only; skipped when unreachable), each
behind a counting proxy (benchmarks/launchbench/proxy.py). Launches come from client processes
(benchmarks/launchbench/client.py) with id_tokens signed for the dev LTI platform, which serves the JWKS.

Phases: `returning` (students who launched before: 1 adm/raw call), `first` (students' first launch:
adduser + authuser), `teacher` (a teacher's first launch, in a course no one opened yet: the landing page,
no WIMS call). Each repetition runs every (phase, concurrency) for every tool back to back, the tools'
order alternating between repetitions. Then one launch of each kind is taken apart inside the bridge
(benchmarks/launchbench/breakdown.py). Figures only: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform as platform_module
import runpy
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.launchbench import report  # noqa: E402
from benchmarks.launchbench.client import ClientPool, Http, LaunchJob, Signer, run_launch  # noqa: E402
from benchmarks.launchbench.platform import launch_job  # noqa: E402
from benchmarks.launchbench.procs import GUNICORN_CONF, Gunicorn, JsonService, cpu_s, loadavg  # noqa: E402
from benchmarks.null_tool.wims import AdmRaw, AdmRawError  # noqa: E402
from wims_lti.devstack.redis_server import RedisServer  # noqa: E402
from wims_lti.lti.devplatform import DevPlatform, DevPlatformServer, people  # noqa: E402
from wims_lti.lti.devplatform.model import Course, ResourceLink, User  # noqa: E402
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER  # noqa: E402

PHASES = ("returning", "first", "teacher")
EXPECTED_CALLS = {"returning": 1, "first": 2, "teacher": 0}
DEPLOYMENT_ID = "dep-1"
PYTHON = sys.executable
REAL_URL = os.environ.get("WIMS_REAL_URL", "http://127.0.0.1:7777/wims/wims.cgi")
REAL_IDENT = os.environ.get("WIMS_REAL_IDENT", "lti")
REAL_PASSWD = os.environ.get("WIMS_REAL_PASSWD", "ltisecret")
# What the tools' gunicorn takes from the caller's environment (the knobs of docker/gunicorn.conf.py).
PASSTHROUGH = (
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_CMD_ARGS",
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_env(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--env/--bridge-env take KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--students", type=int, default=None, help="launches per tool and phase (default 100; --quick 8)"
    )
    parser.add_argument(
        "--repetitions", type=int, default=None, help="interleaved repetitions (default 3; --quick 1)"
    )
    parser.add_argument("--concurrency", default="1,8", help="comma-separated concurrencies (default 1,8)")
    parser.add_argument(
        "--phases", default=",".join(PHASES), help="among returning,first,teacher (default all)"
    )
    parser.add_argument("--targets", default="emulator,real", help="emulator and/or real (default both)")
    parser.add_argument(
        "--db",
        default=None,
        help="sqlite and/or postgres (default sqlite, plus postgres when --postgres-url, "
        "TEST_POSTGRES_URL or DATABASE_URL is set)",
    )
    parser.add_argument(
        "--postgres-url",
        default=next(
            (
                url
                for url in (os.environ.get("TEST_POSTGRES_URL", ""), os.environ.get("DATABASE_URL", ""))
                if url.startswith(("postgres://", "postgresql://"))
            ),
            "",
        ),
        help="a PostgreSQL server where the role may CREATE DATABASE (a scratch database is "
        "created, then dropped)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="8 students, 1 repetition, short warm-up: checks it all works"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="untimed launches per tool and phase first (default 16; --quick 3)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="environment of both tools' gunicorn, e.g. GUNICORN_THREADS=4 (WEB_CONCURRENCY, "
        "GUNICORN_* are also taken from the caller's environment)",
    )
    parser.add_argument(
        "--bridge-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="environment of the bridge only",
    )
    parser.add_argument(
        "--no-breakdown", action="store_true", help="skip the in-process breakdown of one launch"
    )
    parser.add_argument(
        "--breakdown-runs",
        type=int,
        default=None,
        metavar="N",
        help="launches of each kind in the breakdown, reported as their median (default 5; --quick 1)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="add to the breakdown a cProfile of each launch (top N)",
    )
    parser.add_argument(
        "--verbose", "-v", action="store_true", help="also print the SQL statements of the breakdown"
    )
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this JSON file")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory and the classes made on the real WIMS"
    )
    parser.add_argument(
        "--require-real", action="store_true", help="fail instead of skipping an unreachable real WIMS"
    )
    args = parser.parse_args(argv)
    args.students = args.students or (8 if args.quick else 100)
    args.repetitions = args.repetitions or (1 if args.quick else 3)
    args.warmup = args.warmup if args.warmup is not None else (3 if args.quick else 16)
    args.breakdown_runs = max(1, args.breakdown_runs or (1 if args.quick else 5))
    # The breakdown takes its returning students from the warm-up.
    args.warmup = max(args.warmup, 4 + args.breakdown_runs)
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.phases = [p for p in PHASES if p in args.phases.split(",")]
    args.targets = [t for t in ("emulator", "real") if t in args.targets.split(",")]
    dbs = args.db.split(",") if args.db else ["sqlite", *(["postgres"] if args.postgres_url else [])]
    args.dbs = [d for d in ("sqlite", "postgres") if d in dbs]
    if "postgres" in args.dbs and not args.postgres_url:
        parser.error("--db postgres needs --postgres-url (or TEST_POSTGRES_URL / DATABASE_URL)")
    if not (args.phases and args.targets and args.dbs and args.concurrency) or min(args.concurrency) < 1:
        parser.error("nothing to run: check --phases, --targets, --db and --concurrency")
    return args


@dataclass
class Target:
    name: str
    upstream: str
    ident: str
    passwd: str
    rclass: str
    proxy: JsonService
    emulator: JsonService | None = None
    null_qclass: str = ""
    calibration_ms: float = 0.0

    @property
    def url(self) -> str:
        return str(self.proxy.info["url"])

    @property
    def prefixes(self) -> tuple[str, ...]:
        """Where a launch into WIMS may point: the proxy, or the upstream (WIMS may name itself)."""
        return tuple(f"{u.scheme}://{u.netloc}/" for u in (urlsplit(self.url), urlsplit(self.upstream)))

    def stats(self) -> dict[str, Any]:
        return self.proxy.ask("stats")


@dataclass
class Registration:
    client_id: str
    course: Course
    link: ResourceLink
    known: list[User] = field(default_factory=list)  # students who launched already


@dataclass
class Tool:
    name: str
    kind: str  # "bridge" or "null"
    db: str
    env: dict[str, str]
    redis: RedisServer
    server: Gunicorn | None = None
    regs: dict[str, Registration] = field(default_factory=dict)


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix="wims-lti-launchbench-"))
        self.services: list[Any] = []
        self.targets: dict[str, Target] = {}
        self.tools: list[Tool] = []
        self.samples: list[report.Sample] = []
        self.breakdowns: list[dict[str, Any]] = []
        self.skipped: list[str] = []
        self.pool: ClientPool | None = None
        self.pg_databases: list[tuple[str, str]] = []
        self.real_classes: list[tuple[str, str, str]] = []  # (upstream url, qclass, rclass) to delete
        self.load_start = loadavg()
        self.gunicorn: dict[str, Any] = {}
        self.tool_env = {**{k: v for k, v in os.environ.items() if k in PASSTHROUGH}, **parse_env(args.env)}

    # --- processes ---------------------------------------------------------------------------------
    def base_env(self) -> dict[str, str]:
        home = self.work / "home"
        home.mkdir(exist_ok=True)
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(ROOT),
            **self.tool_env,
        }

    def start_redis(self, name: str) -> RedisServer:
        redis = RedisServer(own_session=True, logfile=self.work / f"redis-{name}.log").start()
        self.services.append(redis)
        return redis

    def start_targets(self) -> None:
        for name in self.args.targets:
            if name == "emulator":
                passwd = "bench" + secrets.token_hex(6)
                emulator = JsonService(
                    "emulator",
                    [
                        PYTHON,
                        "-m",
                        "benchmarks.launchbench.emulator_proc",
                        "--ident",
                        "lti",
                        "--passwd",
                        passwd,
                    ],
                    env=self.base_env(),
                    log=self.work / "emulator.log",
                )
                self.services.append(emulator)
                upstream, ident = str(emulator.info["url"]), "lti"
            else:
                upstream, ident, passwd = REAL_URL, REAL_IDENT, REAL_PASSWD
                problem = self.real_problem()
                if problem:
                    if self.args.require_real:
                        raise SystemExit(f"real WIMS: {problem}")
                    self.skipped.append(f"real WIMS skipped: {problem}")
                    log(self.skipped[-1])
                    continue
                emulator = None
            proxy = JsonService(
                f"proxy-{name}",
                [PYTHON, "-m", "benchmarks.launchbench.proxy", "--upstream", upstream],
                env=self.base_env(),
                log=self.work / f"proxy-{name}.log",
            )
            self.services.append(proxy)
            target = Target(
                name, upstream, ident, passwd, "wltibench" + secrets.token_hex(3), proxy, emulator
            )
            target.calibration_ms = self.calibrate(target)
            self.targets[name] = target

    @staticmethod
    def real_problem() -> str | None:
        """Why the real WIMS cannot be used (None: it can). An overloaded WIMS is given 30 s."""
        for attempt in range(7):
            try:
                AdmRaw(REAL_URL, REAL_IDENT, REAL_PASSWD, timeout=10).call("checkident")
                return None
            except (OSError, AdmRawError) as exc:
                if "overloaded" not in str(exc) or attempt == 6:
                    return f"{REAL_URL} does not answer checkident: {exc}"
                log(f"the real WIMS is overloaded (load average {loadavg()[0]:.2f}): trying again in 5 s")
                time.sleep(5)
        return None

    def calibrate(self, target: Target, rounds: int = 0) -> float:
        """Median extra time of a `gettime` through the proxy: direct and proxied calls alternate, and the
        median of the pairs' differences is taken (WIMS's own time varies much more than the proxy's)."""
        rounds = rounds or (10 if self.args.quick else 30)
        direct = AdmRaw(target.upstream, target.ident, target.passwd)
        proxied = AdmRaw(target.url, target.ident, target.passwd)
        differences = []
        for _ in range(rounds):
            spent = []
            for client in (direct, proxied):
                started = time.perf_counter()
                client.call("gettime")
                spent.append(time.perf_counter() - started)
            differences.append(spent[1] - spent[0])
        direct.close()
        proxied.close()
        return report.percentile(differences, 50) * 1000

    def start_platform(self) -> None:
        self.platform = DevPlatform("moodle")
        self.platform_server = DevPlatformServer(self.platform).start()
        self.services.append(self.platform_server)
        key = self.platform.keys.current
        self.signer = Signer(key.private_pem(), key.kid)

    def gunicorn_settings(self, env: dict[str, str]) -> dict[str, Any]:
        saved = dict(os.environ)
        try:
            os.environ.update(env)
            conf = runpy.run_path(str(GUNICORN_CONF))
        finally:
            os.environ.clear()
            os.environ.update(saved)
        threads = int(conf.get("threads", 1))
        return {
            "workers": int(conf.get("workers", 1)),
            "threads": threads,
            "worker_class": conf.get("worker_class", "gthread" if threads > 1 else "sync"),
            "timeout": conf.get("timeout"),
            "keepalive": conf.get("keepalive"),
            "max_requests": conf.get("max_requests"),
        }

    # --- the null tool -------------------------------------------------------------------------------
    def start_null(self) -> None:
        redis = self.start_redis("null")
        tool = Tool("null", "null", "-", {}, redis)
        registrations = {}
        for target in self.targets.values():
            client_id = f"null-{target.name}"
            target.null_qclass = self.addclass(target)
            registrations[client_id] = {
                "issuer": self.platform.issuer,
                "auth_login_url": self.platform.auth_login_url,
                "jwks_url": self.platform.jwks_url,
                "deployment_ids": [DEPLOYMENT_ID],
                "wims": {
                    "url": target.url,
                    "ident": target.ident,
                    "passwd": target.passwd,
                    "qclass": target.null_qclass,
                    "rclass": target.rclass,
                },
            }
        config = self.work / "null-tool.json"
        config.write_text(json.dumps({"redis_url": redis.url, "registrations": registrations}))
        config.chmod(0o600)
        tool.env = {**self.base_env(), "NULL_TOOL_CONFIG": str(config)}
        settings = self.gunicorn_settings(tool.env)
        tool.server = Gunicorn(
            "null tool",
            "benchmarks.null_tool.app:application",
            env=tool.env,
            log=self.work / "null-tool.log",
            workers=settings["workers"],
        )
        self.services.append(tool.server)
        for target in self.targets.values():
            client_id = f"null-{target.name}"
            login = f"{tool.server.url}/{client_id}/login/"
            self.platform.register_tool(
                client_id, login, [f"{tool.server.url}/{client_id}/launch/"], deployment_ids=[DEPLOYMENT_ID]
            )
            tool.regs[target.name] = self.new_registration(client_id)
        self.tools.append(tool)

    def class_limit(self) -> int:
        launches = (
            self.args.warmup + 8 + self.args.repetitions * len(self.args.concurrency) * self.args.students
        )
        return max(300, launches + 50)

    def addclass(self, target: Target) -> str:
        expiration = time.strftime("%Y%m%d", time.gmtime(time.time() + 300 * 86400))
        password = secrets.token_hex(8)
        reply = AdmRaw(target.upstream, target.ident, target.passwd).call(
            "addclass",
            rclass=target.rclass,
            data1="\n".join(
                [
                    "description=Launch benchmark (null tool)",
                    "institution=wims_lti benchmarks",
                    "supervisor=Null Tool Benchmark",
                    "email=no-reply@wims-lti.invalid",
                    f"password={password}",
                    "lang=en",
                    f"limit={self.class_limit()}",
                    f"expiration={expiration}",
                ]
            ),
            data2=f"lastname=Benchmark\nfirstname=Null\npassword={password}",
        )
        qclass = str(reply["class_id"])
        if target.name == "real":
            self.real_classes.append((target.upstream, qclass, target.rclass))
        return qclass

    # --- the bridge ----------------------------------------------------------------------------------
    def pg_url(self) -> str:
        import psycopg

        name = "wims_lti_bench_" + secrets.token_hex(4)
        with psycopg.connect(self.args.postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.pg_databases.append((self.args.postgres_url, name))
        parts = urlsplit(self.args.postgres_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))

    def bridge_env(self, db: str, redis: RedisServer) -> dict[str, str]:
        from cryptography.fernet import Fernet

        var = self.work / f"bridge-{db}"
        var.mkdir(exist_ok=True)
        database = f"sqlite:///{var / 'db.sqlite3'}" if db == "sqlite" else self.pg_url()
        return {
            **self.base_env(),
            "DJANGO_SETTINGS_MODULE": "settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database,
            "REDIS_URL": redis.url,
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "WIMS_LTI_ENV_FILE": "",
            "WIMS_LTI_VAR_DIR": str(var),
            "STATIC_ROOT": str(var / "static"),
            "WIMS_CLASS_LIMIT": str(self.class_limit()),
            **parse_env(self.args.bridge_env),
        }

    def django(self, tool: Tool, *args: str, timeout: float = 600) -> Any:
        """Run a setup subcommand in the bridge's environment; its last stdout line as JSON."""
        result = subprocess.run(
            [PYTHON, "-m", "benchmarks.launchbench.bridge_setup", *args],
            cwd=ROOT,
            env=tool.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"bridge_setup {args[0]} ({tool.name}) failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start_bridge(self, db: str) -> None:
        redis = self.start_redis(f"bridge-{db}")
        tool = Tool(f"bridge-{db}", "bridge", db, self.bridge_env(db, redis), redis)
        spec = {
            "servers": [
                {
                    "name": f"wims-{t.name}",
                    "url": t.url,
                    "ident": t.ident,
                    "passwd": t.passwd,
                    "rclass": t.rclass,
                }
                for t in self.targets.values()
            ],
            "platforms": [
                {
                    "name": f"Dev Moodle ({t.name})",
                    "issuer": self.platform.issuer,
                    "client_id": f"{tool.name}-{t.name}",
                    "auth_login_url": self.platform.auth_login_url,
                    "auth_token_url": self.platform.auth_token_url,
                    "keyset_url": self.platform.jwks_url,
                    "deployment_ids": [DEPLOYMENT_ID],
                    "wims_server": f"wims-{t.name}",
                }
                for t in self.targets.values()
            ],
        }
        spec_path = self.work / f"{tool.name}-setup.json"
        spec_path.write_text(json.dumps(spec))
        spec_path.chmod(0o600)
        paths = self.django(tool, "setup", str(spec_path))
        settings = self.gunicorn_settings(tool.env)
        self.gunicorn = settings
        tool.server = Gunicorn(
            tool.name,
            "wims_lti.wsgi:application",
            env=tool.env,
            log=self.work / f"{tool.name}.log",
            workers=settings["workers"],
        )
        self.services.append(tool.server)
        http_ = Http()
        for target in self.targets.values():
            client_id = f"{tool.name}-{target.name}"
            base = tool.server.url
            login = base + paths[client_id]["login_path"]
            self.platform.register_tool(
                client_id,
                login,
                [base + paths[client_id]["launch_path"]],
                tool_jwks_url=base + "/lti/jwks/",
                deployment_ids=[DEPLOYMENT_ID],
            )
            reg = self.new_registration(client_id)
            tool.regs[target.name] = reg
            # The first teacher opens the course (it gets its course row and teacher pages) ...
            teacher = reg.course.enroll(people.teacher(), INSTRUCTOR)
            result = run_launch(
                self.job(reg, target, teacher, reg.course, reg.link, "page"), self.signer, http_
            )
            if not result.ok:
                raise RuntimeError(f"{tool.name}: the teacher's setup launch failed: {result.error}")
        # ... and creates its WIMS class, as the linking page's "create" button does.
        linked = self.django(tool, "link", *(f"{tool.name}-{t}" for t in self.targets))
        for target in self.targets.values():
            if target.name == "real":
                self.real_classes.append(
                    (target.upstream, linked[f"{tool.name}-{target.name}"], target.rclass)
                )
        http_.close()
        self.tools.insert(len([t for t in self.tools if t.kind == "bridge"]), tool)

    # --- launches ------------------------------------------------------------------------------------
    def new_registration(self, client_id: str) -> Registration:
        course = self.platform.add_course("Algèbre linéaire", "ALG1")
        link = course.add_resource_link("Feuille 1", score_maximum=10, client_id=client_id)
        return Registration(client_id, course, link)

    def job(
        self, reg: Registration, target: Target, user: User, course: Course, link: ResourceLink, expect: str
    ) -> LaunchJob:
        return launch_job(
            self.platform, reg.client_id, user, course, link, expect=expect, wims_prefixes=target.prefixes
        )

    def jobs(
        self, tool: Tool, target: Target, phase: str, students: list[User] | None, count: int
    ) -> list[LaunchJob]:
        reg = tool.regs[target.name]
        if phase == "teacher":
            out = []
            for _ in range(count):
                course = self.platform.add_course("Analyse réelle", "AN1")
                link = course.add_resource_link("Feuille 1", score_maximum=10, client_id=reg.client_id)
                teacher = course.enroll(people.teacher(), INSTRUCTOR)
                out.append(self.job(reg, target, teacher, course, link, "page"))
            return out
        assert students is not None
        return [self.job(reg, target, s, reg.course, reg.link, "wims") for s in students]

    def new_students(self, tool: Tool, target: Target, count: int) -> list[User]:
        course = tool.regs[target.name].course
        return [course.enroll(people.student(), LEARNER) for _ in range(count)]

    def cpu(self, tool: Tool, target: Target) -> dict[str, float]:
        assert tool.server is not None
        out = {
            "tool": tool.server.cpu_s(),
            "redis": cpu_s(tool.redis.pid) if tool.redis.pid else 0.0,
            "proxy": cpu_s(target.proxy.pid),
        }
        if target.emulator is not None:
            out["wims"] = cpu_s(target.emulator.pid)
        return out

    def measure(
        self, tool: Tool, target: Target, phase: str, conc: int, rep: int, jobs: list[LaunchJob]
    ) -> report.Sample:
        assert self.pool is not None
        stats0, cpu0, load0 = target.stats(), self.cpu(tool, target), loadavg()
        run = self.pool.run(jobs, conc)
        stats1, cpu1, load1 = target.stats(), self.cpu(tool, target), loadavg()
        calls = {
            job: n - stats0["jobs"].get(job, 0)
            for job, n in stats1["jobs"].items()
            if n - stats0["jobs"].get(job, 0)
        }
        wims_ms = sum(stats1["wims_ms"].values()) - sum(stats0["wims_ms"].values())
        cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
        cpu["client"] = run.client_cpu_s
        failures = [r for r in run.results if not r.ok]
        sample = report.Sample(
            target=target.name,
            phase=phase,
            concurrency=conc,
            tool=tool.name,
            rep=rep,
            launches=len(run.results),
            failures=len(failures),
            first_error=failures[0].error if failures else "",
            wall_s=run.wall_s,
            tool_ms=[r.tool_s * 1000 for r in run.results if r.ok],
            calls=calls,
            wims_ms=wims_ms,
            cpu_s=cpu,
            load_before=load0,
            load_after=load1,
        )
        log(
            f"  {target.name:<8} rep {rep + 1} {phase:<9} c={conc:<2} {tool.name:<16}"
            f" {sample.rate:7.1f} launches/s  p50 {report.percentile(sample.tool_ms, 50):6.1f} ms"
            f"  adm/raw {sum(calls.values()) / max(1, sample.launches):.2f}"
            f"/launch  load {load1[0]:.2f}"
            + (f"  FAILED {len(failures)}: {sample.first_error}" if failures else "")
        )
        return sample

    def warm_phase(self, tool: Tool, target: Target, phase: str, students: list[User]) -> str:
        """Untimed launches; the failed ones are tried again (new launches of the same users) up to 3
        times, 5 s apart: the real WIMS refuses requests for a while when the machine is loaded. The
        last error, or "" when every launch went through."""
        assert self.pool is not None
        pending, error = list(students), ""
        for attempt in range(4):
            jobs = self.jobs(tool, target, phase, pending, len(pending))
            run = self.pool.run(jobs, max(self.args.concurrency))
            failed = [i for i, r in enumerate(run.results) if not r.ok]
            if not failed:
                return ""
            error = run.results[failed[0]].error
            pending = [pending[i] for i in failed]
            if attempt < 3:
                what = f"{len(failed)} {phase} launches of {tool.name} on {target.name}"
                log(f"warm-up: {what} failed, again in 5 s: {error[:300]}")
                time.sleep(5)
        return error

    def warm_up(self) -> None:
        for target in list(self.targets.values()):
            for tool in self.tools:
                students = self.new_students(tool, target, self.args.warmup)
                error = ""
                for phase in ("first", "returning", "teacher"):
                    error = error or self.warm_phase(tool, target, phase, students)
                if error and target.name == "real":
                    self.skipped.append(
                        f"real WIMS dropped: the warm-up of {tool.name} kept failing: {error[:500]}"
                    )
                    log(self.skipped[-1])
                    del self.targets[target.name]
                    break
                if error:
                    raise RuntimeError(f"warm-up launches of {tool.name} on {target.name} failed: {error}")
                tool.regs[target.name].known = students
        if not self.targets:
            raise RuntimeError("no WIMS target left after the warm-up: " + "; ".join(self.skipped))
        log(f"warm-up done ({self.args.warmup} launches per tool, phase and target)")

    def run_reps(self) -> None:
        for target in self.targets.values():
            for rep in range(self.args.repetitions):
                order = self.tools if rep % 2 == 0 else list(reversed(self.tools))
                for conc in self.args.concurrency:
                    cohorts = {
                        tool.name: self.new_students(tool, target, self.args.students) for tool in self.tools
                    }
                    if "first" in self.args.phases:
                        for tool in order:
                            jobs = self.jobs(tool, target, "first", cohorts[tool.name], 0)
                            self.samples.append(self.measure(tool, target, "first", conc, rep, jobs))
                    else:  # the cohort still has to launch once, untimed, to be returning students
                        for tool in order:
                            assert self.pool is not None
                            self.pool.run(self.jobs(tool, target, "first", cohorts[tool.name], 0), conc)
                    for tool in self.tools:
                        tool.regs[target.name].known.extend(cohorts[tool.name])
                    for phase in ("returning", "teacher"):
                        if phase not in self.args.phases:
                            continue
                        for tool in order:
                            jobs = self.jobs(tool, target, phase, cohorts[tool.name], self.args.students)
                            self.samples.append(self.measure(tool, target, phase, conc, rep, jobs))

    def breakdown(self, tool: Tool, target: Target) -> dict[str, Any]:
        reg = tool.regs[target.name]
        key = self.platform.keys.current
        known = iter(reg.known)

        def item(label: str, mode: str, kind: str) -> dict[str, Any]:
            if kind == "returning":
                job = self.jobs(tool, target, "returning", [next(known)], 0)[0]
            elif kind == "first":
                job = self.jobs(tool, target, "first", self.new_students(tool, target, 1), 0)[0]
            else:
                job = self.jobs(tool, target, "teacher", None, 1)[0]
            return {"label": label, "mode": mode, "job": asdict(job)}

        kinds = [
            ("returning student", "returning"),
            ("first student", "first"),
            ("teacher first launch", "teacher"),
        ]
        launches = [item(label, "warmup", kind) for label, kind in kinds]
        launches += [
            item(label, "measure", kind) for _ in range(self.args.breakdown_runs) for label, kind in kinds
        ]
        if self.args.profile:
            launches += [item(label, "profile", kind) for label, kind in kinds]
        plan = self.work / f"breakdown-{tool.name}-{target.name}.json"
        plan.write_text(
            json.dumps(
                {
                    "private_pem": key.private_pem(),
                    "kid": key.kid,
                    "launches": launches,
                    "profile_top": self.args.profile,
                }
            )
        )
        plan.chmod(0o600)
        result = subprocess.run(
            [PYTHON, "-m", "benchmarks.launchbench.breakdown", str(plan)],
            cwd=ROOT,
            env=tool.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        (self.work / f"breakdown-{tool.name}-{target.name}.log").write_text(result.stderr)
        if result.returncode != 0:
            raise RuntimeError(f"breakdown of {tool.name} on {target.name} failed:\n{result.stderr[-3000:]}")
        out: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return {"tool": tool.name, "target": target.name, **out}

    # --- the run -------------------------------------------------------------------------------------
    def run(self) -> int:
        args = self.args
        log(f"work directory: {self.work}")
        self.start_platform()
        self.start_targets()
        if not self.targets:
            raise SystemExit("no WIMS target left to run against")
        self.start_null()
        for db in args.dbs:
            self.start_bridge(db)
        key = self.platform.keys.current
        self.pool = ClientPool(max(args.concurrency), key.private_pem(), key.kid)
        self.warm_up()
        self.run_reps()
        if not args.no_breakdown:
            for target in self.targets.values():
                for tool in self.tools:
                    if tool.kind == "bridge":
                        self.breakdowns.append(self.breakdown(tool, target))
        self.load_end = loadavg()
        self.print_report()
        if args.json:
            args.json.write_text(json.dumps(self.as_json(), indent=1))
        failed = sum(s.failures for s in self.samples) + sum(
            1 for b in self.breakdowns for e in b["launches"] if not e["ok"]
        )
        return 1 if failed else 0

    def machine(self) -> str:
        return (
            f"{os.cpu_count()} cores, {platform_module.machine()}, Python {platform_module.python_version()}"
        )

    def print_report(self) -> None:
        args = self.args
        g = self.gunicorn
        bridges = [t.name for t in self.tools if t.kind == "bridge"]
        tools = [t.name for t in self.tools]
        extra = "".join(f", {k}={v}" for k, v in self.tool_env.items())
        out = [
            "== launch benchmark: bridge vs null tool ==",
            f"machine: {self.machine()}; load average (1/5/15 min) at start {fmt_load(self.load_start)},"
            f" at end {fmt_load(self.load_end)}",
            f"server: gunicorn {g.get('worker_class')} workers={g.get('workers')} threads={g.get('threads')} "
            f"(docker/gunicorn.conf.py{extra}),"
            " the same for both tools; bridge: settings.production, DEBUG off, " + ", ".join(args.dbs),
            f"run: {args.students} launches per tool and phase, {args.repetitions} interleaved repetition(s),"
            f" concurrency {','.join(map(str, args.concurrency))}, warm-up {args.warmup};"
            f" client: {max(args.concurrency)} processes"
            + (" (--quick: a check that it works, not figures)" if args.quick else ""),
            *self.skipped,
        ]
        for target in self.targets.values():
            loads = [s.load_after[0] for s in self.samples if s.target == target.name]
            out += [
                "",
                f"== {target.name} WIMS ({target.upstream}), through the counting proxy"
                f" ({target.calibration_ms:+.2f} ms per call: median of gettime proxied minus direct) ==",
                "latency: the tool's own HTTP exchanges of a launch (login initiation + launch [+ landing"
                " page]); CPU ms per launch by process; client cores: CPU of the launching processes / wall",
                *report.results_table(self.samples, target.name, args.phases, args.concurrency, tools),
                "",
                f"== {target.name}: bridge / null ==",
                *report.ratio_table(
                    self.samples, target.name, args.phases, args.concurrency, bridges, "null"
                ),
                "",
                f"== {target.name}: adm/raw budget (calls per launch, expected: "
                + ", ".join(f"{p} {EXPECTED_CALLS[p]}" for p in args.phases)
                + ") ==",
                *budget_lines(self.samples, target.name, args.phases, tools),
                f"load average (1 min) during the samples: {min(loads):.2f} - {max(loads):.2f}"
                if loads
                else "",
            ]
        for b in self.breakdowns:
            out += [
                "",
                f"== breakdown: {b['tool']} on {b['target']}, sequential launches inside the bridge process"
                f" ({self.args.breakdown_runs} of each kind) ==",
            ]
            for entry in b["launches"]:
                out += report.breakdown_lines(entry, verbose=args.verbose)
        failures = [s for s in self.samples if s.failures]
        out += ["", f"== failures: {sum(s.failures for s in failures)} =="]
        if any(s.target == "real" for s in failures):
            out.append(
                "(the real WIMS answers HTTP 450, 'overloaded', while the load average is above"
                " threshold1 of its wims.conf; failed launches count neither in launches/s nor in latencies)"
            )
        out += [
            f"{s.target} {s.phase} c={s.concurrency} {s.tool} rep {s.rep + 1}: {s.failures} ({s.first_error})"
            for s in failures
        ]
        print("\n".join(out), flush=True)

    def as_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine(),
            "load_start": self.load_start,
            "load_end": self.load_end,
            "gunicorn": self.gunicorn,
            "tool_env": self.tool_env,
            "args": {
                k: (str(v) if isinstance(v, Path) else v)
                for k, v in vars(self.args).items()
                if k != "postgres_url"
            },
            "proxy_overhead_ms": {t.name: t.calibration_ms for t in self.targets.values()},
            "pids": self.pids(),
            "samples": [asdict(s) for s in self.samples],
            "breakdowns": self.breakdowns,
        }

    def pids(self) -> dict[str, list[int]]:
        """Every process this run started (to check that none outlives it)."""
        out: dict[str, list[int]] = {"clients": self.pool.pids if self.pool else []}
        for service in self.services:
            name = getattr(service, "name", type(service).__name__)
            if isinstance(service, Gunicorn):
                out[name] = [service.pid, *service.workers()]
            elif isinstance(service, RedisServer) and service.pid:
                out[f"redis:{service.port}"] = [service.pid]
            elif isinstance(service, JsonService):
                out[name] = [service.pid]
        return out

    # --- the end -------------------------------------------------------------------------------------
    def stop(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if not self.args.keep:
            self.delete_real_classes()
        for service in reversed(self.services):
            with contextlib.suppress(Exception):
                service.stop()
        for url, name in self.pg_databases:
            with contextlib.suppress(Exception):
                import psycopg

                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if self.args.keep:
            log(f"kept: {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def delete_real_classes(self) -> None:
        """The classes this run made on the shared real WIMS (the null tool's, and the one per bridge
        variant created by `bridge_setup link`: the teacher phase never creates one)."""
        deleted = 0
        for url, qclass, rclass in self.real_classes:
            for attempt in range(6):  # WIMS refuses requests while the machine's load is above its threshold
                try:
                    AdmRaw(url, REAL_IDENT, REAL_PASSWD).call("delclass", qclass=qclass, rclass=rclass)
                    deleted += 1
                    break
                except (OSError, AdmRawError) as exc:
                    if attempt == 5:
                        log(f"could not delete class {qclass} (rclass {rclass}) on {url}: {str(exc)[:300]}")
                    else:
                        time.sleep(5)
        if deleted:
            log(f"deleted the {deleted} classes this run made on the real WIMS")


def fmt_load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.2f}" for x in load)


def budget_lines(samples: list[report.Sample], target: str, phases: list[str], tools: list[str]) -> list[str]:
    rows = report.group(samples)
    lines = []
    for phase in phases:
        parts = []
        for tool in tools:
            per_tool = [row for (t, p, _, name), row in rows.items() if (t, p, name) == (target, phase, tool)]
            launches = sum(r.launches() for r in per_tool)
            calls: dict[str, float] = {}
            for row in per_tool:
                for job, n in row.calls_per_launch().items():
                    calls[job] = calls.get(job, 0) + n * row.launches() / max(1, launches)
            parts.append(f"{tool} {report.calls_text(calls)}")
        lines.append(f"{phase:<10} " + "; ".join(parts))
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bench = Bench(args)
    try:
        return bench.run()
    finally:
        bench.stop()


if __name__ == "__main__":
    sys.exit(main())
