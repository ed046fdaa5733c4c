"""Grade passback fixtures: a linked course on a WIMS target, the dev platform, students, a Celery worker."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.fixtures.lti_env import LtiEnv, build_lti_env
from tests.fixtures.wims_servers import WimsTarget
from wims_lti.lti.devplatform import people
from wims_lti.lti.devplatform.model import GradebookEntry, User
from wims_lti.lti.devplatform.roles import LEARNER
from wims_lti.lti.identity import wims_login_for
from wims_lti.models import (
    ActivitySync,
    Course,
    CourseServices,
    LmsUser,
    ResourceLink,
    SyncRun,
    WimsAccount,
)
from wims_lti.services.grades import RetryLater, activity_sync_execute, sync_run_start
from wims_lti.wims.client import WimsClient

ROOT = Path(__file__).resolve().parents[2]
OEF_ADDITION = r"""\title{Addition}
\language{en}
\author{Integration tests}
\email{harness@example.com}
\computeanswer{no}
\format{html}
\statement{What is 2 + 3 ?}
\answer{Sum}{5}{type=numeric}
"""
EXO = {
    "module": "classes/en",
    "params": "exo=addition&qnum=1&qcmlevel=1&scoredelay=&seedrepeat=0",
    "points": 10,
}


def make_class(
    client: WimsClient, rclass: str, *, sheets: int = 1, exam: bool = False, points: int = 10
) -> str:
    """A WIMS class with `sheets` active one-exercise sheets (and an active exam on sheet 1). Each sheet
    requires `points` (one right answer earns 10)."""
    reply = client.addclass(
        rclass,
        {
            "description": "Grades test",
            "institution": "Test U",
            "supervisor": "Sue Pervisor",
            "email": "sup@example.com",
            "password": "classpw1",
            "lang": "en",
        },
        {"lastname": "Pervisor", "firstname": "Sue", "password": "suppw123"},
    )
    qclass = reply.class_id
    client.call("addexo", {"qclass": qclass, "rclass": rclass, "qexo": "addition"}, data1=OEF_ADDITION)
    for number in range(1, sheets + 1):
        client.addsheet(qclass, rclass, {"title": f"Sheet {number}", "expiration": "20991231"})
        client.putexo(qclass, rclass, number, {**EXO, "points": points})
        client.modsheet(qclass, rclass, number, {"status": 1})
    if exam:
        client.addexam(qclass, rclass, {"title": "Exam", "duration": "20", "attempts": "3"})
        client.linksheet(qclass, rclass, 1, 1)
        client.modexam(qclass, rclass, 1, {"status": 1})
    return qclass


@dataclass
class Student:
    user: User
    lms_user: LmsUser | None
    quser: str


@dataclass
class GradeEnv:
    lti: LtiEnv
    course: Course
    client: WimsClient
    link: ResourceLink
    students: list[Student] = field(default_factory=list)
    enqueued: list[int] = field(default_factory=list)

    @property
    def platform(self) -> Any:
        return self.lti.platform

    @property
    def type_id(self) -> int:
        return self.platform.registrations[self.lti.registration.client_id].type_id

    def add_student(
        self, *, account: bool = True, enrolled: bool = True, lms_user: bool = True, **kw: Any
    ) -> Student:
        user = people.student(**kw)
        if enrolled:
            self.lti.course.enroll(user, LEARNER)
        registration = self.lti.registration
        quser = wims_login_for(issuer=registration.issuer, client_id=registration.client_id, sub=user.sub)
        db_user = None
        if lms_user:
            db_user = LmsUser.objects.create(
                platform=registration,
                sub=user.sub,
                given_name=user.given_name or "",
                family_name=user.family_name or "",
            )
        if account:
            assert db_user is not None
            self.client.adduser(
                self.course.qclass,
                self.course.rclass,
                quser,
                {"firstname": user.given_name, "lastname": user.family_name, "password": "pw123456"},
            )
            WimsAccount.objects.create(course=self.course, lms_user=db_user, quser=quser)
        student = Student(user, db_user, quser)
        self.students.append(student)
        return student

    def add_link(self, kind: str, number: int, *, declared: bool = True, title: str = "") -> ResourceLink:
        lms_link = self.lti.course.add_resource_link(
            title or f"{kind} {number}", score_maximum=10 if declared else None
        )
        item_url = (
            self.platform.lineitem_url(self.platform.line_items[lms_link.line_item_id]) if declared else ""
        )
        return ResourceLink.objects.create(
            course=self.course,
            resource_link_id=lms_link.id,
            title=lms_link.title,
            kind=kind,
            number=number,
            lineitem_url=item_url,
            lineitems_url=self.platform.urls.lineitems(self.lti.course.id, self.type_id),
        )

    def score(self, student: Student, percent: float, sheet: int = 1) -> None:
        emulator = self.lti.wims.emulator
        assert emulator is not None
        emulator.emulator.set_sheet_score(self.course.qclass, sheet, student.quser, percent=percent)

    def sync(self, trigger: str = SyncRun.Trigger.MANUAL) -> SyncRun:
        """A run executed in this process (what the worker does), retrying transient failures."""
        queued: list[int] = []
        run = sync_run_start(course=self.course, trigger=trigger, enqueue=queued.append)
        assert run is not None
        for pk in queued:
            self.execute(pk)
        run.refresh_from_db()
        return run

    def execute(self, activity_sync_id: int, tries: int = 1) -> None:
        for attempt in range(tries):
            try:
                activity_sync_execute(activity_sync_id=activity_sync_id)
                return
            except RetryLater:
                if attempt + 1 == tries:
                    raise

    def entry(self, student: Student, link: ResourceLink | None = None) -> GradebookEntry | None:
        link = link or self.link
        url = link.lineitem_url or link.grade_line_item.url
        return self.platform.gradebook.get(url, student.user.sub)

    def score_posts(self) -> int:
        return len([r for r in self.platform.requests_matching(r"/scores", "POST") if r.status == 200])

    def activity(self, run: SyncRun, link: ResourceLink | None = None) -> ActivitySync:
        return ActivitySync.objects.get(run=run, link=link or self.link)


def build_grade_env(
    live_server: Any, wims: WimsTarget, flavor: str = "moodle", *, sheets: int = 1, points: int = 10
) -> GradeEnv:
    lti = build_lti_env(live_server, wims, flavor)
    client = wims.client()
    qclass = make_class(client, wims.rclass, sheets=sheets, points=points)
    course = Course.objects.create(
        platform=lti.registration,
        context_id=str(lti.course.id),
        title=lti.course.title,
        wims_server=lti.wims_server,
        qclass=qclass,
        rclass=wims.rclass,
    )
    type_id = lti.platform.registrations[lti.registration.client_id].type_id
    CourseServices.objects.create(
        course=course, nrps_url=lti.platform.urls.memberships(lti.course.id, type_id)
    )
    platform = lti.platform
    link = ResourceLink.objects.create(
        course=course,
        resource_link_id=lti.link.id,
        title=lti.link.title,
        kind=ResourceLink.Kind.SHEET,
        number=1,
        lineitem_url=platform.lineitem_url(platform.line_items[lti.link.line_item_id]),
        lineitems_url=platform.urls.lineitems(lti.course.id, type_id),
    )
    return GradeEnv(lti, course, client, link)


@pytest.fixture
def fast_retries(settings: Any) -> None:
    settings.GRADE_HTTP_BACKOFF = 0.01
    settings.GRADE_HTTP_BACKOFF_CAP = 0.2
    settings.LTI_HTTP_READ_TIMEOUT = 3.0


@pytest.fixture
def grade_env(live_server: Any, emulator_target: WimsTarget, fast_retries: None) -> Iterator[GradeEnv]:
    env = build_grade_env(live_server, emulator_target)
    yield env
    env.lti.server.stop()


@pytest.fixture(params=["moodle", "canvas"])
def grade_env_flavors(
    request: pytest.FixtureRequest, live_server: Any, emulator_target: WimsTarget, fast_retries: None
) -> Iterator[GradeEnv]:
    env = build_grade_env(live_server, emulator_target, request.param)
    yield env
    env.lti.server.stop()


@pytest.fixture
def canvas_env(live_server: Any, emulator_target: WimsTarget, fast_retries: None) -> Iterator[GradeEnv]:
    env = build_grade_env(live_server, emulator_target, "canvas")
    yield env
    env.lti.server.stop()


# --- a real Celery worker ------------------------------------------------------------------------------


@dataclass
class Worker:
    """`celery -A wims_lti worker` in a subprocess on the test database; ended by its PID.

    `project_command`: the command `manage.py runstack` runs (prefork pool, `--concurrency 2`, as
    documented), with this test's queue and node name added; otherwise one solo-pool process. The worker
    runs in its own session, so `kill()` SIGKILLs its whole process group (main process and children)."""

    redis_url: str
    queue: str
    log: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    project_command: bool = False

    def argv(self, name: str) -> list[str]:
        isolation = ["-Q", self.queue, "-n", name]
        if self.project_command:
            from wims_lti.devstack.stack import StackConfig

            config = StackConfig(base_dir=ROOT, var_dir=self.log.parent, settings_module="settings.test")
            return [*config.worker_argv(), *isolation]
        return [sys.executable, "-m", "celery", "-A", "wims_lti", "worker", "--pool", "solo", *isolation,
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"]  # fmt: skip

    def start(self, timeout: float = 30) -> Worker:
        name = f"grades-{uuid.uuid4().hex[:8]}@test"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "settings.test",
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
            "GRADE_SYNC_QUEUE": self.queue,
            "GRADE_HTTP_BACKOFF": "0.02",
            "GRADE_HTTP_BACKOFF_CAP": "0.5",
            "WIMS_LTI_ENV_FILE": "",
            **self.env_extra,
        }
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        start = self.log.stat().st_size if self.log.exists() else 0
        self.process = subprocess.Popen(
            self.argv(name),
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            if b" ready." in self.log.read_bytes()[start:]:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"worker not ready: {self.log.read_text()[-3000:]}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _signal_group(self, sig: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)  # the group this worker leads (its own session)

    def kill(self) -> None:
        """SIGKILL to the worker and its pool children: it dies mid-task, acknowledging nothing."""
        if self.process is not None:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """SIGTERM (warm shutdown: the main process waits for its children), SIGKILL to the group if slow."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None


@pytest.fixture
def worker_factory(tmp_path: Path, settings: Any) -> Iterator[Callable[..., Worker]]:
    queue = f"grades-test-{uuid.uuid4().hex[:8]}"
    settings.GRADE_SYNC_QUEUE = queue
    started: list[Worker] = []

    def make(redis_url: str | None = None, *, project_command: bool = False, **env_extra: str) -> Worker:
        worker = Worker(
            redis_url or settings.REDIS_URL,
            queue,
            tmp_path / "worker.log",
            env_extra,
            project_command=project_command,
        )
        started.append(worker)
        return worker.start()

    yield make
    for worker in started:
        worker.stop()


def wait_for(predicate: Callable[[], bool], timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def run_over(run_id: int) -> Callable[[], bool]:
    return lambda: SyncRun.objects.filter(pk=run_id, finished__isnull=False).exists()
