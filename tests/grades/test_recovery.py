"""Recovery in minutes: a running activity sync beats; "Sync now" (or the next scheduled run) takes over one
whose worker is gone once its heartbeat is older than GRADE_SYNC_STALE_AFTER — not after the broker's
visibility timeout (an hour) — and every score still reaches the LMS exactly once."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.grades.conftest import GradeEnv, Worker, run_over, wait_for
from wims_lti.models import ActivitySync, LmsUser, SyncRun
from wims_lti.observability.metrics import counter_values
from wims_lti.services.grades import activity_sync_execute, sync_run_start
from wims_lti.services.grades.sync import _Lease
from wims_lti.views.teacher.auth import issue_teacher_token

pytestmark = pytest.mark.integration

SHORT = {"GRADE_SYNC_HEARTBEAT": "1", "GRADE_SYNC_STALE_AFTER": "4", "GRADE_SYNC_LOCK_LEASE": "3"}


def _token(env: GradeEnv) -> str:
    teacher = LmsUser.objects.create(platform=env.lti.registration, sub="teacher-r", given_name="Ada")
    return issue_teacher_token(
        course=env.course, user=teacher, link=env.link, lang="en", roles=["Instructor"]
    )


def _takeovers() -> int:
    return counter_values("wims_lti_sync_takeovers").get((), 0)


def test_sync_now_takes_over_a_run_whose_worker_was_killed(
    grade_env: GradeEnv, worker_factory: Callable[..., Worker], settings: Any
) -> None:
    env = grade_env
    settings.GRADE_SYNC_STALE_AFTER = 4
    students = [env.add_student() for _ in range(12)]
    for s in students:
        env.score(s, 50)
    env.platform.faults.hang(r"/scores", 0.3, times=100)  # a slow LMS: the kill lands mid-sync
    first = worker_factory(project_command=True, **SHORT)  # CELERY_VISIBILITY_TIMEOUT stays 3600 s
    token = _token(env)
    client = Client()
    client.post(reverse("teacher-grades-sync", args=[token]))
    run = SyncRun.objects.get(course=env.course)
    wait_for(lambda: env.activity(run).status == "running", 30, "the worker to start")
    beat = env.activity(run).heartbeat
    assert beat is not None
    wait_for(lambda: env.activity(run).heartbeat > beat + dt.timedelta(seconds=1), 10, "heartbeats")
    status = client.get(reverse("teacher-grades-status", args=[token])).json()
    assert status["running"] and not status["stalled"] and status["activities"][0]["live"]
    before = _takeovers()
    client.post(reverse("teacher-grades-sync", args=[token]))  # a click while it lives: nothing to take over
    assert _takeovers() == before and SyncRun.objects.filter(course=env.course).count() == 1

    wait_for(lambda: len(env.platform.gradebook) >= 4, 60, "some scores posted")
    first.kill()  # the whole worker, pool children included
    killed = time.monotonic()
    assert len(env.platform.gradebook) < len(students)  # really interrupted
    wait_for(
        lambda: client.get(reverse("teacher-grades-status", args=[token])).json()["stalled"], 15, "stalled"
    )
    page = client.get(reverse("teacher-grades", args=[token])).content.decode()
    assert "stopped answering" in page and "Resume the sync" in page
    worker_factory(project_command=True, **SHORT)
    client.post(reverse("teacher-grades-sync", args=[token]))  # "Sync now" takes the run over
    assert _takeovers() == before + 1
    wait_for(run_over(run.pk), 60, "the run taken over")
    assert time.monotonic() - killed < 60  # minutes at most, not the visibility timeout
    act = env.activity(run)
    assert act.status == "done" and act.attempts >= 2
    for s in students:
        entry = env.entry(s)
        assert entry is not None and entry.grade == 5 and entry.posts == 1, s.user.sub
    assert SyncRun.objects.filter(course=env.course).count() == 1  # the same run, resumed


def test_only_activities_without_a_recent_heartbeat_are_taken_over(
    grade_env: GradeEnv, settings: Any
) -> None:
    env = grade_env
    settings.GRADE_SYNC_STALE_AFTER = 60
    second = env.add_link("sheet", 1, title="Second link")
    queued: list[int] = []
    run = sync_run_start(course=env.course, trigger="manual", enqueue=queued.append)
    assert run is not None and len(queued) == 2
    again: list[int] = []
    assert sync_run_start(course=env.course, trigger="manual", enqueue=again.append) == run
    assert again == []  # queued a moment ago: alive
    old = timezone.now() - dt.timedelta(seconds=120)
    ActivitySync.objects.filter(run=run, link=second).update(status="running", heartbeat=old)
    assert sync_run_start(course=env.course, trigger="schedule", enqueue=again.append) == run
    stale = ActivitySync.objects.get(run=run, link=second)
    assert again == [stale.pk] and (stale.status, stale.message) == ("queued", "taken_over")
    for pk in queued:
        env.execute(pk)
    run.refresh_from_db()
    assert run.finished is not None


def test_a_duplicate_delivery_leaves_a_live_execution_alone(grade_env: GradeEnv) -> None:
    env = grade_env
    env.score(env.add_student(), 40)
    queued: list[int] = []
    sync_run_start(course=env.course, trigger="manual", enqueue=queued.append)
    act = ActivitySync.objects.get(pk=queued[0])
    live = _Lease(act.pk, act.link_id)  # another worker holds the activity and beats
    assert live.acquire()
    try:
        ActivitySync.objects.filter(pk=act.pk).update(status="running", heartbeat=timezone.now())
        activity_sync_execute(activity_sync_id=act.pk)  # returns at once, posts nothing
        assert env.score_posts() == 0
    finally:
        live.release()
    activity_sync_execute(activity_sync_id=act.pk)
    act.refresh_from_db()
    assert (act.status, act.posted) == ("done", 1)
