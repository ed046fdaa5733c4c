"""LTI 1.1 launches after the import, signed like Moodle signs them, against the live server and a WIMS
target (the emulator, and the real WIMS 4.29a): imported users land in their imported class under their
imported login; forged, stale, replayed or mis-tenanted launches are refused (4xx) and leave no trace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import override_settings
from django.urls import reverse

from tests.fixtures.wims_servers import WimsTarget
from tests.legacy.conftest import (
    LEGACY_WIMS_ID,
    LegacyUser,
    LegacyWorld,
    build_legacy_world,
    launch_params,
    post_launch,
    sign_launch,
    stale,
)
from wims_lti.models import Course, LmsUser, Lti11Outcome, ResourceLink, WimsAccount
from wims_lti.services.legacy_import import legacy_gateway_import

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(tmp_path: Path, wims_target: WimsTarget) -> Iterator[LegacyWorld]:
    w = build_legacy_world(tmp_path / "gateway.sqlite3", wims_target)
    legacy_gateway_import(path=w.path)
    yield w


@pytest.fixture
def emu_world(tmp_path: Path, emulator_target: WimsTarget) -> LegacyWorld:
    w = build_legacy_world(tmp_path / "gateway.sqlite3", emulator_target)
    legacy_gateway_import(path=w.path)
    return w


def url(live_server: Any, name: str = "lti11-legacy-sheet", **kwargs: int) -> str:
    if name == "lti11-launch":
        return live_server.url + reverse(name)
    kwargs.setdefault("server", LEGACY_WIMS_ID)
    return live_server.url + reverse(name, kwargs=kwargs)


def signed(world: LegacyWorld, target: str, user: LegacyUser, **kw: Any) -> dict[str, str]:
    key = kw.pop("key", user.lms.key)
    secret = kw.pop("secret", user.lms.secret)
    timestamp = kw.pop("timestamp", None)
    return sign_launch(target, launch_params(world, user, **kw), key=key, secret=secret, timestamp=timestamp)


def class_logins(world: LegacyWorld, qclass: str) -> tuple[str, ...]:
    return tuple(sorted(world.wims.client().getclass(qclass, world.rclass, "userlist").userlist))


def test_imported_learner_lands_in_the_imported_class_as_the_imported_login(
    live_server: Any, world: LegacyWorld
) -> None:
    w = world
    before = class_logins(w, w.qclass_a)
    target = url(live_server, number=1)
    emulator = w.wims.emulator
    mark = len(emulator.emulator.request_log) if emulator else 0
    response = post_launch(
        target,
        signed(w, target, w.alice, lis_result_sourcedid="sid-new-1", lis_outcome_service_url=w.outcome_url),
    )
    assert response.status_code == 302, response.text[:2000]
    location = response.headers["Location"]
    assert location.startswith(w.wims.url.rsplit("/", 1)[0]) and "session=" in location
    assert "sh=1" in location  # the old gateway's /S1/ URL opens sheet 1
    assert class_logins(w, w.qclass_a) == before  # no second WIMS account
    if emulator is not None:
        assert ("authuser", w.qclass_a, w.alice.quser) in emulator.emulator.request_log[mark:]
        assert "adduser" not in emulator.emulator.jobs_since(mark)
    account = WimsAccount.objects.get(lms_user__lti11_user_id=w.alice.user_id)
    assert account.quser == w.alice.quser and account.course.qclass == w.qclass_a
    assert Course.objects.filter(qclass=w.qclass_a).count() == 1
    outcome = Lti11Outcome.objects.get(
        lms_user=account.lms_user, resource_link__resource_link_id="rl-sheet-1"
    )
    assert outcome.sourcedid == "sid-new-1"  # the launch refreshes the imported outcome target


def test_refused_launches_leave_no_trace(live_server: Any, world: LegacyWorld) -> None:
    w = world
    newcomer = LegacyUser(w.lms_a, "newcomer-5", "unused", "Nina", "Nouvelle")
    target = url(live_server, number=1)
    logins = class_logins(w, w.qclass_a)
    emulator = w.wims.emulator
    mark = len(emulator.emulator.request_log) if emulator else 0
    users_before = LmsUser.objects.count()
    attempts = {
        "wrong secret": signed(w, target, newcomer, secret="not-the-secret"),
        "wrong consumer key": signed(w, target, newcomer, key="unknown-key"),
        "other LMS's key": signed(w, target, newcomer, key=w.lms_b.key, secret="guessed"),
        "stale timestamp": signed(w, target, newcomer, timestamp=stale()),
        # Signed with LMS A's credentials but claiming to be LMS B: the consumer key picks the tenant,
        # and a guid contradicting it is refused.
        "forged tenant (signed)": signed(w, target, newcomer, tool_consumer_instance_guid=w.lms_b.guid),
    }
    tampered = signed(w, target, newcomer)
    tampered["tool_consumer_instance_guid"] = w.lms_b.guid  # changed after signing
    attempts["forged tenant (tampered)"] = tampered
    moved = signed(w, target, newcomer)
    attempts["signed for another URL"] = moved
    for what, fields in attempts.items():
        where = url(live_server, number=2) if what == "signed for another URL" else target
        response = post_launch(where, fields)
        assert 400 <= response.status_code < 500, (what, response.status_code)
        # The error page in the launch's language (fr), with the correlation id of the logs.
        assert "pu être vérifié" in response.text and 'class="correlation"' in response.text, what
    unknown_server = url(live_server, "lti11-legacy-class", server=99)
    assert post_launch(unknown_server, signed(w, unknown_server, newcomer)).status_code == 404
    assert LmsUser.objects.count() == users_before
    assert class_logins(w, w.qclass_a) == logins
    if emulator is not None:
        jobs = emulator.emulator.jobs_since(mark)
        assert all(job == "getclass" for job in jobs), jobs  # only this test's own reads


def test_a_replayed_launch_is_refused(live_server: Any, world: LegacyWorld) -> None:
    w = world
    target = url(live_server, "lti11-legacy-class")
    fields = signed(w, target, w.bob)
    assert post_launch(target, fields).status_code == 302
    emulator = w.wims.emulator
    mark = len(emulator.emulator.request_log) if emulator else 0
    replay = post_launch(target, fields)
    assert replay.status_code == 401
    if emulator is not None:
        assert emulator.emulator.jobs_since(mark) == []


def test_new_learner_gets_an_account_and_an_outcome_target(live_server: Any, emu_world: LegacyWorld) -> None:
    w = emu_world
    newcomer = LegacyUser(w.lms_a, "newcomer-8", "unused", "Léa", "Nouvel")
    target = url(live_server, "lti11-launch")
    fields = signed(
        w,
        target,
        newcomer,
        resource_link_id="rl-brand-new",
        custom_sheet="1",
        lis_result_sourcedid="sid-lea",
        lis_outcome_service_url=w.outcome_url,
        roles="urn:lti:role:ims/lis/Learner",
    )
    response = post_launch(target, fields)
    assert response.status_code == 302, response.text[:2000]
    user = LmsUser.objects.get(lti11_user_id="newcomer-8")
    assert (user.given_name, user.family_name) == ("Léa", "Nouvel")
    account = WimsAccount.objects.get(lms_user=user)
    assert account.course.qclass == w.qclass_a and account.quser in class_logins(w, w.qclass_a)
    link = ResourceLink.objects.get(resource_link_id="rl-brand-new")
    assert (link.kind, link.number) == ("sheet", 1)
    assert Lti11Outcome.objects.get(lms_user=user, resource_link=link).sourcedid == "sid-lea"


def test_instructor_goes_to_the_teacher_pages_of_the_linked_course(
    live_server: Any, emu_world: LegacyWorld
) -> None:
    w = emu_world
    teacher = LegacyUser(w.lms_a, "prof-1", "unused", "Paul", "Prof")
    target = url(live_server, "lti11-legacy-exam", number=1)
    response = post_launch(
        target, signed(w, target, teacher, resource_link_id="rl-exam-1", roles="Instructor")
    )
    assert response.status_code == 302 and "/teacher/" in response.headers["Location"]
    assert not WimsAccount.objects.filter(lms_user__lti11_user_id="prof-1").exists()
    assert not Lti11Outcome.objects.filter(lms_user__lti11_user_id="prof-1").exists()
    page = requests.get(live_server.url + response.headers["Location"], timeout=60)
    assert page.status_code == 200 and w.qclass_a in page.text


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_the_public_https_url_is_signed(live_server: Any, emu_world: LegacyWorld) -> None:
    w = emu_world
    internal = url(live_server, number=1)
    public = internal.replace("http://", "https://", 1)
    fields = signed(w, public, w.carol, resource_link_id="rl-canvas-sheet")
    response = requests.post(
        internal, data=fields, headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=60
    )
    assert response.status_code == 302, response.text[:1000]
    plain = signed(w, internal, w.carol, resource_link_id="rl-canvas-sheet")
    refused = requests.post(
        internal, data=plain, headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, timeout=60
    )
    assert refused.status_code == 401  # signed for http:// while the public URL is https://


def test_a_launch_that_is_not_a_form_post_is_refused(live_server: Any, emu_world: LegacyWorld) -> None:
    w = emu_world
    target = url(live_server, "lti11-launch")
    fields = signed(w, target, w.alice)
    multipart = requests.post(
        target, files={k: (None, v) for k, v in fields.items()}, allow_redirects=False, timeout=60
    )
    assert multipart.status_code == 401
    assert requests.get(target, timeout=60).status_code == 405
