"""Faults on the way: after recovery every score is in the LMS exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.grades.conftest import GradeEnv, Student
from wims_lti.models import ActivitySync, ScoreLedger, WimsServer
from wims_lti.services.grades import RetryLater

pytestmark = pytest.mark.integration


def _students(env: GradeEnv, n: int = 4) -> list[Student]:
    students = [env.add_student() for _ in range(n)]
    for i, s in enumerate(students):
        env.score(s, 10 * (i + 1))
    return students


def _exactly_once(env: GradeEnv, students: list[Student]) -> None:
    for i, s in enumerate(students):
        entry = env.entry(s)
        assert entry is not None and entry.grade == i + 1 and entry.posts == 1, (s.user.sub, entry)


def test_ags_500s_are_retried(grade_env_flavors: GradeEnv) -> None:
    env = grade_env_flavors
    students = _students(env)
    env.platform.faults.add(r"/scores", status=500, times=2)
    env.platform.faults.add(r"/scores", status=502, times=1)
    act = env.activity(env.sync())
    assert (act.status, act.posted) == ("done", 4)
    _exactly_once(env, students)


def test_429_with_retry_after_is_honoured(grade_env: GradeEnv, settings: Any) -> None:
    env = grade_env
    settings.GRADE_HTTP_BACKOFF_CAP = 2.0
    students = _students(env, 2)
    fault = env.platform.faults.too_many_requests(r"/scores", retry_after=1, times=1)
    act = env.activity(env.sync())
    assert act.posted == 2 and fault.fired == 1
    _exactly_once(env, students)


def test_canvas_rate_limit_403_is_retried_not_recorded(canvas_env: GradeEnv) -> None:
    env = canvas_env
    students = _students(env)
    env.platform.faults.canvas_rate_limit(r"/scores", times=3)
    act = env.activity(env.sync())
    assert (act.status, act.posted, act.failed) == ("done", 4, 0)
    _exactly_once(env, students)


def test_timeouts_then_recovery(grade_env: GradeEnv, settings: Any) -> None:
    env = grade_env
    settings.LTI_HTTP_READ_TIMEOUT = 0.3
    students = _students(env, 2)
    # The first POST times out on our side but lands later on the LMS: the rerun must not post it twice.
    env.platform.faults.hang(r"/scores", 1.0, times=1)
    act = env.activity(env.sync())
    assert act.status == "done"
    _exactly_once(env, students)


def test_lms_down_for_longer_than_the_retries_then_back(grade_env_flavors: GradeEnv, settings: Any) -> None:
    env = grade_env_flavors
    settings.GRADE_HTTP_ATTEMPTS = 2
    students = _students(env, 3)
    env.platform.faults.down(
        r"/scores", times=3
    )  # connection dropped: 1st score and its retry, then the next
    queued: list[int] = []
    from wims_lti.services.grades import sync_run_start

    run = sync_run_start(course=env.course, trigger="manual", enqueue=queued.append)
    assert run is not None
    with pytest.raises(RetryLater):
        env.execute(queued[0])
    act = ActivitySync.objects.get(pk=queued[0])
    assert act.status == "running" and act.message == "lms_unreachable"
    env.execute(queued[0], tries=3)  # the task's retries
    act.refresh_from_db()
    assert act.status == "done"
    _exactly_once(env, students)


def test_token_endpoint_down_then_back(grade_env: GradeEnv, settings: Any) -> None:
    env = grade_env
    settings.GRADE_HTTP_ATTEMPTS = 2
    students = _students(env, 2)
    env.platform.faults.down(r"token", times=2)
    queued: list[int] = []
    from wims_lti.services.grades import sync_run_start

    sync_run_start(course=env.course, trigger="manual", enqueue=queued.append)
    for pk in queued:
        with pytest.raises(RetryLater):
            env.execute(pk)
        env.execute(pk)
    _exactly_once(env, students)
    assert [r.status for r in env.platform.tokens.requests] == [200]


def test_expired_token_is_dropped_and_fetched_again_once(grade_env: GradeEnv) -> None:
    env = grade_env
    students = _students(env, 2)
    env.sync()
    env.platform.tokens.expire_all()  # our Redis cache still holds it: the LMS answers 401
    env.score(students[0], 90)
    act = env.activity(env.sync())
    assert act.posted == 1
    assert env.platform.tokens.request_count == 2
    assert env.entry(students[0]).grade == 9  # type: ignore[union-attr]


def test_wims_down_then_back(grade_env: GradeEnv) -> None:
    env = grade_env
    students = _students(env, 2)
    real_url = env.lti.wims_server.url
    WimsServer.objects.filter(pk=env.lti.wims_server.pk).update(url="http://127.0.0.1:9/wims/wims.cgi")
    queued: list[int] = []
    from wims_lti.services.grades import sync_run_start

    sync_run_start(course=env.course, trigger="manual", enqueue=queued.append)
    with pytest.raises(RetryLater):
        env.execute(queued[0])
    assert ActivitySync.objects.get(pk=queued[0]).message == "wims_unreachable"
    assert env.score_posts() == 0
    WimsServer.objects.filter(pk=env.lti.wims_server.pk).update(url=real_url)
    env.execute(queued[0])
    _exactly_once(env, students)


def test_unpublished_canvas_assignment_fails_the_activity_in_plain_words(canvas_env: GradeEnv) -> None:
    env = canvas_env
    students = _students(env, 3)
    env.platform.line_item(env.link.lineitem_url).published = False
    act = env.activity(env.sync())
    assert (act.status, act.message) == ("failed", "lineitem_course_closed")
    assert "unpublished" in act.detail
    # One POST told the column is closed: the other students are listed, not posted, not retried.
    assert len(env.platform.requests_matching(r"/scores", "POST")) == 1
    assert act.failed == 3 and act.error_counts == {"course_closed": 3}
    assert sorted(e["sub"] for e in act.errors) == sorted(s.user.sub for s in students)
    assert not ScoreLedger.objects.filter(status="rejected").exists()  # nothing held back for later
    env.platform.line_item(env.link.lineitem_url).published = True  # the teacher publishes it
    again = env.activity(env.sync())
    assert (again.status, again.posted) == ("done", 3)
    _exactly_once(env, students)
