"""When a student worked, from their WIMS activity log: AGS `submission.startedAt` / `submittedAt`.

`getlog` lists the student's log lines in WIMS's local time: `new` when an exercise was opened, `score`
when an answer was scored (exam lines come with `option=exams`). startedAt is the first line of the sheet
or exam, submittedAt its last `score` line. WIMS's clock offset from UTC comes from `gettime` (rounded to
a quarter of an hour, cached an hour per server).

One `getlog` per student and per kind (sheets, exams) per sync run, only for students with a score to
send; the parsed times are cached in Redis for the run, so the run's other activities reuse them (work
done in WIMS after that read gets its times at the next run).
Anything failing here only leaves the times out (they are optional in AGS).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from django.core.cache import cache

from wims_lti.models import Course
from wims_lti.services.concurrency import wims_slot
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsError
from wims_lti.wims.results import parse_getlog

logger = logging.getLogger(__name__)

RUN_CACHE_SECONDS = 2 * 3600
OFFSET_CACHE_SECONDS = 3600
QUARTER = 15 * 60


@dataclass(frozen=True)
class WorkTimes:
    started: dt.datetime | None = None  # UTC
    submitted: dt.datetime | None = None


def _cache_get(key: str) -> object:
    try:
        return cache.get(key)
    except Exception as exc:  # Redis down: no cache, still correct
        logger.debug("cache unavailable: %s", exc)
        return None


def _cache_set(key: str, value: object, timeout: int) -> None:
    with contextlib.suppress(Exception):
        cache.set(key, value, timeout=timeout)


def wims_utc_offset(*, course: Course, client: WimsClient) -> dt.timedelta | None:
    """WIMS's local time minus UTC (None if WIMS's clock cannot be read)."""
    assert course.wims_server is not None
    key = f"grades:wims-utc-offset:{course.wims_server.pk}"
    cached = _cache_get(key)
    if isinstance(cached, int):
        return dt.timedelta(seconds=cached)
    try:
        with wims_slot(course.wims_server.pk, course.wims_server.max_concurrency):
            local = client.gettime().server_time
    except (WimsError, RuntimeError) as exc:
        logger.info("WIMS time unavailable: %s", exc)
        return None
    if local is None:
        return None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    seconds = round((local - now).total_seconds() / QUARTER) * QUARTER
    _cache_set(key, seconds, OFFSET_CACHE_SECONDS)
    return dt.timedelta(seconds=seconds)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _fetch(
    *, course: Course, quser: str, exams: bool, client: WimsClient, offset: dt.timedelta
) -> dict[str, list[str | None]]:
    assert course.wims_server is not None
    with wims_slot(course.wims_server.pk, course.wims_server.max_concurrency):
        log = parse_getlog(
            client.getlog(course.qclass, course.rclass, quser, option="exams" if exams else None)
        )
    first: dict[int, dt.datetime] = {}
    last_score: dict[int, dt.datetime] = {}
    for entry in log.entries:
        if entry.exam != exams or entry.item is None:
            continue
        when = (entry.when - offset).replace(tzinfo=dt.UTC)
        if entry.item not in first or when < first[entry.item]:
            first[entry.item] = when
        if entry.command == "score" and (entry.item not in last_score or when > last_score[entry.item]):
            last_score[entry.item] = when
    return {str(item): [_iso(first.get(item)), _iso(last_score.get(item))] for item in first}


def work_times(
    *, run_id: int, course: Course, quser: str, exam: bool, number: int, client: WimsClient
) -> WorkTimes:
    """startedAt/submittedAt of `quser` on sheet or exam `number` (fields None when WIMS does not say)."""
    key = f"grades:worklog:{run_id}:{course.pk}:{quser}:{'exams' if exam else 'sheets'}"
    cached = _cache_get(key)
    data = cached if isinstance(cached, dict) else None
    if data is None:  # not fetched yet in this run
        offset = wims_utc_offset(course=course, client=client)
        if offset is None:
            return WorkTimes()
        try:
            data = _fetch(course=course, quser=quser, exams=exam, client=client, offset=offset)
        except (WimsError, RuntimeError) as exc:
            logger.info("activity log of %s unavailable: %s", quser, exc)
            return WorkTimes()
        _cache_set(key, data, RUN_CACHE_SECONDS)
    started, submitted = (data.get(str(number)) or [None, None])[:2]
    return WorkTimes(
        dt.datetime.fromisoformat(started) if started else None,
        dt.datetime.fromisoformat(submitted) if submitted else None,
    )
