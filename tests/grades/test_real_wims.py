"""The real WIMS 4.29a: a student earns a real score over HTTP, the sync posts it to the LMS."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.wims_servers import WimsTarget
from tests.grades.conftest import GradeEnv, build_grade_env
from tests.grades.wims_student import student_answers

pytestmark = [pytest.mark.integration, pytest.mark.real_wims]


@pytest.fixture
def real_env(live_server: Any, real_wims: WimsTarget, fast_retries: None) -> Iterator[GradeEnv]:
    # The class is new and its sheet activated before anything reads its scores: no stale score cache (Q1).
    env = build_grade_env(live_server, real_wims)
    yield env
    env.lti.server.stop()
    with contextlib.suppress(Exception):  # cleanup only
        env.client.delclass(env.course.qclass, env.course.rclass)


def test_a_real_wims_score_reaches_the_lms_once(real_env: GradeEnv) -> None:
    env = real_env
    worked, idle = env.add_student(), env.add_student()
    result = student_answers(env.client, env.course.qclass, env.course.rclass, worked.quser, 1, "5")
    assert "You scored 10 out of 10" in result
    run = env.sync()
    act = env.activity(run)
    assert (act.status, act.posted) == ("done", 1), (act.message, act.detail, act.errors)
    entry = env.entry(worked)
    assert entry is not None and entry.grade == 10 and entry.last_score["scoreMaximum"] == 10
    assert env.entry(idle) is None  # listed by WIMS with zeros: no work, nothing posted
    again = env.activity(env.sync())
    assert (again.posted, again.unchanged) == (0, 1)
