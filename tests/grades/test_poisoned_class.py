"""The grade sync meets a class poisoned by an unreadable record (a name stored with a leading `!`): it
repairs it and reads the scores, where it used to report "WIMS could not be reached" and retry for ever."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.grades.conftest import GradeEnv, build_grade_env
from tests.lti_tool.test_poisoned_records import poison, raw_ok

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=["emulator", pytest.param("real", marks=pytest.mark.real_wims)])
def any_grade_env(request: pytest.FixtureRequest, live_server: Any, fast_retries: None) -> Iterator[GradeEnv]:
    target = request.getfixturevalue("emulator_target" if request.param == "emulator" else "real_wims")
    env = build_grade_env(live_server, target)
    yield env
    env.lti.server.stop()


def test_the_grade_sync_repairs_the_class_and_reads_scores_again(any_grade_env: GradeEnv) -> None:
    """Before: getsheetscores answered HTTP 550, the sync said "WIMS could not be reached" and retried
    for ever. Now the record is repaired and the other students' scores are read and posted."""
    env = any_grade_env
    poisoned, fine = env.add_student(), env.add_student()
    if env.lti.wims.emulator is not None:
        env.score(fine, 70)
    poison(env.lti.wims, env.course, poisoned.quser)
    run = env.sync()
    act = env.activity(run)
    assert act.status == "done" and act.message != "wims_unreachable", (act.status, act.message, act.detail)
    record = raw_ok(
        env.lti.wims, "getuser", qclass=env.course.qclass, rclass=env.course.rclass, quser=poisoned.quser
    )
    assert record["lastname"] == poisoned.user.family_name
    raw_ok(env.lti.wims, "getuser", qclass=env.course.qclass, rclass=env.course.rclass, quser=fine.quser)
    if env.lti.wims.emulator is not None:
        entry = env.entry(fine)
        assert entry is not None and entry.grade == 7
