"""Prometheus counters kept in Redis, so that every process (gunicorn workers, Celery workers, in other
containers) adds to the same totals and `/metrics` on any web worker shows them all.

Why Redis and not prometheus-client's multiprocess mode: the Celery workers (LMS posts, sync failures)
run in their own containers, and the multiprocess mode needs one directory shared by every process that
counts and the one that serves `/metrics`. Redis is shared already; one HINCRBY per event is cheap
next to the adm/raw or LMS request it counts. A Redis outage never breaks what is counted: the
increment is dropped (and logged at debug level). prometheus-client renders the exposition format.

Counters (all `_total`):
- `wims_lti_launches_total{kind, outcome}`: LTI launches (1.3 and 1.1); outcome ok/refused/error;
- `wims_lti_wims_calls_total{job, outcome}`: adm/raw jobs; outcome ok or the error class;
- `wims_lti_lms_posts_total{outcome}`: AGS score posts; outcome as classified by the AGS client;
- `wims_lti_sync_failures_total{reason}`: activity syncs that ended failed (reason: the message code);
- `wims_lti_score_errors_total{kind}`: students whose score an activity sync could not deliver, by kind
  (not_gradable, course_closed, auth_config, transient, superseded, wims_missing, ...);
- `wims_lti_wims_score_rereads_total{reason}`: score reads done again because WIMS's reply lacked
  students the bridge knows in the class (no_user, missing, duplicated);
- `wims_lti_sync_takeovers_total`: activity syncs resumed after their worker stopped beating.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import redis
from django.conf import settings
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

logger = logging.getLogger(__name__)
T = TypeVar("T")

COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "wims_lti_launches": ("LTI launches, by kind and outcome.", ("kind", "outcome")),
    "wims_lti_wims_calls": ("WIMS adm/raw calls, by job and outcome.", ("job", "outcome")),
    "wims_lti_lms_posts": ("Scores posted to LMS gradebooks (AGS), by outcome.", ("outcome",)),
    "wims_lti_sync_failures": ("Activity grade syncs that failed, by reason.", ("reason",)),
    "wims_lti_score_errors": ("Students' scores not delivered by an activity sync, by kind.", ("kind",)),
    "wims_lti_wims_score_rereads": (
        "WIMS score reads repeated because the reply lacked known students, by reason.",
        ("reason",),
    ),
    "wims_lti_sync_takeovers": ("Activity syncs taken over after their worker stopped.", ()),
}

_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.METRICS_REDIS_URL or settings.REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5
        )
    return _client


def reset_client() -> None:
    """Forget the Redis connection (tests that change METRICS_REDIS_URL/REDIS_URL)."""
    global _client
    _client = None


def _key(name: str) -> str:
    return f"{settings.METRICS_KEY_PREFIX}{name}"


def counter_inc(name: str, amount: int = 1, **labels: str) -> None:
    """Add `amount` to counter `name` with `labels` (exactly the counter's label names)."""
    _help, names = COUNTERS[name]
    if set(labels) != set(names):
        raise ValueError(f"{name} takes labels {names}, got {sorted(labels)}")
    field = json.dumps([str(labels[n])[:64] for n in names])
    try:
        _redis().hincrby(_key(name), field, amount)
    except Exception as exc:  # counting never breaks what is counted (Redis down, no Django settings)
        logger.debug("metric %s not counted: %s", name, exc)


def counter_values(name: str) -> dict[tuple[str, ...], int]:
    raw = _redis().hgetall(_key(name))
    return {tuple(json.loads(k)): int(v) for k, v in raw.items()}


def counters_clear() -> None:
    _redis().delete(*[_key(name) for name in COUNTERS])


class RedisCounters(Collector):
    def collect(self) -> Iterator[CounterMetricFamily]:
        for name, (help_text, labels) in COUNTERS.items():
            family = CounterMetricFamily(name, help_text, labels=list(labels))
            for values, count in sorted(counter_values(name).items()):
                family.add_metric(list(values), count)
            yield family


def registry() -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(RedisCounters())
    return reg


# --- the one-line hooks called from the code being counted ------------------------------------------


def count_wims_call(job: str, send: Callable[[], T]) -> T:
    """Runs one adm/raw job and counts it by outcome (`ok` or the WimsError class name)."""
    try:
        result = send()
    except Exception as exc:
        counter_inc("wims_lti_wims_calls", job=job, outcome=type(exc).__name__)
        raise
    counter_inc("wims_lti_wims_calls", job=job, outcome="ok")
    return result


def count_lms_post(outcome: Any) -> None:
    counter_inc("wims_lti_lms_posts", outcome=str(getattr(outcome, "value", outcome)))


def count_sync_failure(reason: str) -> None:
    counter_inc("wims_lti_sync_failures", reason=reason or "unknown")


def count_score_errors(counts: dict[str, int]) -> None:
    for kind, amount in counts.items():
        if amount:
            counter_inc("wims_lti_score_errors", amount, kind=kind)


def count_wims_reread(reason: str) -> None:
    counter_inc("wims_lti_wims_score_rereads", reason=reason)


def count_sync_takeovers(amount: int) -> None:
    if amount:
        counter_inc("wims_lti_sync_takeovers", amount)


def count_launch(kind: str, status_code: int) -> None:
    outcome = "ok" if status_code < 400 else "refused" if status_code < 500 else "error"
    counter_inc("wims_lti_launches", kind=kind, outcome=outcome)
