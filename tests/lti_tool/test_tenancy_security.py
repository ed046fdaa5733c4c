"""Issue 16: tenancy and identity holes, each driven over real HTTP against the live tool (the dev platform,
a second registration acting as the attacker, the WIMS emulator), each refused with a 4xx page in the
user's language, with nothing written in the database and nothing done in WIMS.

Holes 1, 2 and 5 (registrations) are in test_dynamic_registration.py, hole 6 (linking a class) in
tests/teacher/test_course_linking.py and tests/teacher/test_link_ownership.py, hole 9 in
tests/ops/test_secrets_and_logs.py, the migration of hole 5 in tests/lti_tool/test_identity_migration.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.fixtures.lti_env import CLIENT_ID, DEPLOYMENT_ID, LtiEnv
from tests.teacher.helpers import token_of
from wims_lti.lti.devplatform import DevBrowser, LaunchDefects, people
from wims_lti.lti.devplatform.claims import CLAIM_DL_SETTINGS
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER, MEMBERSHIP_TA
from wims_lti.models import (
    Course,
    CourseRole,
    LmsUser,
    Platform,
    ResourceLink,
    SupervisorEntry,
    WimsAccount,
)

pytestmark = pytest.mark.django_db(transaction=True)

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


def _snapshot() -> tuple[Any, ...]:
    return (
        sorted(Course.objects.values_list("pk", "title", "qclass", "deployment_id", "tenant_id")),
        sorted(LmsUser.objects.values_list("pk", "sub", "tenant_id")),
        WimsAccount.objects.count(),
        SupervisorEntry.objects.count(),
        sorted(Platform.objects.values_list("pk", "issuer", "client_id", "keyset_url", "auth_login_url")),
    )


def _refused_without_trace(
    env: LtiEnv, send: Callable[[], requests.Response], status: int, *, lang_text: str | None = None
) -> requests.Response:
    """`send` gets a `status` error page with a correlation id; no row and no adm/raw call changed."""
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    before = _snapshot()
    response = send()
    assert response.status_code == status, (response.status_code, response.text[:1500])
    assert response.headers["X-Correlation-ID"] in response.text
    if lang_text is not None:
        assert lang_text in response.text
    assert emulator.jobs_since(mark) == []
    assert _snapshot() == before
    return response


# --- 3. aud/azp confusion on the generic launch URL ---------------------------------------------------


def test_token_for_a_and_b_with_azp_b_is_refused_on_the_generic_url(lti_env: LtiEnv) -> None:
    env = lti_env
    tool = env.tool_url
    # The platform launches through the generic URLs (no registration id in them).
    env.platform.register_tool(
        CLIENT_ID,
        tool + "/lti/login/",
        [tool + "/lti/launch/"],
        tool_jwks_url=tool + "/lti/jwks/",
        deployment_ids=[DEPLOYMENT_ID],
    )
    # A second registration claims the same issuer (the attacker's, with its own keys).
    Platform.objects.create(
        name="Attacker",
        issuer=env.registration.issuer,
        client_id="attacker-b",
        auth_login_url="http://127.0.0.1:9/auth",
        auth_token_url="http://127.0.0.1:9/token",
        keyset_url="http://127.0.0.1:9/jwks",
        default_wims_server=env.wims_server,
        unknown_deployment_policy="accept",
    )
    env.enter(env.teacher)  # registration A's course has its class
    defects = LaunchDefects(aud=[CLIENT_ID, "attacker-b"], extra_claims={"azp": "attacker-b"})
    _refused_without_trace(
        env, lambda: env.launch(env.teacher, defects=defects, locale="fr"), 400, lang_text="vérifié"
    )
    # A multi-audience token naming no authorized party is refused too; azp = A is accepted.
    _refused_without_trace(
        env,
        lambda: env.launch(env.student, defects=LaunchDefects(aud=[CLIENT_ID, "x"], drop_claims=("azp",))),
        400,
    )
    ok = env.launch(env.student, defects=LaunchDefects(aud=[CLIENT_ID, "x"], extra_claims={"azp": CLIENT_ID}))
    assert ok.status_code == 302 and ok.headers["Location"].startswith(env.wims.url.rsplit("/", 1)[0])


# --- 4. courses are scoped by deployment ---------------------------------------------------------------


def test_colliding_context_id_of_another_deployment_never_reaches_the_class(lti_env: LtiEnv) -> None:
    env = lti_env
    env.registration.deployments.create(deployment_id="dep-2", status="accepted")
    env.platform.registrations[CLIENT_ID].deployment_ids.append("dep-2")
    env.enter(env.teacher)  # deployment 1's course, linked to its class
    course = Course.objects.get()
    # A learner of deployment 2, same context id: not deployment 1's class ("not set up yet", 409).
    intruder = env.course.enroll(people.student(), LEARNER)
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    page = env.launch(intruder, deployment_id="dep-2", locale="fr")
    assert page.status_code == 409 and "pas encore" in page.text
    assert emulator.jobs_since(mark) == []
    assert not WimsAccount.objects.filter(course=course).exists()
    # A teacher of deployment 2 with a renamed course gets their own course, not deployment 1's.
    env.course.title = "Renamed by deployment 2"
    other_teacher = env.course.enroll(people.teacher(), INSTRUCTOR)
    response = env.launch(other_teacher, deployment_id="dep-2")
    assert response.status_code == 200 and response.url.endswith("/course/")
    course.refresh_from_db()
    assert course.title == "Algèbre linéaire" and course.deployment_id == DEPLOYMENT_ID
    assert Course.objects.filter(deployment_id="dep-2", qclass="").count() == 1
    assert emulator.jobs_since(mark) == []
    assert not SupervisorEntry.objects.filter(course=course).exclude(lms_user__sub=env.teacher.sub).exists()


# --- 5. one issuer, one client id per block (Open edX): one course, one person ---------------------------


def test_one_client_id_per_block_shares_the_course_and_the_person(lti_env: LtiEnv) -> None:
    env = lti_env
    tool = env.tool_url
    block2 = Platform.objects.create(
        name="Open edX block 2",
        issuer=env.registration.issuer,
        client_id="edx-block-2",
        auth_login_url=env.platform.auth_login_url,
        auth_token_url=env.platform.auth_token_url,
        keyset_url=env.platform.jwks_url,
        default_wims_server=env.wims_server,
    )
    block2.deployments.create(deployment_id=DEPLOYMENT_ID, status="accepted")
    assert block2.tenant_id == env.registration.tenant_id  # same issuer, same keys: the same platform
    env.platform.register_tool(
        "edx-block-2",
        f"{tool}/lti/{block2.uuid}/login/",
        [f"{tool}/lti/{block2.uuid}/launch/"],
        tool_jwks_url=tool + "/lti/jwks/",
        deployment_ids=[DEPLOYMENT_ID],
    )
    env.enter(env.teacher, client_id=CLIENT_ID)
    env.enter(env.student, client_id=CLIENT_ID)
    link2 = env.course.add_resource_link("Block 2", client_id="edx-block-2", score_maximum=10)
    url = env.enter(env.student, link2, client_id="edx-block-2")  # no 409: the course's class
    assert requests.get(url, timeout=30).status_code == 200
    assert Course.objects.count() == 1 and LmsUser.objects.filter(sub=env.student.sub).count() == 1
    assert WimsAccount.objects.filter(lms_user__sub=env.student.sub).count() == 1
    assert ResourceLink.objects.get(resource_link_id=link2.id).platform == block2  # its AGS answers to it
    # The teacher opens block 2's teacher pages on the same class.
    page = env.teacher_page(env.teacher, link2, client_id="edx-block-2")
    assert "Open WIMS as supervisor" in page.text


# --- 7. a staff token dies with the role ---------------------------------------------------------------


def test_teacher_token_is_revoked_when_the_person_relaunches_as_a_learner(lti_env: LtiEnv) -> None:
    env = lti_env
    page = env.teacher_page(env.teacher)
    token = token_of(page.url)
    session = requests.Session()
    assert session.get(f"{env.tool_url}/teacher/{token}/", timeout=30).status_code == 200
    # The same person, now a learner of the course (the LMS changed the enrolment).
    env.course.enroll(env.teacher, LEARNER)
    assert env.launch(env.teacher).status_code == 302  # into WIMS as a student
    assert not CourseRole.objects.get(lms_user__sub=env.teacher.sub).is_staff
    before = SupervisorEntry.objects.count()
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    for path, method in (("", "get"), ("wims/", "post"), ("course/unlink/", "get"), ("grades/", "get")):
        response = getattr(session, method)(
            f"{env.tool_url}/teacher/{token}/{path}", headers={"Accept-Language": "fr"}, timeout=30
        )
        assert response.status_code == 403 and "enseignants" in response.text, path
    assert SupervisorEntry.objects.count() == before and emulator.jobs_since(mark) == []
    # Teaching again: a fresh launch gives a fresh token that works.
    env.course.enroll(env.teacher, INSTRUCTOR)
    assert "Open WIMS as supervisor" in env.teacher_page(env.teacher).text


# --- 8. the deep-linking return URL --------------------------------------------------------------------


def _dl_claim(return_url: str) -> dict[str, Any]:
    return {
        "deep_link_return_url": return_url,
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": True,
    }


@pytest.mark.parametrize(
    "return_url",
    [
        "javascript:alert(document.domain)//",
        "https://evil.example/return",
        "data:text/html,x",
        "http://a@evil.example/",
    ],
)
def test_deep_linking_return_url_must_be_the_platforms(lti_env: LtiEnv, return_url: str) -> None:
    env = lti_env
    env.enter(env.teacher)
    defects = LaunchDefects(extra_claims={CLAIM_DL_SETTINGS: _dl_claim(return_url)})
    response = _refused_without_trace(
        env,
        lambda: env.launch(env.teacher, message_type="LtiDeepLinkingRequest", defects=defects, locale="fr"),
        400,
        lang_text="pas la sienne",
    )
    assert return_url not in response.text


def test_deep_linking_return_host_allowed_by_the_admin(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    env.registration.return_url_hosts = "*.lms-cdn.example"
    env.registration.save()
    defects = LaunchDefects(extra_claims={CLAIM_DL_SETTINGS: _dl_claim("https://eu.lms-cdn.example/dl")})
    page = env.launch(env.teacher, message_type="LtiDeepLinkingRequest", defects=defects)
    assert page.status_code == 200 and "/deep-linking/" in page.url


# --- 10. roles parsed exactly; the per-platform sub-role choice; deep linking by institution roles ------


@pytest.mark.parametrize(
    "roles",
    [
        [LIS + "membership/Learner#Instructor"],
        [LIS + "membershipX#Instructor"],
        [LIS + "membership#InstructorX"],
        [LIS + "institution/person#Instructor"],  # a resource link grants nothing by institution role
    ],
)
def test_roles_that_only_look_like_instructor_get_no_teacher_pages(lti_env: LtiEnv, roles: list[str]) -> None:
    env = lti_env  # the course has no class yet: a teacher would get the linking page, a learner a 409
    user = env.course.enroll(people.student(), LEARNER)
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    response = env.launch(user, roles=roles, locale="fr")
    assert response.status_code == 409 and "pas encore" in response.text, response.text[:500]
    assert "/teacher/" not in response.url and emulator.jobs_since(mark) == []
    assert not CourseRole.objects.filter(is_staff=True).exists()


def test_sub_roles_of_teachers_follow_the_platforms_choice(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    ta = env.course.enroll(people.teacher(), LEARNER)
    assert "Open WIMS as supervisor" in env.teacher_page(ta, roles=[MEMBERSHIP_TA]).text
    token = token_of(env.teacher_page(ta, roles=[MEMBERSHIP_TA]).url)
    env.registration.subroles_are_staff = False  # e.g. Open edX: forum moderators are TAs
    env.registration.save()
    response = env.launch(ta, roles=[MEMBERSHIP_TA])
    assert response.status_code == 302 and "/teacher/" not in response.headers["Location"]
    assert requests.get(f"{env.tool_url}/teacher/{token}/", timeout=30).status_code == 403


def test_deep_linking_by_an_institution_instructor_without_course_role(lti_env: LtiEnv) -> None:
    env = lti_env
    env.enter(env.teacher)
    designer = env.course.enroll(people.teacher(), LEARNER)
    roles = [LIS + "institution/person#Instructor", LIS + "system/person#User"]
    browser = DevBrowser()
    initiation = env.platform.start_launch(
        designer, env.course, None, message_type="LtiDeepLinkingRequest", roles=roles
    )
    page = browser.launch(initiation, platform_url=env.server.url)
    assert page.status_code == 200 and "/deep-linking/" in page.url
    token = token_of(page.url)
    # Choosing activities only: not the supervisor's WIMS, not the grades.
    assert browser.session.post(f"{env.tool_url}/teacher/{token}/wims/", timeout=30).status_code == 403
    assert browser.session.get(f"{env.tool_url}/teacher/{token}/grades/", timeout=30).status_code == 403
    # A learner of the course sending a deep-linking request is still refused.
    learner_roles = [LIS + "membership#Learner", LIS + "institution/person#Instructor"]
    _refused_without_trace(
        env,
        lambda: env.launch(
            env.student, message_type="LtiDeepLinkingRequest", roles=learner_roles, locale="fr"
        ),
        403,
        lang_text="enseignants",
    )
