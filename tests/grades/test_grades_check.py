"""The grades check: what an outside check of grade passback does, end to end, on the real WIMS 4.29a.

A real Celery worker started with the project's own command (`manage.py runstack`'s: prefork pool,
`--concurrency 2`, as documented) reads several sheets of one class at once; two students earn real
scores by answering in their own WIMS session (as ../shared/wims-server/smoke.py does); a third student
is only in the LMS roster (never launched: the sync makes their WIMS account, then they work); a score
changes while the LMS answers 500, 429, drops a connection and its token endpoint answers 503; the worker
is SIGKILLed mid-sync and "Sync now" takes the run over. After every sync, the LMS gradebook (the dev
platform, an independent HTTP server) holds exactly the scores earned before that sync, each posted
exactly once per change — never one sync late.

WIMS caches a class's sheet table for 100-160 s (quirk Q1): the class is new and all its sheets are
active before anything reads its scores, so no flush of WIMS's caches (a server-wide restart) is needed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.fixtures.wims_servers import WimsTarget
from tests.grades.conftest import GradeEnv, Student, Worker, build_grade_env, run_over, wait_for
from tests.grades.wims_student import student_answers
from wims_lti.models import ActivitySync, LmsUser, ResourceLink, SyncRun, WimsAccount
from wims_lti.views.teacher.auth import issue_teacher_token

pytestmark = [pytest.mark.integration, pytest.mark.real_wims]

SHEETS = 3
# Each sheet requires 20 points and a right answer earns 10: one answer is 50 % (InProgress), two 100 %.
POINTS = 20
WORKER_ENV = {
    "GRADE_SYNC_HEARTBEAT": "1",
    "GRADE_SYNC_STALE_AFTER": "5",
    "GRADE_SYNC_LOCK_LEASE": "3",
    "GRADE_HTTP_ATTEMPTS": "5",
}


@dataclass
class Check:
    env: GradeEnv
    links: dict[int, ResourceLink]
    client: Client
    token: str
    # (sheet, student quser) -> (grade, posts, activityProgress): what the gradebook must hold
    expected: dict[tuple[int, str], tuple[float, int, str]]
    students: dict[str, Student]
    worker_log: Any = None

    def answer(self, who: str, sheet: int, times: int = 1) -> None:
        student = self.students[who]
        for _ in range(times):
            page = student_answers(
                self.env.client, self.env.course.qclass, self.env.course.rclass, student.quser, sheet, "5"
            )
            assert "You scored 10 out of 10" in page, page[-2000:]

    def sync_now(self) -> SyncRun:
        self.client.post(reverse("teacher-grades-sync", args=[self.token]))
        return SyncRun.objects.filter(course=self.env.course).order_by("-pk").first()  # type: ignore[return-value]

    def wait(self, run: SyncRun, timeout: float = 120) -> SyncRun:
        try:
            wait_for(run_over(run.pk), timeout, f"sync run {run.pk}")
        except AssertionError as exc:
            states = [
                (a.link.number, a.status, a.message, a.heartbeat, a.worker, a.attempts)
                for a in ActivitySync.objects.filter(run=run).select_related("link")
            ]
            log = self.worker_log.read_text()[-6000:] if self.worker_log else ""
            raise AssertionError(f"{exc}: {states}\n{log}") from exc
        run.refresh_from_db()
        return run

    def expect(self, who: str, sheet: int, grade: float, progress: str) -> None:
        quser = self.students[who].quser
        _, posts, _ = self.expected.get((sheet, quser), (0, 0, ""))
        self.expected[(sheet, quser)] = (grade, posts + 1, progress)

    def assert_gradebook(self, run: SyncRun, step: str) -> None:
        """Exactly the expected scores, each posted as many times as it changed; nothing else."""
        acts = list(ActivitySync.objects.filter(run=run).select_related("link"))
        problems = [
            (a.link.number, a.status, a.message, a.detail, a.errors)
            for a in acts
            if a.status != "done" or a.failed
        ]
        assert not problems, f"{step}: {problems}"
        held = 0
        for sheet, link in self.links.items():
            for who, student in self.students.items():
                entry = self.env.entry(student, link)
                want = self.expected.get((sheet, student.quser))
                if want is None:
                    assert entry is None, f"{step}: {who} got a score on sheet {sheet}: {entry}"
                    continue
                held += 1
                assert entry is not None, f"{step}: {who}'s score on sheet {sheet} did not arrive"
                got = (entry.grade, entry.posts, entry.activity_progress, entry.grading_progress)
                assert got == (*want, "FullyGraded"), f"{step}: {who} sheet {sheet}: {got} != {want}"
        assert len(self.env.platform.gradebook) == held, step


@pytest.fixture
def check(live_server: Any, real_wims: WimsTarget, fast_retries: None, settings: Any) -> Iterator[Check]:
    settings.GRADE_SYNC_STALE_AFTER = 5  # the view decides on takeovers: same as the worker's
    env = build_grade_env(live_server, real_wims, sheets=SHEETS, points=POINTS)
    try:
        links = {1: env.link} | {n: env.add_link("sheet", n) for n in range(2, SHEETS + 1)}
        a, b = env.add_student(), env.add_student()
        teacher = LmsUser.objects.create(platform=env.lti.registration, sub="check-teacher", given_name="T")
        token = issue_teacher_token(
            course=env.course, user=teacher, link=env.link, lang="en", roles=["Instructor"]
        )
        # The roster's third learner (env.lti.student) never launched: no account yet.
        roster_only = Student(env.lti.student, None, "")
        yield Check(env, links, Client(), token, {}, {"A": a, "B": b, "R": roster_only})
    finally:
        env.lti.server.stop()
        with contextlib.suppress(Exception):  # cleanup only
            env.client.delclass(env.course.qclass, env.course.rclass)


def test_grades_check(check: Check, worker_factory: Callable[..., Worker]) -> None:
    env = check.env
    platform = env.platform
    worker = worker_factory(project_command=True, **WORKER_ENV)
    check.worker_log = worker.log

    # 1. Two students work; the roster-only student gets a WIMS account; several sheets read at once.
    check.answer("A", 1)
    check.answer("B", 2, times=2)
    platform.faults.hang(r"/scores", 0.5, times=2)  # the two activities with a score overlap
    run = check.wait(check.sync_now())
    check.expect("A", 1, 5, "InProgress")
    check.expect("B", 2, 10, "Completed")
    check.assert_gradebook(run, "sync 1")
    account = WimsAccount.objects.get(course=env.course, lms_user__sub=env.lti.student.sub)
    check.students["R"] = Student(env.lti.student, account.lms_user, account.quser)
    acts = sorted(ActivitySync.objects.filter(run=run), key=lambda a: a.started or dt.datetime.max)
    assert len({a.worker for a in acts}) == 2, [a.worker for a in acts]  # both pool processes worked
    assert acts[1].started < acts[0].finished  # ...at the same time
    first = env.entry(check.students["A"], check.links[1])
    assert first is not None
    submission = first.last_score.get("submission") or {}
    submitted = dt.datetime.fromisoformat(submission["submittedAt"])
    assert dt.timedelta(0) <= dt.datetime.now(dt.UTC) - submitted < dt.timedelta(minutes=5)
    assert dt.datetime.fromisoformat(submission["startedAt"]) <= submitted  # from WIMS's activity log

    # 2. The roster-only student works, A's score changes — under LMS faults.
    check.answer("R", 3)
    check.answer("A", 1)
    faults = [
        platform.faults.add(r"/scores", status=500, times=1),
        platform.faults.too_many_requests(r"/scores", retry_after=1, times=1),
        platform.faults.down(r"/scores", times=1),
        platform.faults.add(r"token", status=503, times=1),
    ]
    platform.tokens.expire_all()  # the cached token is refused: a new one is asked (and answered 503 once)
    run = check.wait(check.sync_now())
    assert [f.fired for f in faults] == [1, 1, 1, 1]
    check.expect("R", 3, 5, "InProgress")
    check.expect("A", 1, 10, "Completed")
    check.assert_gradebook(run, "sync 2")

    # 3. The worker is SIGKILLed mid-sync; "Sync now" takes the run over once its heartbeat is stale.
    check.answer("B", 1)
    check.answer("A", 2, times=2)
    check.answer("R", 3)
    posts = env.score_posts()
    platform.faults.hang(r"/scores", 1.5, times=3)
    run = check.sync_now()
    wait_for(lambda: env.score_posts() > posts, 60, "a first post of sync 3")
    worker.kill()
    assert env.score_posts() < posts + 3  # the sync really was interrupted
    worker_factory(project_command=True, **WORKER_ENV)
    killed = time.monotonic()
    status_url = reverse("teacher-grades-status", args=[check.token])
    wait_for(lambda: check.client.get(status_url).json()["stalled"], 30, "the run to be seen stalled")
    assert check.sync_now().pk == run.pk  # the same run, taken over
    run = check.wait(run, 90)  # stale after 5 s; LMS slots the dead worker held free within 30 s
    assert time.monotonic() - killed < 90
    check.expect("B", 1, 5, "InProgress")
    check.expect("A", 2, 10, "Completed")
    check.expect("R", 3, 10, "Completed")
    check.assert_gradebook(run, "sync 3 (taken over)")

    # 4. Nothing changed: nothing is posted.
    posts = env.score_posts()
    run = check.wait(check.sync_now())
    assert env.score_posts() == posts
    assert sum(a.posted for a in ActivitySync.objects.filter(run=run)) == 0
    check.assert_gradebook(run, "sync 4")
