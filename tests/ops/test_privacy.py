"""forget_user (command, service, admin action) and the retention purge (command, beat task)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.models import (
    ActivitySync,
    Course,
    GradeLineItem,
    LmsUser,
    Platform,
    ResourceLink,
    ScoreLedger,
    SupervisorEntry,
    SyncRun,
    WimsAccount,
    WimsServer,
)
from wims_lti.services.privacy import FORGOTTEN_PREFIX, housekeeping_purge, lms_user_forget
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsError, WimsUserNotFound

pytestmark = pytest.mark.django_db


@dataclass
class World:
    platform: Platform
    course: Course
    user: LmsUser
    other: LmsUser
    client: WimsClient
    run: SyncRun
    act: ActivitySync


def _add_wims_user(client: WimsClient, course: Course, user: LmsUser) -> WimsAccount:
    quser = "u" + secrets.token_hex(4)
    client.adduser(
        course.qclass,
        course.rclass,
        quser,
        {"firstname": user.given_name, "lastname": "X", "password": "pw123456"},
    )
    return WimsAccount.objects.create(
        course=course, lms_user=user, quser=quser, synced_firstname=user.given_name
    )


@pytest.fixture
def world(emulator_target: WimsTarget) -> World:
    client = emulator_target.client()
    rclass = emulator_target.rclass
    qclass = client.addclass(
        rclass,
        {"description": "Privacy", "institution": "Test U", "supervisor": "Sue Pervisor",
         "email": "s@example.com", "password": "classpw1", "lang": "en"},
        {"lastname": "Pervisor", "firstname": "Sue", "password": "suppw123"},
    ).class_id  # fmt: skip
    server = WimsServer.objects.create(
        name="emu", url=emulator_target.url, ident=emulator_target.ident, passwd=emulator_target.passwd
    )
    platform = Platform.objects.create(
        name="Moodle", issuer="https://m.example", client_id="c1", auth_login_url="https://m.example/a",
        auth_token_url="https://m.example/t", keyset_url="https://m.example/k", default_wims_server=server,
    )  # fmt: skip
    course = Course.objects.create(
        platform=platform, context_id="ctx", title="C", wims_server=server, qclass=str(qclass), rclass=rclass
    )
    user = LmsUser.objects.create(
        platform=platform, sub="alice-sub", given_name="Alice", family_name="Liddell", email="a@example.com",
        lti11_user_id="1-1",
    )  # fmt: skip
    other = LmsUser.objects.create(platform=platform, sub="bob-sub", given_name="Bob")
    _add_wims_user(client, course, user)
    _add_wims_user(client, course, other)
    link = ResourceLink.objects.create(course=course, resource_link_id="rl", kind="sheet", number=1)
    item = GradeLineItem.objects.create(link=link, url="https://m.example/li", origin="declared")
    ScoreLedger.objects.create(line_item=item, lms_user=user, status="sent", score_given=7, score_maximum=10)
    SupervisorEntry.objects.create(course=course, lms_user=user, ip="192.0.2.7")
    run = SyncRun.objects.create(
        course=course, trigger="manual", roster=["alice-sub", "bob-sub"], requested_by=user
    )
    act = ActivitySync.objects.create(
        run=run, link=link, status="partial",
        errors=[{"user": "Alice Liddell", "sub": "alice-sub", "kind": "other", "reason": "x"},
                {"user": "Bob", "sub": "bob-sub", "kind": "other", "reason": "y"}],
    )  # fmt: skip
    return World(platform, course, user, other, client, run, act)


def _in_wims(world: World, quser: str) -> bool:
    try:
        world.client.getuser(world.course.qclass, world.course.rclass, quser)
    except WimsUserNotFound:
        return False
    return True


def test_anonymise_removes_identity_and_keeps_scores_under_a_pseudonym(world: World) -> None:
    quser = world.user.wims_accounts.get().quser
    report = lms_user_forget(user=world.user, mode="anonymise")
    assert report.ok and report.supervisor_entries == 1 and report.sync_records_scrubbed == 2
    user = LmsUser.objects.get(pk=world.user.pk)
    assert user.sub.startswith(FORGOTTEN_PREFIX) and user.sub != "alice-sub"
    assert (user.given_name, user.family_name, user.email, user.lti11_user_id) == ("", "", "", "")
    assert ScoreLedger.objects.get(lms_user=user).score_given == 7  # kept, pseudonymous
    assert SupervisorEntry.objects.get(lms_user=user).ip is None
    assert not WimsAccount.objects.filter(lms_user=user).exists()
    world.run.refresh_from_db()
    world.act.refresh_from_db()
    assert (
        "alice-sub" not in world.run.roster and user.sub in world.run.roster and "bob-sub" in world.run.roster
    )
    assert "Alice" not in str(world.act.errors) and "alice-sub" not in str(world.act.errors)
    assert "bob-sub" in str(world.act.errors)
    assert _in_wims(world, quser)  # not asked to touch WIMS
    assert LmsUser.objects.get(pk=world.other.pk).sub == "bob-sub"


def test_delete_in_wims_removes_everything_including_the_wims_account(world: World) -> None:
    quser = world.user.wims_accounts.get().quser
    other_quser = world.other.wims_accounts.get().quser
    report = lms_user_forget(user=world.user, mode="delete", in_wims=True)
    assert report.ok and report.wims_deleted == [f"emu/{world.course.qclass}/{quser}"]
    assert not LmsUser.objects.filter(pk=world.user.pk).exists()
    assert not ScoreLedger.objects.exists() and not SupervisorEntry.objects.exists()
    assert SyncRun.objects.get().requested_by is None
    world.act.refresh_from_db()
    assert [e["sub"] for e in world.act.errors] == ["bob-sub"]
    assert not _in_wims(world, quser)  # deleted from the class and from its trash
    assert _in_wims(world, other_quser)
    with pytest.raises(WimsError, match="no deleted user"):  # not in the trash either
        world.client.call(
            "recuser", {"qclass": world.course.qclass, "rclass": world.course.rclass, "quser": quser}
        )


def test_a_wims_failure_changes_nothing_so_a_rerun_can_finish(world: World) -> None:
    WimsServer.objects.filter(pk=world.course.wims_server_id).update(url="http://127.0.0.1:1/wims.cgi")
    from wims_lti.services import servers

    servers._clients.clear()
    user = LmsUser.objects.get(pk=world.user.pk)
    report = lms_user_forget(user=user, mode="anonymise", in_wims=True)
    assert not report.ok and report.wims_errors
    user.refresh_from_db()
    assert user.sub == "alice-sub" and user.given_name == "Alice" and user.wims_accounts.exists()
    servers._clients.clear()


def test_forget_user_command(world: World) -> None:
    out = StringIO()
    call_command(
        "forget_user",
        "--platform",
        str(world.platform.uuid),
        "--sub",
        "alice-sub",
        "--delete",
        "--in-wims",
        stdout=out,
    )
    assert "User deleted" in out.getvalue() and "WIMS account deleted" in out.getvalue()
    assert not LmsUser.objects.filter(sub="alice-sub").exists()
    with pytest.raises(CommandError, match="No such user"):
        call_command("forget_user", "--platform", str(world.platform.uuid), "--sub", "alice-sub")
    with pytest.raises(CommandError, match="No platform"):
        call_command("forget_user", "--platform", "not-a-uuid", "--sub", "bob-sub")
    call_command("forget_user", "--platform", str(world.platform.uuid), "--sub", "bob-sub", stdout=StringIO())
    assert LmsUser.objects.get(pk=world.other.pk).sub.startswith(FORGOTTEN_PREFIX)  # anonymise by default
    with pytest.raises(CommandError):
        call_command(
            "forget_user", "--platform", str(world.platform.uuid), "--sub", "x", "--delete", "--anonymise"
        )


def test_admin_action_confirms_then_forgets(world: World, admin_client: Client) -> None:
    url = "/admin/wims_lti/lmsuser/"
    page = admin_client.post(url, {"action": "forget_lms_users", "_selected_action": [world.user.pk]})
    assert page.status_code == 200 and "Alice" in page.content.decode()
    assert LmsUser.objects.get(pk=world.user.pk).sub == "alice-sub"  # nothing yet
    done = admin_client.post(
        url,
        {
            "action": "forget_lms_users",
            "_selected_action": [world.user.pk],
            "mode": "anonymise",
            "in_wims": "1",
            "confirm": "yes",
        },
    )
    assert done.status_code == 302
    user = LmsUser.objects.get(pk=world.user.pk)
    assert user.sub.startswith(FORGOTTEN_PREFIX) and not user.wims_accounts.exists()


# --- purge -------------------------------------------------------------------------------------------


def test_purge_deletes_what_is_past_retention(world: World, settings: Any) -> None:
    settings.SYNC_RUN_RETENTION_DAYS = 30
    settings.SUPERVISOR_LOG_RETENTION_DAYS = 10
    old = timezone.now() - dt.timedelta(days=31)
    SyncRun.objects.filter(pk=world.run.pk).update(created=old)
    fresh = SyncRun.objects.create(course=world.course, trigger="schedule")
    SupervisorEntry.objects.update(created=timezone.now() - dt.timedelta(days=11))
    recent = SupervisorEntry.objects.create(course=world.course, lms_user=world.other)
    assert housekeeping_purge(dry_run=True).sync_runs == 1
    assert SyncRun.objects.count() == 2
    out = StringIO()
    call_command("purge", stdout=out)
    assert "deleted 1 sync runs" in out.getvalue() and "1 supervisor entries" in out.getvalue()
    assert list(SyncRun.objects.all()) == [fresh] and not ActivitySync.objects.exists()
    assert list(SupervisorEntry.objects.all()) == [recent]
    settings.SYNC_RUN_RETENTION_DAYS = 0  # keep forever
    SyncRun.objects.update(created=old)
    assert housekeeping_purge().sync_runs == 0 and SyncRun.objects.exists()


def test_purge_is_scheduled_daily_by_beat(settings: Any) -> None:
    from wims_lti.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["housekeeping-purge"]
    assert entry["task"] == "wims_lti.tasks.housekeeping_purge" and entry["schedule"] == 24 * 3600
    assert "wims_lti.tasks.housekeeping_purge" in app.tasks
    assert app.tasks["wims_lti.tasks.housekeeping_purge"].apply().get() == {
        "sync_runs": 0,
        "supervisor_entries": 0,
    }
