"""LTI 1.1 Basic Outcomes through the grade pipeline: the imported learner's WIMS score reaches the LMS
outcome service (signed, body-hashed replaceResult) exactly once; 5xx are retried; failures recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.wims_servers import WimsTarget
from tests.legacy.conftest import LegacyWorld, build_legacy_world
from tests.legacy.outcome_server import OutcomeService
from wims_lti.models import ActivitySync, Course, GradeLineItem, ResourceLink, ScoreLedger, SyncRun
from wims_lti.services.concurrency import semaphore_peak, semaphore_reset
from wims_lti.services.grades import RetryLater, activity_sync_execute, sync_run_start
from wims_lti.services.legacy_import import legacy_gateway_import

pytestmark = pytest.mark.django_db(transaction=True)
KEY, SECRET = "moodle-outcomes-key", "outcomesSecret1"


@pytest.fixture
def lms() -> Iterator[OutcomeService]:
    service = OutcomeService(KEY, SECRET).start()
    yield service
    service.stop()


@pytest.fixture
def world(tmp_path: Path, emulator_target: WimsTarget, lms: OutcomeService, settings: Any) -> LegacyWorld:
    settings.GRADE_HTTP_BACKOFF = 0.01
    settings.GRADE_HTTP_BACKOFF_CAP = 0.1
    w = build_legacy_world(
        tmp_path / "gateway.sqlite3", emulator_target, outcome_url=lms.url, key_a=KEY, secret_a=SECRET
    )
    legacy_gateway_import(path=w.path)
    return w


def score(world: LegacyWorld, quser: str, percent: float) -> None:
    emulator = world.wims.emulator
    assert emulator is not None
    emulator.emulator.set_sheet_score(world.qclass_a, 1, quser, percent=percent)


def sync(world: LegacyWorld) -> ActivitySync:
    course = Course.objects.get(qclass=world.qclass_a)
    queued: list[int] = []
    run = sync_run_start(course=course, trigger=SyncRun.Trigger.MANUAL, enqueue=queued.append)
    assert run is not None
    for pk in queued:
        activity_sync_execute(activity_sync_id=pk)
    return ActivitySync.objects.get(run=run, link__resource_link_id="rl-sheet-1")


def ledger(world: LegacyWorld) -> ScoreLedger:
    return ScoreLedger.objects.get(lms_user__lti11_user_id=world.alice.user_id)


def test_score_is_sent_once_and_a_resync_sends_nothing(world: LegacyWorld, lms: OutcomeService) -> None:
    platform = Course.objects.get(qclass=world.qclass_a).platform
    semaphore_reset(f"lms:{platform.pk}")
    score(world, world.alice.quser, 65)
    act = sync(world)
    assert semaphore_peak(f"lms:{platform.pk}") == 1  # each POST held a slot of the platform's cap
    assert (act.status, act.read, act.posted, act.unchanged, act.failed) == ("done", 1, 1, 0, 0)
    [got] = lms.received
    assert got.signature_ok and got.body_hash_ok and got.status == 200
    assert got.sourcedid.startswith("sid-alice-") and "exam" not in got.sourcedid
    assert got.score == pytest.approx(0.65)
    assert ledger(world).status == ScoreLedger.Status.SENT

    again = sync(world)
    assert (again.posted, again.unchanged) == (0, 1)
    assert len(lms.received) == 1  # nothing sent again

    score(world, world.alice.quser, 80)
    third = sync(world)
    assert third.posted == 1 and lms.received[-1].score == pytest.approx(0.8)
    assert len(lms.accepted()) == 2
    # The ledger of a 1.1 link is keyed on its outcome service, never mistaken for an AGS line item.
    link = ResourceLink.objects.get(resource_link_id="rl-sheet-1")
    assert GradeLineItem.objects.get(link=link).url == lms.url and not link.lineitem_url


def test_a_500_is_retried_then_succeeds(world: LegacyWorld, lms: OutcomeService) -> None:
    lms.script = [500]
    score(world, world.alice.quser, 40)
    act = sync(world)
    assert [r.status for r in lms.received] == [500, 200]
    assert all(r.signature_ok and r.body_hash_ok for r in lms.received)
    assert (act.status, act.posted) == ("done", 1)
    assert len(lms.accepted()) == 1 and ledger(world).score_given == pytest.approx(4.0)


def test_an_outage_makes_the_task_retry_later_without_double_posting(
    world: LegacyWorld, lms: OutcomeService, settings: Any
) -> None:
    settings.GRADE_HTTP_ATTEMPTS = 2
    lms.script = [500, 500]
    score(world, world.alice.quser, 50)
    course = Course.objects.get(qclass=world.qclass_a)
    queued: list[int] = []
    sync_run_start(course=course, trigger=SyncRun.Trigger.MANUAL, enqueue=queued.append)
    with pytest.raises(RetryLater) as exc:
        for pk in queued:
            activity_sync_execute(activity_sync_id=pk)
    assert exc.value.code == "lms_unreachable"
    for pk in queued:  # what the Celery task's retry does
        activity_sync_execute(activity_sync_id=pk)
    assert len(lms.accepted()) == 1 and ledger(world).status == ScoreLedger.Status.SENT


def test_a_failure_reply_is_recorded_for_the_user_and_not_resent(
    world: LegacyWorld, lms: OutcomeService
) -> None:
    lms.script = ["failure"]
    score(world, world.alice.quser, 30)
    score(world, world.bob.quser, 90)
    act = sync(world)
    assert (act.status, act.posted, act.failed) == ("partial", 1, 1)
    [error] = act.errors
    assert error["kind"] == "outcome_failure" and "Invalid sourcedid" in error["reason"]
    entries = {e.lms_user.lti11_user_id: e.status for e in ScoreLedger.objects.all()}
    assert sorted(entries.values()) == ["rejected", "sent"]
    sent = len(lms.received)
    again = sync(world)
    assert len(lms.received) == sent and again.failed == 1  # a known refusal waits, unchanged
