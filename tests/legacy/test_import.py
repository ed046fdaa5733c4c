"""`manage.py import_legacy_gateway`: the old gateway's SQLite → platforms, servers, courses, users,
links and outcome targets; every class number and WIMS login kept; dry run and re-runs write nothing."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.legacy.conftest import LEGACY_WIMS_ID, LegacyWorld, db_snapshot
from wims_lti.models import Course, LmsUser, Lti11Outcome, Platform, ResourceLink, WimsAccount, WimsServer
from wims_lti.services.legacy_import import legacy_gateway_import

pytestmark = pytest.mark.django_db


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_legacy_gateway", str(path), *args, stdout=out, stderr=out)
    return out.getvalue()


def test_dry_run_lists_the_changes_and_writes_nothing(legacy_world: LegacyWorld) -> None:
    before = db_snapshot()
    output = run(legacy_world.path, "--dry-run")
    assert db_snapshot() == before
    assert "Dry run: nothing was written" in output
    assert "platform created: 2" in output and "WIMS account created: 3" in output
    assert f"would be created course: class {legacy_world.qclass_a}" in output
    assert f"would be created WIMS server: legacy-{LEGACY_WIMS_ID}" in output
    assert "supervisor rows (not users): 2" in output


def test_import_keeps_every_class_number_and_login(legacy_world: LegacyWorld) -> None:
    w = legacy_world
    output = run(w.path)
    assert "Imported:" in output
    server = WimsServer.objects.get(name=f"legacy-{LEGACY_WIMS_ID}")
    assert (server.url, server.ident, server.passwd, server.rclass) == (
        w.wims.url,
        w.wims.ident,
        w.wims.passwd,
        w.rclass,
    )
    platform_a = Platform.objects.get(lti11_consumer_key=w.lms_a.key)
    assert (platform_a.issuer, platform_a.client_id) == ("lti11:moodle-a.example.edu", w.lms_a.key)
    assert platform_a.lti11_secret == w.lms_a.secret and platform_a.default_wims_server == server
    assert Platform.objects.count() == 2
    course_a = Course.objects.get(platform=platform_a, context_id=w.context_a)
    assert (course_a.wims_server, course_a.qclass, course_a.rclass, course_a.is_linked) == (
        server,
        w.qclass_a,
        w.rclass,
        True,
    )
    assert Course.objects.get(context_id=w.context_b).qclass == w.qclass_b
    logins = {(a.lms_user.lti11_user_id, a.quser, a.course.qclass) for a in WimsAccount.objects.all()}
    assert logins == {
        (w.alice.user_id, w.alice.quser, w.qclass_a),
        (w.bob.user_id, w.bob.quser, w.qclass_a),
        (w.carol.user_id, w.carol.quser, w.qclass_b),
    }
    assert not WimsAccount.objects.filter(quser="supervisor").exists()  # the supervisor is not a user
    alice = LmsUser.objects.get(platform=platform_a, lti11_user_id=w.alice.user_id)
    assert alice.sub == f"lti11:{w.alice.user_id}"
    links = {(r.resource_link_id, r.kind, r.number) for r in ResourceLink.objects.filter(course=course_a)}
    assert links == {("rl-sheet-1", "sheet", 1), ("rl-exam-1", "exam", 1), ("rl-unbound", "", None)}
    outcomes = {
        (o.lms_user.lti11_user_id, o.resource_link.resource_link_id) for o in Lti11Outcome.objects.all()
    }
    assert outcomes == {
        (w.alice.user_id, "rl-sheet-1"),
        (w.bob.user_id, "rl-sheet-1"),
        (w.alice.user_id, "rl-exam-1"),
    }
    assert all(o.service_url == w.outcome_url for o in Lti11Outcome.objects.all())


def test_second_run_changes_nothing(legacy_world: LegacyWorld) -> None:
    run(legacy_world.path)
    first = db_snapshot()
    output = run(legacy_world.path)
    assert db_snapshot() == first  # same rows, same values, same modification times
    assert "Nothing to change" in output and "created" not in output.replace("unchanged", "")
    report = legacy_gateway_import(path=legacy_world.path, dry_run=True)
    assert report.changed == 0 and not report.conflicts


def test_a_changed_secret_is_updated_and_a_conflicting_login_is_reported(legacy_world: LegacyWorld) -> None:
    w = legacy_world
    run(w.path)
    with sqlite3.connect(w.path) as db:
        db.execute("UPDATE lti_app_lms SET secret = 'rotated99' WHERE id = 1")
        db.execute("UPDATE lti_app_wimsuser SET quser = 'someoneelse' WHERE id = 22")
    output = run(w.path)
    assert Platform.objects.get(lti11_consumer_key=w.lms_a.key).lti11_secret == "rotated99"
    assert "updated platform" in output
    assert f"user {w.bob.user_id!r} already has login {w.bob.quser}" in output
    assert WimsAccount.objects.get(lms_user__lti11_user_id=w.bob.user_id).quser == w.bob.quser


def test_files_that_are_not_the_gateways_database_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 200)
    with pytest.raises(CommandError, match="not an SQLite database"):
        run(text)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE lti_app_lms (id integer)")
    with pytest.raises(CommandError, match=r"not the LTI 1\.1 WIMS gateway's database"):
        run(other)
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "missing.sqlite3")
    assert Platform.objects.count() == 0
