"""Grade sync benchmark on loopback: N students x M sheets, first sync and a resync with no change.

Everything real except WIMS and the LMS: a redis-server, a Celery worker subprocess started with the
project's own command (`manage.py runstack`'s: prefork pool, `--concurrency 2`, as documented; or
`--pool threads`), the WIMS emulator and the dev LTI platform (Moodle or Canvas flavour) on loopback, an
SQLite database file.

    .venv/bin/python benchmarks/sync_benchmark.py [--students 5000] [--sheets 20] [--flavor moodle]
        [--pool prefork|threads] [--concurrency 2]

Prints per run: wall time, adm/raw calls, LMS score posts and posts/s, token requests, failed scores and
the worker's peak RSS (VmHWM of the main process and each pool process, summed). Targets: adm/raw calls
= activities + 1 listsheets per run (+ the activity log of each student whose score is sent, once per
run, and WIMS's clock once); resync posts = 0; 1 token request per platform per run (the second run
reuses the cached token: 0).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--sheets", type=int, default=20)
    ap.add_argument("--flavor", choices=["moodle", "canvas"], default="moodle")
    ap.add_argument("--pool", choices=["prefork", "threads"], default="prefork")
    ap.add_argument("--concurrency", type=int, default=2, help="worker processes (prefork) or threads")
    args = ap.parse_args()

    from wims_lti.devstack.redis_server import RedisServer

    tmp = Path(tempfile.mkdtemp(prefix="wims-lti-bench-"))
    redis = RedisServer().start()
    db = tmp / "bench.sqlite3"
    env = {
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "REDIS_URL": redis.url,
        "CELERY_BROKER_URL": redis.url,
        "DATABASE_URL": f"sqlite:///{db}",
        "GRADE_SYNC_QUEUE": "bench",
        "WIMS_LTI_ENV_FILE": "",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        return _run(args, env, tmp)
    finally:
        for worker in worker_holder:  # ended by the PID we started
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)
        redis.stop()


worker_holder: list[subprocess.Popen[bytes]] = []


def _peak_rss_kib(pid: int) -> int:
    """Peak RSS (VmHWM) of `pid` plus that of each of its children (the prefork pool processes)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        try:
            lines = Path(f"/proc/{one}/status").read_text().splitlines()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in lines if line.startswith("VmHWM:")), 0)
    return total


def _run(args: argparse.Namespace, env: dict[str, str], tmp: Path) -> int:
    from wims_lti.lti.devplatform import DevPlatform, DevPlatformServer
    from wims_lti.lti.devplatform.model import User
    from wims_lti.lti.devplatform.roles import LEARNER
    from wims_lti.lti.identity import wims_login_for
    from wims_lti.models import (
        Course,
        CourseServices,
        LmsUser,
        ResourceLink,
        SyncRun,
        WimsAccount,
        WimsServer,
    )
    from wims_lti.services.grades import sync_run_start
    from wims_lti.services.keys import tool_jwks, toolkey_ensure
    from wims_lti.services.platforms import platform_register
    from wims_lti.wims.client import WimsClient
    from wims_lti.wims.emulator import EmulatorServer

    t0 = time.monotonic()
    emulator = EmulatorServer(ident="lti", passwd="benchsecret1").start()
    platform = DevPlatform(args.flavor)
    server = DevPlatformServer(platform).start()
    wims_server = WimsServer.objects.create(
        name="bench", url=emulator.url, ident="lti", passwd="benchsecret1", rclass="bench", max_concurrency=4
    )
    toolkey_ensure()
    registration = platform_register(
        name="Bench",
        issuer=platform.issuer,
        client_id="bench-tool",
        auth_login_url=platform.auth_login_url,
        auth_token_url=platform.auth_token_url,
        keyset_url=platform.jwks_url,
        deployment_ids=["1"],
        wims_server=wims_server,
    )
    platform.register_tool(
        "bench-tool", "http://127.0.0.1:9/login", ["http://127.0.0.1:9/launch"], tool_jwks=tool_jwks()
    )
    type_id = platform.registrations["bench-tool"].type_id
    lms_course = platform.add_course("Bench course", "BENCH")
    client = WimsClient(emulator.url, "lti", "benchsecret1")
    qclass = client.addclass(
        "bench",
        {"description": "Bench", "institution": "Bench U", "supervisor": "Sue Pervisor",
         "email": "sup@example.com", "password": "classpw1", "lang": "en"},
        {"lastname": "Pervisor", "firstname": "Sue", "password": "suppw123"},
    ).class_id  # fmt: skip
    course = Course.objects.create(
        platform=registration,
        context_id=str(lms_course.id),
        wims_server=wims_server,
        qclass=qclass,
        rclass="bench",
    )
    CourseServices.objects.create(course=course, nrps_url=platform.urls.memberships(lms_course.id, type_id))
    state = emulator.emulator
    for number in range(1, args.sheets + 1):
        client.addsheet(qclass, "bench", {"title": f"Sheet {number}"})
        client.putexo(
            qclass, "bench", number, {"module": "classes/en", "params": "exo=addition", "points": 10}
        )
        client.modsheet(qclass, "bench", number, {"status": 1})
        lms_link = lms_course.add_resource_link(f"Sheet {number}", score_maximum=10)
        ResourceLink.objects.create(
            course=course,
            resource_link_id=lms_link.id,
            title=lms_link.title,
            kind="sheet",
            number=number,
            lineitem_url=platform.lineitem_url(platform.line_items[lms_link.line_item_id]),
            lineitems_url=platform.urls.lineitems(lms_course.id, type_id),
        )
    users = []
    for i in range(args.students):
        user = lms_course.enroll(User(given_name=f"Student{i}", family_name="Bench"), LEARNER)
        quser = wims_login_for(issuer=registration.issuer, client_id="bench-tool", sub=user.sub)
        client.adduser(
            qclass, "bench", quser, {"firstname": f"Student{i}", "lastname": "Bench", "password": "pw123456"}
        )
        users.append((user, quser))
    LmsUser.objects.bulk_create([LmsUser(platform=registration, sub=u.sub) for u, _ in users])
    by_sub = {u.sub: u for u in LmsUser.objects.filter(platform=registration)}
    WimsAccount.objects.bulk_create(
        [WimsAccount(course=course, lms_user=by_sub[u.sub], quser=q) for u, q in users]
    )
    for number in range(1, args.sheets + 1):
        for i, (_, quser) in enumerate(users):
            state.set_sheet_score(qclass, number, quser, percent=(i * 7 + number * 13) % 100 + 1)
    size = f"{args.students} students x {args.sheets} sheets ({args.flavor})"
    print(f"setup: {size} in {time.monotonic() - t0:.1f}s")

    log = tmp / "worker.log"
    from wims_lti.devstack.stack import StackConfig

    argv = StackConfig(base_dir=ROOT, var_dir=tmp, settings_module="settings.test").worker_argv()
    argv[argv.index("--concurrency") + 1] = str(args.concurrency)
    if args.pool == "threads":
        argv += ["--pool", "threads"]
    argv += ["-Q", "bench", "-n", "bench@local"]
    worker = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    worker_holder.append(worker)
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            print(log.read_text()[-3000:])
            return 1
        time.sleep(0.2)
    print(f"worker: {args.pool}, concurrency {args.concurrency}")
    print(
        f"{'run':<10}{'wall s':>9}{'adm/raw':>9}{'posts':>9}{'posts/s':>9}{'tokens':>8}{'failed':>8}"
        f"{'RSS MiB':>9}"
    )
    for label in ("first", "resync"):
        mark = len(state.request_log)
        posts_before = len(platform.requests_matching(r"/scores", "POST"))
        tokens_before = platform.tokens.request_count
        started = time.monotonic()
        run = sync_run_start(course=course, trigger=SyncRun.Trigger.MANUAL)
        assert run is not None
        while not SyncRun.objects.filter(pk=run.pk, finished__isnull=False).exists():
            if worker.poll() is not None:
                print(log.read_text()[-3000:])
                return 1
            time.sleep(0.5)
        wall = time.monotonic() - started
        jobs = state.jobs_since(mark)
        posts = len(platform.requests_matching(r"/scores", "POST")) - posts_before
        failed = sum(a.failed for a in run.activities.all())
        print(
            f"{label:<10}{wall:>9.1f}{len(jobs):>9}{posts:>9}{posts / wall:>9.0f}"
            f"{platform.tokens.request_count - tokens_before:>8}"
            f"{failed:>8}{_peak_rss_kib(worker.pid) / 1024:>9.0f}"
        )
        print(f"{'':<10}adm/raw jobs: {dict(sorted(Counter(jobs).items()))}")
    server.stop()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
