"""LTI 1.1 → 1.3: a signed migration claim finds the course's class and the user's WIMS account."""

from __future__ import annotations

import pytest

from tests.fixtures.lti_env import CLIENT_ID, LtiEnv
from wims_lti.lti.migration import lti1p1_signature, verified_lti11_identity
from wims_lti.models import Course, LmsUser, Platform, WimsAccount

pytestmark = pytest.mark.django_db(transaction=True)

KEY, SECRET = "moodle-legacy-key", "legacysecret42"


def _legacy_setup(env: LtiEnv) -> tuple[Course, WimsAccount]:
    """What the old gateway's importer leaves: a 1.1 platform, its linked course and a student's account."""
    legacy_platform = Platform.objects.create(
        name="Moodle (LTI 1.1)",
        issuer="lti11:moodle.example.edu",
        client_id=KEY,
        auth_login_url="https://moodle.example.edu/",
        auth_token_url="https://moodle.example.edu/",
        keyset_url="https://moodle.example.edu/",
        default_wims_server=env.wims_server,
        lti11_consumer_key=KEY,
        lti11_secret=SECRET,
    )
    client = env.wims.client()
    created = client.addclass(
        env.wims_server.rclass,
        {
            "description": "Legacy algebra",
            "institution": "Univ",
            "supervisor": "Ada Lovelace",
            "email": "ada@example.edu",
            "password": "classpass1",
            "lang": "en",
        },
        {"lastname": "Lovelace", "firstname": "Ada", "password": "suppass12"},
    )
    course = Course.objects.create(
        platform=legacy_platform,
        context_id=str(env.course.id),
        title="Legacy algebra",
        wims_server=env.wims_server,
        qclass=created.class_id,
        rclass=env.wims_server.rclass,
    )
    client.adduser(
        course.qclass,
        course.rclass,
        "legacystud1",
        {"firstname": "Alan", "lastname": "Turing", "password": "pw123456"},
    )
    user = LmsUser.objects.create(
        platform=legacy_platform,
        sub="lti11:" + env.student.lti11_user_id,
        lti11_user_id=env.student.lti11_user_id,
    )
    account = WimsAccount.objects.create(course=course, lms_user=user, quser="legacystud1")
    return course, account


def _enable_migration(env: LtiEnv, platform_secret: str = SECRET) -> None:
    env.registration.lti11_consumer_key = KEY
    env.registration.lti11_secret = SECRET
    env.registration.save()
    registration = env.platform.registration(CLIENT_ID)
    assert registration is not None
    registration.lti11_consumer_key = KEY
    registration.lti11_secret = platform_secret


def test_student_keeps_their_wims_account_and_class(lti_env: LtiEnv) -> None:
    env = lti_env
    course, account = _legacy_setup(env)
    _enable_migration(env)
    emulator = env.wims.emulator.emulator  # type: ignore[union-attr]
    mark = len(emulator.request_log)
    url = env.enter(env.student, lti1p1=True)
    jobs = emulator.jobs_since(mark)
    # No addclass, no adduser: the old class and login (names, unknown to the importer, are synced once).
    assert jobs in (["authuser"], ["moduser", "authuser"])
    assert ("authuser", course.qclass, "legacystud1") in emulator.request_log[mark:]
    assert "session=" in url
    course.refresh_from_db()
    assert course.platform == env.registration  # the class link moved to the 1.3 registration
    account.refresh_from_db()
    assert account.lms_user.sub == env.student.sub and account.quser == "legacystud1"
    assert Course.objects.filter(qclass=course.qclass).count() == 1


def test_teacher_finds_the_course_already_linked(lti_env: LtiEnv) -> None:
    env = lti_env
    course, _ = _legacy_setup(env)
    _enable_migration(env)
    page = env.teacher_page(env.teacher, lti1p1=True)
    assert "/teacher/" in page.url and "Open WIMS as supervisor" in page.text
    assert Course.objects.get(platform=env.registration).qclass == course.qclass


def test_claim_signed_with_another_secret_is_ignored(lti_env: LtiEnv) -> None:
    env = lti_env
    course, _ = _legacy_setup(env)
    _enable_migration(env, platform_secret="notthesecret")
    response = env.launch(env.student, lti1p1=True)
    assert response.status_code == 409  # the course stays unlinked: nothing adopted on a bad signature
    course.refresh_from_db()
    assert course.platform.issuer == "lti11:moodle.example.edu"
    assert WimsAccount.objects.get().quser == "legacystud1"


def test_signature_matches_the_spec_example_shape() -> None:
    body = {
        "iss": "https://lms",
        "exp": 1700000000,
        "nonce": "n1",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "d1",
    }
    sign = lti1p1_signature(
        consumer_key="k",
        secret="s",
        deployment_id="d1",
        issuer="https://lms",
        client_id="c",
        exp=1700000000,
        nonce="n1",
    )
    body["https://purl.imsglobal.org/spec/lti/claim/lti1p1"] = {
        "user_id": "u1",
        "oauth_consumer_key": "k",
        "oauth_consumer_key_sign": sign,
    }
    identity = verified_lti11_identity(body=body, client_id="c", consumer_key="k", secret="s")
    assert identity is not None and identity.user_id == "u1"
    assert verified_lti11_identity(body=body, client_id="other", consumer_key="k", secret="s") is None
    assert verified_lti11_identity(body=body, client_id="c", consumer_key="k2", secret="s") is None
    assert verified_lti11_identity(body=body, client_id="c", consumer_key="k", secret="") is None
