"""Forged, replayed and malformed launches: each gets a 4xx and leaves no trace in WIMS or the database."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

import pytest
import requests

from tests.fixtures.lti_env import LtiEnv
from wims_lti.lti.devplatform import DevBrowser, DevPlatform, DevPlatformServer, LaunchDefects
from wims_lti.lti.devplatform.browser import auto_submit_form
from wims_lti.models import Course, Deployment, LmsUser, WimsAccount

pytestmark = pytest.mark.django_db(transaction=True)


def _assert_refused_without_trace(
    env: LtiEnv, send: Callable[[], requests.Response], status: int = 400
) -> str:
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    courses, users = Course.objects.count(), LmsUser.objects.count()
    response = send()
    assert response.status_code == status, response.text[:1500]
    assert emulator.jobs_since(mark) == []  # not a single adm/raw call
    assert (Course.objects.count(), LmsUser.objects.count()) == (courses, users)
    assert response.headers["X-Correlation-ID"] in response.text
    return response.text


@pytest.mark.parametrize(
    "defects",
    [
        pytest.param(LaunchDefects(foreign_key=True), id="bad-signature"),
        pytest.param(LaunchDefects(unknown_kid=True), id="foreign-kid"),
        pytest.param(LaunchDefects(aud="someone-else"), id="wrong-audience"),
        pytest.param(LaunchDefects(expired=True), id="expired"),
        pytest.param(LaunchDefects(iat_ahead=300), id="iat-in-future-beyond-leeway"),
        pytest.param(LaunchDefects(nonce="not-a-nonce-we-issued"), id="foreign-nonce"),
        pytest.param(LaunchDefects(message_type="LtiSubmissionReviewRequest"), id="wrong-message-type"),
        pytest.param(LaunchDefects(version="1.1.0"), id="wrong-version"),
        pytest.param(LaunchDefects(drop_claims=("deployment_id",)), id="no-deployment-id"),
        pytest.param(LaunchDefects(drop_claims=("message_type",)), id="no-message-type"),
        pytest.param(LaunchDefects(drop_claims=("roles",)), id="no-roles"),
        pytest.param(LaunchDefects(drop_claims=("resource_link",)), id="no-resource-link"),
        pytest.param(LaunchDefects(drop_claims=("sub",)), id="no-sub"),
        pytest.param(LaunchDefects(drop_claims=("context",)), id="no-context"),
        pytest.param(LaunchDefects(tamper={"sub": "someone-else"}), id="tampered-payload"),
    ],
)
def test_forged_launches_are_refused(lti_env: LtiEnv, defects: LaunchDefects) -> None:
    env = lti_env
    env.enter(env.teacher)  # the class exists: a forged launch must not reach it either
    text = _assert_refused_without_trace(env, lambda: env.launch(env.student, defects=defects))
    assert "could not be verified" in text or "inside a course" in text


def test_clock_skew_within_leeway_is_accepted(lti_env: LtiEnv) -> None:
    lti_env.enter(lti_env.teacher, defects=LaunchDefects(iat_ahead=20))


def _flow_until_id_token(env: LtiEnv, user) -> tuple[DevBrowser, str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Run the OIDC flow up to the platform's auto-submitted form; return it unsent."""
    initiation = env.platform.start_launch(user, env.course, env.link)
    browser = DevBrowser()
    login = browser.session.post(initiation.url, data=initiation.params, allow_redirects=False, timeout=10)
    assert login.status_code == 302
    auth = browser.session.get(urljoin(initiation.url, login.headers["Location"]), timeout=10)
    form = auto_submit_form(auth.text)
    assert form is not None
    return browser, urljoin(auth.url, form.action), dict(form.fields)


def test_replayed_id_token_is_refused(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    browser, action, fields = _flow_until_id_token(env, env.student)
    first = browser.session.post(action, data=fields, allow_redirects=False, timeout=10)
    assert first.status_code == 302
    _assert_refused_without_trace(
        env, lambda: browser.session.post(action, data=fields, allow_redirects=False, timeout=10)
    )
    assert WimsAccount.objects.count() == 1


def test_state_mismatch_is_refused(lti_env: LtiEnv) -> None:
    env = lti_env
    browser, action, fields = _flow_until_id_token(env, env.student)
    fields["state"] = "state-forged"
    _assert_refused_without_trace(
        env, lambda: browser.session.post(action, data=fields, allow_redirects=False, timeout=10)
    )


def test_id_token_posted_from_another_browser_is_refused(lti_env: LtiEnv) -> None:
    env = lti_env
    _, action, fields = _flow_until_id_token(env, env.student)  # the state cookie stays in that browser
    _assert_refused_without_trace(
        env, lambda: requests.post(action, data=fields, allow_redirects=False, timeout=10)
    )


def test_unknown_deployment_is_recorded_as_pending_with_a_clear_page(lti_env: LtiEnv) -> None:
    env = lti_env
    text = _assert_refused_without_trace(
        env, lambda: env.launch(env.student, defects=LaunchDefects(deployment_id="dep-new")), status=403
    )
    assert "waiting for approval" in text
    pending = Deployment.objects.get(deployment_id="dep-new")
    assert pending.status == Deployment.Status.PENDING and pending.platform == env.registration
    # An admin accepts it: the next launch from that deployment goes through.
    pending.status = Deployment.Status.ACCEPTED
    pending.save()
    env.enter(env.teacher, defects=LaunchDefects(deployment_id="dep-new"))


def test_unknown_deployment_accepted_by_policy(lti_env: LtiEnv) -> None:
    env = lti_env
    env.registration.unknown_deployment_policy = "accept"
    env.registration.save()
    env.enter(env.teacher, defects=LaunchDefects(deployment_id="dep-auto"))
    assert Deployment.objects.get(deployment_id="dep-auto").status == Deployment.Status.ACCEPTED


def test_unknown_issuer_is_refused(lti_env: LtiEnv) -> None:
    env = lti_env
    stranger = DevPlatform("moodle")
    server = DevPlatformServer(stranger).start()
    try:
        stranger.register_tool(
            "intruder",
            env.tool_url + "/lti/login/",
            [env.tool_url + "/lti/launch/"],
            tool_jwks_url=env.tool_url + "/lti/jwks/",
            deployment_ids=["1"],
        )
        course = stranger.add_course("Other", "OTH")
        from wims_lti.lti.devplatform import people
        from wims_lti.lti.devplatform.roles import INSTRUCTOR

        user = course.enroll(people.teacher(), INSTRUCTOR)
        link = course.add_resource_link("x")
        initiation = stranger.start_launch(user, course, link)
        _assert_refused_without_trace(env, lambda: DevBrowser().launch(initiation, platform_url=server.url))
    finally:
        server.stop()


def test_registration_url_pins_the_platform(lti_env: LtiEnv) -> None:
    """A real platform's launch sent to another registration's URL is refused (tenant isolation)."""
    env = lti_env
    other = DevPlatform("canvas")
    server = DevPlatformServer(other).start()
    try:
        from tests.fixtures.lti_env import CLIENT_ID, DEPLOYMENT_ID
        from wims_lti.services.platforms import platform_register

        other_reg = platform_register(
            name="Other",
            issuer=other.issuer,
            client_id=CLIENT_ID,
            auth_login_url=other.auth_login_url,
            auth_token_url=other.auth_token_url,
            keyset_url=other.jwks_url,
            deployment_ids=[DEPLOYMENT_ID],
            wims_server=env.wims_server,
        )
        assert other_reg.pk != env.registration.pk
        # `other` knows the tool only under env.registration's URLs: its launch must not be accepted there.
        other.register_tool(
            CLIENT_ID,
            f"{env.tool_url}/lti/{env.registration.uuid}/login/",
            [f"{env.tool_url}/lti/{env.registration.uuid}/launch/"],
            tool_jwks_url=env.tool_url + "/lti/jwks/",
            deployment_ids=[DEPLOYMENT_ID],
        )
        from wims_lti.lti.devplatform import people
        from wims_lti.lti.devplatform.roles import INSTRUCTOR

        course = other.add_course("Other", "OTH")
        user = course.enroll(people.teacher(), INSTRUCTOR)
        initiation = other.start_launch(user, course, course.add_resource_link("x"))
        _assert_refused_without_trace(env, lambda: DevBrowser().launch(initiation, platform_url=server.url))
    finally:
        server.stop()
