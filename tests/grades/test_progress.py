"""Truthful progress: AGS activityProgress from the sheet's requirements and the student's work (an expired
sheet or exam is Completed), always FullyGraded with scoreGiven (Moodle writes a grade only for that),
nothing for students without work, and submission times from the WIMS activity log."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.grades.conftest import GradeEnv
from wims_lti.lti.ags import Score
from wims_lti.models import ScoreLedger
from wims_lti.services.grades.ledger import Action, ledger_decide
from wims_lti.services.grades.progress import ItemState, exam_progress, sheet_progress
from wims_lti.wims.emulator.state import ExoWork
from wims_lti.wims.results import ExamUserScore, ItemStatus, SheetUserScore, parse_getlog
from wims_lti.wims.scores import LmsScore

TODAY = dt.date(2026, 12, 4)
ACTIVE = ItemState(ItemStatus.ACTIVE, dt.date(2099, 12, 31))


def _sheet_user(percent: float, got: tuple[float, ...], tries: tuple[float, ...]) -> SheetUserScore:
    zeros = tuple(0.0 for _ in got)
    return SheetUserScore(
        "jdoe", "J", "Doe", percent, 0, 0, 0, got, zeros, zeros, zeros, zeros, zeros, tries
    )  # fmt: skip


@pytest.mark.parametrize(
    ("user", "state", "progress"),
    [
        (_sheet_user(0, (0.0, 0.0), (1.0, 0.0)), ACTIVE, "Started"),  # answered, no point yet
        (_sheet_user(50, (10.0, 0.0), (1.0, 0.0)), ACTIVE, "InProgress"),  # one of two exercises
        (_sheet_user(100, (10.0, 10.0), (1.0, 2.0)), ACTIVE, "Completed"),  # every required point
        (_sheet_user(50, (10.0, 0.0), (1.0, 0.0)), ItemState(ItemStatus.EXPIRED), "Completed"),
        (_sheet_user(0, (0.0,), (1.0,)), ItemState(ItemStatus.ACTIVE, dt.date(2026, 12, 3)), "Completed"),
        (_sheet_user(50, (10.0, 0.0), (1.0, 0.0)), ItemState(), "InProgress"),  # status unknown
    ],
)
def test_sheet_progress(user: SheetUserScore, state: ItemState, progress: str) -> None:
    assert sheet_progress(user, state, TODAY) == progress


@pytest.mark.parametrize(
    ("attempts", "state", "progress"),
    [
        (1, ItemState(ItemStatus.ACTIVE, dt.date(2099, 1, 1), attempts=3), "Submitted"),  # may try again
        (3, ItemState(ItemStatus.ACTIVE, dt.date(2099, 1, 1), attempts=3), "Completed"),  # no session left
        (1, ItemState(ItemStatus.EXPIRED_HIDDEN, attempts=3), "Completed"),
        (1, ItemState(ItemStatus.ACTIVE, dt.date(2026, 1, 1), attempts=3), "Completed"),  # past expiration
    ],
)
def test_exam_progress(attempts: int, state: ItemState, progress: str) -> None:
    assert exam_progress(ExamUserScore("jdoe", "J", "Doe", 7, attempts), state, TODAY) == progress


def test_score_payload_carries_progress_and_submission_times_and_is_always_fully_graded() -> None:
    payload = Score(
        "sub", 5, 10, "2026-12-04T10:00:00+00:00", activity_progress="InProgress",
        started_at="2026-12-04T09:00:00+00:00", submitted_at="2026-12-04T09:30:00+00:00",
    ).payload(canvas=False)  # fmt: skip
    assert payload["activityProgress"] == "InProgress" and payload["gradingProgress"] == "FullyGraded"
    assert payload["scoreGiven"] == 5
    assert payload["submission"] == {
        "startedAt": "2026-12-04T09:00:00+00:00",
        "submittedAt": "2026-12-04T09:30:00+00:00",
    }
    assert "submission" not in Score("sub", 5, 10, "2026-12-04T10:00:00+00:00").payload(canvas=False)
    with pytest.raises(ValueError):
        Score("sub", 5, 10, "x", activity_progress="Done").payload(canvas=False)


def test_a_change_of_progress_alone_is_sent_again_but_never_over_a_teachers_grade() -> None:
    now = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    retry = dt.timedelta(hours=24)
    sent = ScoreLedger(status="sent", score_given=5, score_maximum=10, activity_progress="InProgress")
    score = LmsScore(5, 10)

    def action(entry: ScoreLedger, progress: str) -> Action:
        decision = ledger_decide(entry=entry, score=score, now=now, rejected_retry=retry, progress=progress)
        return decision.action

    assert action(sent, "InProgress") == Action.UNCHANGED
    assert action(sent, "Completed") == Action.SEND
    legacy = ScoreLedger(status="sent", score_given=5, score_maximum=10)  # before progress was recorded
    assert action(legacy, "Completed") == Action.UNCHANGED
    edited = ScoreLedger(status="superseded", score_given=5, score_maximum=10, activity_progress="InProgress")
    assert action(edited, "Completed") == Action.UNCHANGED


def test_getlog_lines_are_parsed() -> None:
    log = parse_getlog(
        {
            "query_class": "1",
            "query_user": "jdoe",
            "user_log": [
                ["20261204.18:41:32", "AQ5360FE23", "1", "1", "new", "127.0.0.1", "###.###..1114344461"],
                ["20261204.18:41:40", "AQ5360FE23", "1", "1", "score", "10", "###.###.0.1"],
                ["E20261122.14:33:16", "ZLA723C9DA", "1", "2", "score", "10", "###.###.0.1"],
                ["garbage"],
            ],
        }
    )
    assert [(e.exam, e.item, e.command, e.score) for e in log.entries] == [
        (False, 1, "new", None),
        (False, 1, "score", 10.0),
        (True, 1, "score", 10.0),
    ]
    assert log.entries[1].when == dt.datetime(2026, 12, 4, 18, 41, 40)
    assert parse_getlog({"user_log": ""}).entries == ()


@pytest.mark.integration
def test_progress_is_sent_with_every_score_and_an_expired_sheet_becomes_completed(
    grade_env_flavors: GradeEnv,
) -> None:
    env = grade_env_flavors
    emulator = env.lti.wims.emulator
    assert emulator is not None
    tried, half, done, idle = (env.add_student() for _ in range(4))
    qclass = env.course.qclass
    # A wrong answer: one try, no point (what the real WIMS lists; the emulator's set_sheet_score
    # counts no try without points, so its state is written directly).
    with emulator.emulator.lock:
        emulator.emulator._user(qclass, tried.quser)[1].sheet_work[1] = [ExoWork(tries=1)]
    env.score(half, 50)
    env.score(done, 100)
    act = env.activity(env.sync())
    assert (act.status, act.posted) == ("done", 3)
    assert act.progress_counts == {"Started": 1, "InProgress": 1, "Completed": 1}
    expected = [(tried, "Started", 0), (half, "InProgress", 5), (done, "Completed", 10)]
    for student, progress, grade in expected:
        entry = env.entry(student)
        assert entry is not None
        assert (entry.activity_progress, entry.grading_progress) == (progress, "FullyGraded")
        assert entry.grade == grade  # Moodle and Canvas both wrote the grade
        assert "submission" not in entry.last_score  # the emulator keeps no activity log
    assert env.entry(idle) is None  # no work: nothing, not even a progress-only score

    env.client.modsheet(qclass, env.course.rclass, 1, {"expiration": "20200101"})  # the sheet expired
    act = env.activity(env.sync())
    assert (act.posted, act.unchanged) == (2, 1)  # the completed one had nothing new
    assert act.progress_counts == {"Completed": 3}
    for student, _, grade in expected:
        entry = env.entry(student)
        assert entry is not None and entry.activity_progress == "Completed" and entry.grade == grade
    assert env.entry(done).posts == 1  # type: ignore[union-attr]
    assert env.activity(env.sync()).posted == 0


@pytest.mark.integration
def test_exam_progress_follows_the_sessions_left(grade_env: GradeEnv) -> None:
    env = grade_env
    emulator = env.lti.wims.emulator
    assert emulator is not None
    qclass, rclass = env.course.qclass, env.course.rclass
    env.client.addexam(qclass, rclass, {"title": "Exam", "duration": "20", "attempts": "2"})
    env.client.linksheet(qclass, rclass, 1, 1)
    env.client.modexam(qclass, rclass, 1, {"status": 1})
    exam = env.add_link("exam", 1)
    student = env.add_student()
    emulator.emulator.set_exam_score(qclass, 1, student.quser, 6, attempts=1)
    env.sync()
    entry = env.entry(student, exam)
    assert entry is not None and (entry.activity_progress, entry.grade) == ("Submitted", 6)
    emulator.emulator.set_exam_score(qclass, 1, student.quser, 6, attempts=2)  # last session, no better
    env.sync()
    entry = env.entry(student, exam)
    assert entry is not None and (entry.activity_progress, entry.grade, entry.posts) == ("Completed", 6, 2)
