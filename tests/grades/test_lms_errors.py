"""Per-student errors a teacher understands: every LMS answer is classified (not gradable, course closed,
auth/config, transient); only transient ones are retried; the others are listed per student on the grades
page with what to do (French and English), and counted in the sync status and /metrics."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.grades.conftest import GradeEnv
from wims_lti.lti.ags import Outcome
from wims_lti.lti.devplatform.roles import INSTRUCTOR
from wims_lti.models import ActivitySync, LmsUser
from wims_lti.observability.metrics import counter_values
from wims_lti.services.grades import RetryLater, activity_sync_give_up, sync_run_start
from wims_lti.services.grades.errors import TEXTS, ErrorKind, kind_for_outcome
from wims_lti.views.teacher.auth import issue_teacher_token

pytestmark = pytest.mark.integration


def _token(env: GradeEnv, lang: str = "en") -> str:
    teacher = LmsUser.objects.create(platform=env.lti.registration, sub=f"teacher-{lang}", given_name="Ada")
    return issue_teacher_token(
        course=env.course, user=teacher, link=env.link, lang=lang, roles=["Instructor"]
    )


def _errors_metric() -> dict[str, int]:
    return {labels[0]: value for labels, value in counter_values("wims_lti_score_errors").items()}


def _delta(before: dict[str, int]) -> dict[str, int]:
    after = _errors_metric()
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def test_every_outcome_has_a_kind_and_every_kind_says_what_to_do() -> None:
    for outcome in Outcome:
        assert (kind_for_outcome(outcome) is None) == (outcome == Outcome.OK)
    assert kind_for_outcome(Outcome.COURSE_CLOSED) == ErrorKind.COURSE_CLOSED
    assert kind_for_outcome(Outcome.UNAUTHORIZED) == ErrorKind.AUTH_CONFIG
    for kind in ErrorKind:
        what, todo = TEXTS[kind]
        assert str(what) and str(todo)


def test_not_gradable_students_are_listed_with_what_to_do_counted_and_not_retried(
    canvas_env: GradeEnv,
) -> None:
    env = canvas_env
    good = env.add_student()
    teacher = env.add_student(enrolled=False)  # a teacher of the course with a WIMS account
    env.lti.course.enroll(teacher.user, INSTRUCTOR)
    gone = env.add_student()  # left the course after working
    for s in (good, teacher, gone):
        env.score(s, 60)
    env.lti.course.suspend(gone.user)  # Canvas: 422 "User not found in course or is not a student"
    CourseServicesOff(env)  # no roster to filter with: every WIMS account counts
    before = _errors_metric()
    act = env.activity(env.sync())
    assert (act.status, act.posted, act.failed) == ("partial", 1, 2)
    assert act.error_counts == {"not_gradable": 2}
    assert sorted(e["sub"] for e in act.errors) == sorted([teacher.user.sub, gone.user.sub])
    assert all("not a student" in e["reason"] for e in act.errors)
    assert _delta(before) == {"not_gradable": 2}
    posts = len(env.platform.requests_matching(r"/scores", "POST"))
    again = env.activity(env.sync())
    assert again.error_counts == {"not_gradable": 2}  # still shown...
    assert len(env.platform.requests_matching(r"/scores", "POST")) == posts  # ...not posted again

    token = _token(env)
    client = Client()
    status = client.get(reverse("teacher-grades-status", args=[token])).json()
    assert status["errors"] == {"not_gradable": 2}
    assert status["activities"][0]["errors"] == {"not_gradable": 2}
    html = client.get(reverse("teacher-grades", args=[token])).content.decode()
    assert "2 students: not a student of the course in the LMS" in html
    assert "Check that this person is enrolled as a student" in html
    french = client.get(reverse("teacher-grades", args=[_token(env, "fr")])).content.decode()
    assert "Que faire" in french and "inscrite comme étudiante" in french
    metrics = client.get("/metrics").content.decode()
    assert 'wims_lti_score_errors_total{kind="not_gradable"}' in metrics


def test_a_closed_course_is_listed_per_student_and_tried_again_at_the_next_sync(canvas_env: GradeEnv) -> None:
    env = canvas_env
    students = [env.add_student() for _ in range(3)]
    for s in students:
        env.score(s, 40)
    env.platform.line_item(env.link.lineitem_url).published = False
    before = _errors_metric()
    act = env.activity(env.sync())
    assert act.error_counts == {"course_closed": 3} and act.message == "lineitem_course_closed"
    assert _delta(before) == {"course_closed": 3}
    html = Client().get(reverse("teacher-grades", args=[_token(env)])).content.decode()
    assert "3 students:" in html and "Publish the assignment" in html


def test_a_refused_tool_is_an_auth_config_error_for_every_student(grade_env: GradeEnv) -> None:
    env = grade_env
    students = [env.add_student() for _ in range(2)]
    for s in students:
        env.score(s, 40)
    CourseServicesOff(env)
    env.platform.faults.add(r"token", status=401, times=10)  # unknown client / bad key
    act = env.activity(env.sync())
    assert (act.status, act.message) == ("failed", "token_refused")
    assert act.error_counts == {"auth_config": 2} and act.failed == 2
    html = Client().get(reverse("teacher-grades", args=[_token(env)])).content.decode()
    assert "Ask your LMS administrator" in html


def test_transient_failures_are_retried_and_only_reported_when_retries_run_out(
    grade_env: GradeEnv, settings: Any
) -> None:
    env = grade_env
    settings.GRADE_HTTP_ATTEMPTS = 2
    students = [env.add_student() for _ in range(2)]
    for s in students:
        env.score(s, 40)
    env.platform.faults.add(r"/scores", status=503, times=100)
    queued: list[int] = []
    sync_run_start(course=env.course, trigger="manual", enqueue=queued.append)
    with pytest.raises(RetryLater):
        env.execute(queued[0])
    act = ActivitySync.objects.get(pk=queued[0])
    assert act.status == "running" and act.error_counts == {"transient": 2}  # not over: will be retried
    before = _errors_metric()
    activity_sync_give_up(activity_sync_id=act.pk, code="lms_unreachable", detail="503")
    act.refresh_from_db()
    assert (act.status, act.error_counts) == ("failed", {"transient": 2})
    assert _delta(before) == {"transient": 2}
    env.platform.faults.clear()
    again = env.activity(env.sync())  # the next sync delivers them
    assert (again.status, again.posted) == ("done", 2)
    assert all(env.entry(s).posts == 1 for s in students)  # type: ignore[union-attr]


def CourseServicesOff(env: GradeEnv) -> None:
    from wims_lti.models import CourseServices

    CourseServices.objects.filter(course=env.course).update(nrps_url="")
