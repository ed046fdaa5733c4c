"""Launch behaviour under real-world conditions: proxies, iframes, concurrency, WIMS failures."""

from __future__ import annotations

import threading

import pytest
import requests
from django.test import RequestFactory, override_settings

from tests.fixtures.lti_env import LtiEnv
from wims_lti.lti.devplatform import DevBrowser
from wims_lti.models import Course, WimsAccount
from wims_lti.views.client_ip import client_ip

pytestmark = pytest.mark.django_db(transaction=True)


def test_students_need_no_cookie_after_the_launch(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    initiation = env.platform.start_launch(env.student, env.course, env.link)
    browser = DevBrowser()
    final = browser.launch(initiation, platform_url=env.server.url)
    assert final.status_code == 302
    assert "Set-Cookie" not in final.headers  # the launch response sets nothing
    tool_cookies = [c for c in browser.session.cookies if c.domain in ("127.0.0.1", "127.0.0.1.local", "")]
    assert all(c.name.startswith("lti1p3-") for c in tool_cookies)  # only pylti1p3's short-lived state


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), LTI_COOKIE_CHECK=False)
def test_state_cookie_is_samesite_none_secure_behind_a_tls_proxy(lti_env: LtiEnv) -> None:
    env = lti_env
    initiation = env.platform.start_launch(env.teacher, env.course, env.link)
    response = DevBrowser().session.post(
        initiation.url,
        data=initiation.params,
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    cookies = response.headers["Set-Cookie"]
    assert "lti1p3-state-" in cookies and "SameSite=None" in cookies and "Secure" in cookies
    assert "Partitioned" in cookies  # CHIPS: kept in the LMS's iframe when third-party cookies are blocked
    assert "redirect_uri=https%3A%2F%2F" in response.headers["Location"]  # the public https URL


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), LTI_COOKIE_CHECK=True)
def test_cookie_check_page_is_the_fallback_inside_iframes(lti_env: LtiEnv) -> None:
    env = lti_env
    initiation = env.platform.start_launch(env.teacher, env.course, env.link)
    response = DevBrowser().session.post(
        initiation.url,
        data=initiation.params,
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 200
    assert "lti1p3_new_window" in response.text  # pylti1p3's page: reopens the launch in a new window


def test_client_ip_trusts_x_forwarded_for_only_behind_proxies() -> None:
    rf = RequestFactory()
    request = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    with override_settings(TRUSTED_PROXY_COUNT=0):
        assert client_ip(request) == "10.0.0.5"
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(request) == "198.51.100.7"  # the address our one proxy saw
    with override_settings(TRUSTED_PROXY_COUNT=2):
        assert client_ip(request) == "6.6.6.6"
    bad = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-ip")
    with override_settings(TRUSTED_PROXY_COUNT=1):
        assert client_ip(bad) == "10.0.0.5"


def test_the_users_ip_is_passed_to_authuser(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    env.enter(env.student)
    sessions = env.wims.emulator.emulator.sessions  # type: ignore[union-attr]
    assert any(s.remote_addr == "127.0.0.1" for s in sessions.values())


def test_simultaneous_first_launches_create_one_wims_user(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    results: list[int] = []

    def launch() -> None:
        results.append(env.launch(env.student).status_code)

    threads = [threading.Thread(target=launch) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [302] * 6
    assert emulator.jobs_since(mark).count("adduser") == 1
    assert WimsAccount.objects.count() == 1
    qclass = Course.objects.get().qclass
    assert len(emulator.classes[qclass].users) == 1


def test_simultaneous_first_teacher_launches_create_one_class(lti_env: LtiEnv) -> None:
    """Four teachers' launches land on the linking page at once and all press "Create the class"."""
    env = lti_env
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    pages = [env.launch(env.teacher) for _ in range(4)]
    assert all(p.status_code == 200 and "/course/" in p.url for p in pages)
    assert emulator.jobs_since(mark) == []  # a launch alone never creates a class
    results: list[str] = []

    def create(page: requests.Response) -> None:
        results.append(env.submit(DevBrowser(), page, "/course/create/").url)

    threads = [threading.Thread(target=create, args=(page,)) for page in pages]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 4
    assert all("/teacher/" in url and "/course/" not in url for url in results)  # all on the dashboard
    assert emulator.jobs_since(mark) == ["addclass"]
    assert Course.objects.get().is_linked


def test_wims_unreachable_gives_a_503_page_and_a_relaunch_completes(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    good_url = env.wims_server.url
    env.wims_server.url = "http://127.0.0.1:9/wims/wims.cgi"  # nothing listens there
    env.wims_server.save()
    response = env.launch(env.student)
    assert response.status_code == 503 and "cannot be reached" in response.text
    assert not WimsAccount.objects.exists()
    env.wims_server.url = good_url
    env.wims_server.save()
    env.enter(env.student)
    assert WimsAccount.objects.count() == 1


def test_wims_class_deleted_gives_a_clear_page(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    course = Course.objects.get()
    env.wims.client().delclass(course.qclass, course.rclass)
    response = env.launch(env.student)
    assert response.status_code == 502 and "no longer exists" in response.text
    assert Course.objects.get().qclass == course.qclass  # the mapping is never dropped silently


def test_wims_error_reply_gives_a_page_with_a_correlation_id(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    env.wims_server.passwd = "wrongpassword9"
    env.wims_server.save()
    response = env.launch(env.student)
    assert response.status_code == 502 and "refused the request" in response.text
    cid = response.headers["X-Correlation-ID"]
    assert cid in response.text
    assert "wrongpassword9" not in response.text
