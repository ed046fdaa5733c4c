"""Every adm/raw attempt has an overall deadline (connect + send + read), whatever WIMS does: silent, or
dripping its answer one byte at a time (which no per-read timeout catches). Inside a budget the calls
share what is left and are retried at most once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.fixtures.wims_servers import EMULATOR_IDENT, EMULATOR_PASSWD
from wims_lti.wims.budget import wims_budget
from wims_lti.wims.client import WimsClient
from wims_lti.wims.emulator import EmulatorServer
from wims_lti.wims.errors import WimsClassNotFound, WimsTimeout

pytestmark = pytest.mark.integration

# The bound each test checks is the deadline plus this much (thread scheduling on a busy machine).
SLACK = 2.0


@pytest.fixture
def faulty() -> Iterator[EmulatorServer]:
    server = EmulatorServer(EMULATOR_IDENT, EMULATOR_PASSWD).start()
    yield server
    server.stop()


def client_for(server: EmulatorServer, **kwargs: float) -> WimsClient:
    return WimsClient(server.url, EMULATOR_IDENT, EMULATOR_PASSWD, retry_backoff=0.01, **kwargs)  # type: ignore[arg-type]


def timed_failure(call: object) -> float:
    started = time.monotonic()
    with pytest.raises(WimsTimeout):
        call()  # type: ignore[operator]
    return time.monotonic() - started


@pytest.mark.parametrize("fault", ["silent", "drip"])
def test_one_attempt_never_outlives_its_total_timeout(faulty: EmulatorServer, fault: str) -> None:
    client = client_for(faulty, total_timeout=1.5, read_timeout=30.0, read_retries=0)
    client.checkident()
    if fault == "silent":
        faulty.faults.silent()
    else:
        faulty.faults.drip(1.0)  # one byte a second: a 30 s read timeout never fires
    elapsed = timed_failure(client.checkident)
    assert elapsed < 1.5 + SLACK
    assert faulty.faults.received == ["checkident"]
    faulty.faults.clear()
    assert client.checkident().message == "Connection accepted"  # the broken connection was dropped


def test_read_jobs_are_retried_each_within_its_deadline(faulty: EmulatorServer) -> None:
    client = client_for(faulty, total_timeout=1.0, read_timeout=30.0, read_retries=2)
    faulty.faults.drip(1.0)
    elapsed = timed_failure(lambda: client.getclass(1234567, "rc"))
    assert faulty.faults.received == ["getclass"] * 3
    assert elapsed < 3 * 1.0 + SLACK


def test_inside_a_budget_a_call_is_retried_once_and_ends_in_time(faulty: EmulatorServer) -> None:
    client = client_for(faulty, total_timeout=40.0, read_timeout=30.0, read_retries=2)
    faulty.faults.silent()
    with wims_budget(3.0, retries=1):
        elapsed = timed_failure(lambda: client.authuser(1234567, "rc", "jdoe"))
    assert faulty.faults.received == ["authuser"] * 2  # at most one retry
    assert elapsed < 3.0 + SLACK


def test_a_spent_budget_sends_nothing(faulty: EmulatorServer) -> None:
    client = client_for(faulty, total_timeout=40.0)
    faulty.faults.silent()
    with wims_budget(2.0, retries=1):
        timed_failure(
            lambda: client.adduser(
                1234567, "rc", "jdoe", {"lastname": "D", "firstname": "J", "password": "p"}
            )
        )
        elapsed = timed_failure(lambda: client.authuser(1234567, "rc", "jdoe"))
    assert faulty.faults.received == ["adduser"]  # writes are never retried; then nothing is left
    assert elapsed < 0.5


def test_slow_jobs_keep_their_long_deadline(faulty: EmulatorServer) -> None:
    """addclass may wait 120 s on WIMS's class-index lock: its deadline is the slow one."""
    client = client_for(faulty, total_timeout=0.5, slow_total_timeout=30.0, read_timeout=0.5)
    client.slow_read_timeout = 30.0
    faulty.faults.drip(0.005)  # a slow but steady answer: a few hundred bytes over more than 0.5 s
    started = time.monotonic()
    with pytest.raises(WimsClassNotFound):  # WIMS's whole answer was read, not cut at 0.5 s
        client.delclass(1234567, "rc")
    assert time.monotonic() - started > 0.5
