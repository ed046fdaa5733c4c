"""Fault injection: 500s, 429 with Retry-After, Canvas's 403 rate limit, hangs, dropped connections."""

from __future__ import annotations

import time

import pytest
import requests

from tests.lti.conftest import Lms


def test_next_calls_fail_then_the_endpoint_recovers(lms: Lms) -> None:
    token = lms.access_token()
    fault = lms.platform.faults.add(r"/scores", status=500, times=2)
    assert [lms.post_score(token, lms.student).status_code for _ in range(3)] == [500, 500, 200]
    assert fault.fired == 2
    assert [r.fault for r in lms.platform.requests_matching(r"/scores")] == [True, True, False]


def test_429_carries_retry_after(moodle: Lms) -> None:
    token = moodle.access_token()
    moodle.platform.faults.too_many_requests(r"/scores", retry_after=7)
    response = moodle.post_score(token, moodle.student)
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"


def test_canvas_rate_limit_is_a_403_without_retry_after(canvas: Lms) -> None:
    token = canvas.access_token()
    canvas.platform.faults.canvas_rate_limit(r"/line_items", times=1)
    response = canvas.post_score(token, canvas.student)
    assert response.status_code == 403
    assert response.text.strip() == "403 Forbidden (Rate Limit Exceeded)"
    assert response.headers["X-Rate-Limit-Remaining"] == "0.0"
    assert "Retry-After" not in response.headers
    assert canvas.platform.gradebook.get(canvas.link, canvas.student.sub) is None


def test_a_hang_makes_the_client_time_out(moodle: Lms) -> None:
    token = moodle.access_token()
    moodle.platform.faults.add(r"/scores", status=None, hang=2.0, method="POST")
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        requests.post(
            moodle.platform.lineitem_url(moodle.platform.line_item(moodle.link), "/scores"),
            headers={"Authorization": f"Bearer {token}"},
            data="{}",
            timeout=0.3,
        )
    assert time.monotonic() - started < 1.5


def test_a_hang_then_a_normal_answer(canvas: Lms) -> None:
    token = canvas.access_token()
    canvas.platform.faults.hang(r"/scores", 0.5)
    started = time.monotonic()
    assert canvas.post_score(token, canvas.student).status_code == 200
    assert time.monotonic() - started >= 0.5
