"""A time budget shared by every adm/raw call made inside it (a launch answers its user within it).

`with wims_budget(15, retries=1):` — each call inside gets at most what is left of the 15 s (shared
between its attempt and the retries it may still make) and is retried at most once; when too little is
left, the call fails at once with `WimsTimeout` instead of starting. Budgets nest (the inner one never
outlives the outer one). Outside any budget the client's own per-call deadlines apply.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# Below this, an attempt cannot succeed (an adm/raw round trip on loopback is ~30 ms, a WAN one more).
MIN_ATTEMPT_SECONDS = 0.3


@dataclass(frozen=True)
class WimsBudget:
    deadline: float  # time.monotonic() value
    retries: int  # retries allowed per call (read-only jobs only)

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


_current: ContextVar[WimsBudget | None] = ContextVar("wims_budget", default=None)


def current_budget() -> WimsBudget | None:
    return _current.get()


@contextmanager
def wims_budget(seconds: float, *, retries: int = 1) -> Iterator[WimsBudget]:
    outer = _current.get()
    deadline = time.monotonic() + max(0.0, seconds)
    if outer is not None:
        deadline = min(deadline, outer.deadline)
        retries = min(retries, outer.retries)
    budget = WimsBudget(deadline=deadline, retries=max(0, retries))
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)
