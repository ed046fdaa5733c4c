"""Fault injection: the next N matching requests fail, are throttled, hang, or lose their connection."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from .http import Response, json_response, text_response


@dataclass
class Fault:
    pattern: re.Pattern[str]
    times: int
    method: str | None = None
    status: int | None = 500
    retry_after: int | None = None
    hang: float = 0.0  # seconds to wait before answering (then `status`, or the normal answer if None)
    canvas_rate_limit: bool = False
    drop: bool = False  # close the connection without an answer (the LMS is "down")
    fired: int = 0

    def matches(self, method: str, target: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(target))

    def response(self) -> Response | None:
        if self.canvas_rate_limit:  # canvas app/middleware/request_throttle.rb
            return text_response(
                403, "403 Forbidden (Rate Limit Exceeded)\n", [("X-Rate-Limit-Remaining", "0.0")]
            )
        if self.status is None:
            return None
        headers = [("Retry-After", str(self.retry_after))] if self.retry_after is not None else []
        return json_response(self.status, {"error": "injected fault"}, headers=headers)


@dataclass
class FaultAction:
    fault: Fault
    response: Response | None  # None: answer normally (after the hang)


@dataclass
class FaultInjector:
    """`platform.faults.add(r"/scores", status=500, times=2)`; patterns are searched in path?query."""

    _faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self,
        pattern: str,
        *,
        status: int | None = 500,
        times: int = 1,
        method: str | None = None,
        retry_after: int | None = None,
        hang: float = 0.0,
        drop: bool = False,
    ) -> Fault:
        fault = Fault(re.compile(pattern), times, method, status, retry_after, hang, False, drop)
        with self._lock:
            self._faults.append(fault)
        return fault

    def too_many_requests(self, pattern: str, *, retry_after: int = 1, times: int = 1) -> Fault:
        return self.add(pattern, status=429, retry_after=retry_after, times=times)

    def canvas_rate_limit(self, pattern: str, *, times: int = 1) -> Fault:
        fault = self.add(pattern, times=times)
        fault.canvas_rate_limit = True
        return fault

    def hang(self, pattern: str, seconds: float, *, times: int = 1, status: int | None = None) -> Fault:
        return self.add(pattern, status=status, hang=seconds, times=times)

    def down(self, pattern: str, *, times: int = 1) -> Fault:
        return self.add(pattern, drop=True, times=times)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, target: str) -> FaultAction | None:
        """Consume one firing of the first matching fault."""
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and fault.matches(method, target):
                    fault.times -= 1
                    fault.fired += 1
                    return FaultAction(fault, None if fault.drop else fault.response())
        return None
