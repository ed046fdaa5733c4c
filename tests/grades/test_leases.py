"""The sync's shared locks (a class's score reads, a run's roster) are held as long as their holder lives
and freed within GRADE_LOCK_TTL seconds when it is SIGKILLed — a killed worker no longer blocks the class
for the length of the longest read (it used to hold it 160 s, stalling the takeover of its run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from wims_lti.services.grades.leases import renewed_lock
from wims_lti.services.grades.wims_read import class_lock
from wims_lti.services.locks import LockTimeout

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time, django
django.setup()
from wims_lti.services.grades.wims_read import class_lock
with class_lock(1, "7777777"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_lock_is_kept_while_its_holder_lives_and_freed_soon_after_it_is_killed(settings: Any) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.test",
        "REDIS_URL": settings.REDIS_URL,
        "GRADE_LOCK_TTL": "2",
        "WIMS_LTI_ENV_FILE": "",
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], cwd=ROOT, env=env, stdout=subprocess.PIPE, start_new_session=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        settings.GRADE_CLASS_LOCK_WAIT = 4  # twice the lease: only renewal keeps it held that long
        with pytest.raises(LockTimeout), class_lock(1, "7777777"):
            pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        killed = time.monotonic()
        settings.GRADE_CLASS_LOCK_WAIT = 10
        with class_lock(1, "7777777"):
            assert time.monotonic() - killed < 3  # the lease (2 s), not the longest read
    finally:
        if holder.poll() is None:
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(10)


def test_renewed_lock_is_exclusive_and_released() -> None:
    with (
        renewed_lock("test-exclusive", ttl=3, wait=1),
        pytest.raises(LockTimeout),
        renewed_lock("test-exclusive", ttl=3, wait=0.2),
    ):
        pass
    with renewed_lock("test-exclusive", ttl=3, wait=0.2):  # released on exit
        pass
