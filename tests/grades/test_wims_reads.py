"""Score reads from WIMS: one per class at a time (WIMS 4.29a loses students when two overlap), and a reply
lacking students the bridge knows in the class is read again, then reported — never taken as final.

`RacyWims` (tests/grades/racy_wims.py) stands between the bridge and the emulator and answers overlapping
reads of one class the way the real server does; the real server itself is exercised by
tests/grades/test_grades_check.py with a real Celery worker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from tests.grades.conftest import EXO, GradeEnv, Student, build_grade_env
from tests.grades.racy_wims import RacyWims, drop, duplicate, no_user
from wims_lti.models import ActivitySync, ResourceLink, SyncRun, WimsAccount, WimsServer
from wims_lti.observability.metrics import counter_values
from wims_lti.services.concurrency import semaphore_peak, semaphore_reset
from wims_lti.services.grades import sync_run_start

pytestmark = pytest.mark.integration


@pytest.fixture
def racy_env(live_server: Any, emulator_target: Any, fast_retries: None, settings: Any) -> Iterator[GradeEnv]:
    settings.GRADE_WIMS_READ_BACKOFF = 0.01
    env = build_grade_env(live_server, emulator_target)
    racy = RacyWims(emulator_target.url).start()
    WimsServer.objects.filter(pk=env.lti.wims_server.pk).update(url=racy.url)
    env.racy = racy  # type: ignore[attr-defined]
    yield env
    racy.stop()
    env.lti.server.stop()


def _racy(env: GradeEnv) -> RacyWims:
    return env.racy  # type: ignore[attr-defined,no-any-return]


def _sheets(env: GradeEnv, count: int) -> None:
    """Sheets 2..count next to sheet 1, each bound to a link of its own."""
    qclass, rclass = env.course.qclass, env.course.rclass
    for number in range(2, count + 1):
        env.client.addsheet(qclass, rclass, {"title": f"Sheet {number}", "expiration": "20991231"})
        env.client.putexo(qclass, rclass, number, EXO)
        env.client.modsheet(qclass, rclass, number, {"status": 1})
        env.add_link("sheet", number)


def _run_concurrently(env: GradeEnv) -> SyncRun:
    """Every activity of a run executed at once, one thread each (as several worker processes would)."""
    queued: list[int] = []
    run = sync_run_start(course=env.course, trigger=SyncRun.Trigger.MANUAL, enqueue=queued.append)
    assert run is not None
    errors: list[BaseException] = []

    def work(pk: int) -> None:
        try:
            env.execute(pk, tries=3)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in queued]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    run.refresh_from_db()
    return run


def test_concurrent_activity_syncs_read_one_class_one_at_a_time(racy_env: GradeEnv) -> None:
    env = racy_env
    racy = _racy(env)
    _sheets(env, 3)
    students = [env.add_student() for _ in range(4)]
    for number in (1, 2, 3):
        for i, s in enumerate(students):
            env.score(s, 20 * (i + 1), sheet=number)
    server = env.lti.wims_server
    semaphore_reset(f"wims:{server.pk}")
    run = _run_concurrently(env)
    assert racy.peak[env.course.qclass] == 1  # the class's lock: never two reads at once
    assert racy.corrupted == 0
    assert semaphore_peak(f"wims:{server.pk}") <= server.max_concurrency  # the per-server cap still holds
    for act in ActivitySync.objects.filter(run=run):
        assert (act.status, act.posted, act.failed) == ("done", 4, 0), (act.link, act.message, act.errors)
    for link in ResourceLink.objects.filter(course=env.course, kind="sheet"):
        for i, s in enumerate(students):
            entry = env.entry(s, link)
            assert entry is not None and entry.grade == 2 * (i + 1) and entry.posts == 1


def test_reads_of_different_classes_still_run_side_by_side(racy_env: GradeEnv, live_server: Any) -> None:
    """The lock is per class: two courses (classes) on one WIMS server are read in parallel."""
    env = racy_env
    racy = _racy(env)
    other = build_grade_env(live_server, env.lti.wims)
    try:
        WimsServer.objects.filter(pk=other.lti.wims_server.pk).update(url=racy.url)
        for e in (env, other):
            e.score(e.add_student(), 50)
        queued: list[int] = []
        for e in (env, other):
            sync_run_start(course=e.course, trigger=SyncRun.Trigger.MANUAL, enqueue=queued.append)
        threads = [
            threading.Thread(target=lambda pk=pk: (env.execute(pk), connection.close())) for pk in queued
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert racy.peak_any == 2 and racy.corrupted == 0
        assert all(a.status == "done" and a.posted == 1 for a in ActivitySync.objects.filter(pk__in=queued))
    finally:
        other.lti.server.stop()


def _rereads() -> dict[tuple[str, ...], int]:
    return counter_values("wims_lti_wims_score_rereads")


def test_no_user_in_this_class_is_read_again(racy_env: GradeEnv) -> None:
    env = racy_env
    racy = _racy(env)
    students = [env.add_student() for _ in range(2)]
    for s in students:
        env.score(s, 50)
    before = _rereads().get(("no_user",), 0)
    racy.script = [no_user, no_user]
    act = env.activity(env.sync())
    assert (act.status, act.posted) == ("done", 2)
    assert racy.reads[env.course.qclass] == 3
    assert _rereads().get(("no_user",), 0) == before + 2


def test_persistent_no_user_is_an_error_never_done_nor_no_students(racy_env: GradeEnv, settings: Any) -> None:
    env = racy_env
    racy = _racy(env)
    settings.GRADE_WIMS_READ_ATTEMPTS = 3
    s = env.add_student()
    env.score(s, 50)
    racy.always = no_user
    act = env.activity(env.sync())
    assert (act.status, act.message) == ("failed", "wims_no_user")
    assert "2 students" in act.detail  # the launched student and the roster's learner made ahead
    assert racy.reads[env.course.qclass] == 3
    assert env.score_posts() == 0
    racy.always = None  # WIMS answers properly again: the next sync delivers
    again = env.activity(env.sync())
    assert (again.status, again.posted) == ("done", 1)


def test_a_student_missing_from_the_reply_is_read_again(racy_env: GradeEnv) -> None:
    env = racy_env
    racy = _racy(env)
    students = [env.add_student() for _ in range(3)]
    for s in students:
        env.score(s, 70)
    racy.script = [drop(students[1].quser)]
    act = env.activity(env.sync())
    assert (act.status, act.posted, act.failed) == ("done", 3, 0)
    assert env.entry(students[1]) is not None


def test_a_student_still_missing_is_reported_per_student_and_the_others_are_sent(
    racy_env: GradeEnv, settings: Any
) -> None:
    env = racy_env
    racy = _racy(env)
    settings.GRADE_WIMS_READ_ATTEMPTS = 2
    students = [env.add_student() for _ in range(3)]
    for s in students:
        env.score(s, 70)
    racy.always = drop(students[1].quser)
    act = env.activity(env.sync())
    assert (act.status, act.message, act.posted, act.failed) == ("partial", "wims_missing", 2, 1)
    assert act.error_counts == {"wims_missing": 1}
    assert [e["sub"] for e in act.errors] == [students[1].user.sub]
    assert env.entry(students[1]) is None
    racy.always = None
    again = env.activity(env.sync())
    assert (again.status, again.posted, again.unchanged) == ("done", 1, 2)


def test_students_listed_twice_are_read_again_then_counted_once(racy_env: GradeEnv, settings: Any) -> None:
    env = racy_env
    racy = _racy(env)
    settings.GRADE_WIMS_READ_ATTEMPTS = 2
    students = [env.add_student() for _ in range(2)]
    for s in students:
        env.score(s, 30)
    racy.always = duplicate
    act = env.activity(env.sync())
    assert racy.reads[env.course.qclass] == 2
    assert (act.status, act.read, act.posted) == ("done", 2, 2)
    assert all(env.entry(s).posts == 1 for s in students)  # type: ignore[union-attr]


def test_exam_reads_are_checked_against_the_class_user_count(racy_env: GradeEnv, settings: Any) -> None:
    env = racy_env
    racy = _racy(env)
    settings.GRADE_WIMS_READ_ATTEMPTS = 2
    qclass, rclass = env.course.qclass, env.course.rclass
    env.client.addexam(qclass, rclass, {"title": "Exam", "duration": "20", "attempts": "3"})
    env.client.linksheet(qclass, rclass, 1, 1)
    env.client.modexam(qclass, rclass, 1, {"status": 1})
    exam = env.add_link("exam", 1)
    students = [env.add_student() for _ in range(2)]
    emulator = env.lti.wims.emulator
    assert emulator is not None
    for s in students:
        emulator.emulator.set_exam_score(qclass, 1, s.quser, 8)
    racy.script = [no_user]
    run = env.sync()
    act = env.activity(run, exam)
    assert (act.status, act.posted) == ("done", 2)
    racy.always = drop()  # one student fewer in WIMS's user list than the bridge knows, every time
    emulator.emulator.set_exam_score(qclass, 1, students[0].quser, 9, attempts=2)
    act = env.activity(env.sync(), exam)
    assert (act.status, act.message, act.error_counts) == ("partial", "wims_missing", {"wims_missing": 1})


def test_a_roster_only_course_gets_wims_accounts_although_the_class_is_empty(grade_env: GradeEnv) -> None:
    """Before: WIMS's "There is no user in this class" ended the activity before the roster was read,
    so students who never launched never got an account, and never a grade."""
    env = grade_env
    assert not WimsAccount.objects.filter(course=env.course).exists()  # nobody launched yet
    act = env.activity(env.sync())
    assert act.message == "no_scores" and act.status == "done"
    account = WimsAccount.objects.get(course=env.course)  # the roster's learner, made ahead
    assert account.lms_user.sub == env.lti.student.sub
    env.score(Student(env.lti.student, account.lms_user, account.quser), 60)
    again = env.activity(env.sync())
    assert (again.status, again.posted) == ("done", 1)
