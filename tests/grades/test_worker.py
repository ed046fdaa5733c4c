"""A real Celery worker (subprocess) on the session's Redis and the test database: the tasks, "Sync now",
a worker SIGKILLed mid-sync, and a Redis restart."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.grades.conftest import GradeEnv, Worker, run_over, wait_for
from wims_lti.devstack.redis_server import RedisServer
from wims_lti.models import ActivitySync, SyncRun
from wims_lti.services.grades import grades_schedule_all, sync_run_start

pytestmark = pytest.mark.integration


def test_scheduled_fan_out_runs_one_task_per_activity_on_the_worker(
    grade_env_flavors: GradeEnv, worker_factory: Callable[..., Worker]
) -> None:
    env = grade_env_flavors
    exam_link = env.add_link("sheet", 1, title="Same sheet, second link")  # two activities
    students = [env.add_student() for _ in range(3)]
    for i, s in enumerate(students):
        env.score(s, 30 * (i + 1))
    worker_factory()
    runs = grades_schedule_all()  # what beat's periodic task does
    assert len(runs) == 1 and runs[0].trigger == "schedule"
    assert grades_schedule_all() == [runs[0]]  # the course's run is still going: no second one
    wait_for(run_over(runs[0].pk), 60, "the scheduled run")
    for link in (env.link, exam_link):
        act = ActivitySync.objects.get(run=runs[0], link=link)
        assert (act.status, act.posted) == ("done", 3)
    for i, s in enumerate(students):
        assert env.entry(s).grade == round(3 * (i + 1), 2)  # type: ignore[union-attr]
    assert env.platform.tokens.request_count == 1  # one token for the platform, for the whole run


def test_worker_killed_mid_sync_loses_nothing_and_posts_nothing_twice(
    grade_env: GradeEnv, worker_factory: Callable[..., Worker]
) -> None:
    env = grade_env
    students = [env.add_student() for _ in range(12)]
    for s in students:
        env.score(s, 50)
    env.platform.faults.hang(r"/scores", 0.3, times=100)  # slow LMS: the kill lands mid-sync
    short = {"CELERY_VISIBILITY_TIMEOUT": "2", "GRADE_SYNC_LOCK_LEASE": "2"}
    first = worker_factory(**short)
    run = sync_run_start(course=env.course, trigger=SyncRun.Trigger.MANUAL)
    assert run is not None
    wait_for(lambda: len(env.platform.gradebook) >= 4, 60, "some scores posted")
    first.kill()
    landed = len(env.platform.gradebook)
    assert landed < len(students) + 1  # the sync really was interrupted
    worker_factory(**short)  # the task is delivered again (acks_late + visibility timeout)
    wait_for(run_over(run.pk), 90, "the redelivered task")
    act = env.activity(run)
    assert act.status == "done" and act.attempts >= 2
    for s in students:
        entry = env.entry(s)
        assert entry is not None and entry.grade == 5 and entry.posts == 1, s.user.sub


def test_redis_restart_between_runs(
    grade_env: GradeEnv, worker_factory: Callable[..., Worker], settings: Any
) -> None:
    env = grade_env
    students = [env.add_student() for _ in range(3)]
    for s in students:
        env.score(s, 40)
    redis = RedisServer().start()  # a dedicated one: the session's Redis stays up for other tests
    try:
        settings.REDIS_URL = redis.url
        settings.CACHES = {
            **settings.CACHES,
            "default": {**settings.CACHES["default"], "LOCATION": redis.url},
        }
        from wims_lti.celery import app

        def enqueue(pk: int) -> None:
            from wims_lti.tasks import grades_sync_activity

            with app.connection_for_write(redis.url) as conn:
                grades_sync_activity.apply_async(args=[pk], queue=settings.GRADE_SYNC_QUEUE, connection=conn)

        worker_factory(redis.url)
        run = sync_run_start(course=env.course, trigger=SyncRun.Trigger.MANUAL, enqueue=enqueue)
        assert run is not None
        wait_for(run_over(run.pk), 60, "the first run")
        redis.restart()  # empty: token cache, locks, semaphores and queues are gone
        env.score(students[0], 90)
        run2 = sync_run_start(course=env.course, trigger=SyncRun.Trigger.MANUAL, enqueue=enqueue)
        assert run2 is not None
        wait_for(run_over(run2.pk), 90, "the run after the restart")
        assert env.activity(run2).posted == 1
        grades = [env.entry(s) for s in students]
        assert [(g.grade, g.posts) for g in grades] == [(9, 2), (4, 1), (4, 1)]  # type: ignore[union-attr]
        assert env.platform.tokens.request_count == 2  # the cached token went with Redis
    finally:
        redis.stop()
