"""Issue 16, hole 5: migration 0004 on a database filled the old way (courses per registration, users per
registration). Nothing is lost: class links, WIMS accounts (same logins), score ledger rows. Registrations of
one issuer and keyset share a tenant unless their old rows clash. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from wims_lti.lti.identity import wims_login_for

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("wims_lti", "0003_platforms_lti11_api_tokens")]
NEW = [("wims_lti", "0004_tenancy_identity")]


def _migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.fixture
def old_apps() -> Iterator[Any]:
    apps = _migrate(OLD)
    yield apps
    _migrate(executor_leaf())


def executor_leaf() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes("wims_lti")


def _fill(apps: Any) -> dict[str, Any]:
    Server = apps.get_model("wims_lti", "WimsServer")
    Platform = apps.get_model("wims_lti", "Platform")
    Deployment = apps.get_model("wims_lti", "Deployment")
    Course = apps.get_model("wims_lti", "Course")
    LmsUser = apps.get_model("wims_lti", "LmsUser")
    Account = apps.get_model("wims_lti", "WimsAccount")
    Link = apps.get_model("wims_lti", "ResourceLink")
    Item = apps.get_model("wims_lti", "GradeLineItem")
    Ledger = apps.get_model("wims_lti", "ScoreLedger")
    server = Server.objects.create(name="main", url="http://127.0.0.1:1/wims.cgi", ident="lti", passwd="x1")
    common = {"auth_login_url": "https://edx.example/auth", "auth_token_url": "https://edx.example/token"}
    # Open edX: two blocks (client ids) of one issuer and keyset, one deployment; the old code made two
    # courses of one context only when both were launched — here block 2 has another context.
    block1 = Platform.objects.create(
        name="edX 1", issuer="https://edx.example", client_id="b1", keyset_url="https://edx.example/jwks",
        default_wims_server=server, **common,
    )  # fmt: skip
    block2 = Platform.objects.create(
        name="edX 2", issuer="https://edx.example", client_id="b2", keyset_url="https://edx.example/jwks",
        default_wims_server=server, **common,
    )  # fmt: skip
    # A third block whose old rows clash with block 1's (same context, same sub): kept apart.
    block3 = Platform.objects.create(
        name="edX 3", issuer="https://edx.example", client_id="b3", keyset_url="https://edx.example/jwks",
        default_wims_server=server, **common,
    )  # fmt: skip
    # Moodle with two deployments: its course's deployment is unknown.
    moodle = Platform.objects.create(
        name="Moodle", issuer="https://moodle.example", client_id="m1", keyset_url="https://moodle.example/jwks",
        default_wims_server=server, **common,
    )  # fmt: skip
    for platform, deployments in ((block1, ["d"]), (block2, ["d"]), (block3, ["d"]), (moodle, ["1", "2"])):
        for deployment_id in deployments:
            Deployment.objects.create(platform=platform, deployment_id=deployment_id, status="accepted")
    rows: dict[str, Any] = {"platforms": (block1, block2, block3, moodle)}
    for n, (platform, context, sub) in enumerate(
        (
            (block1, "ctx-1", "alice"),
            (block2, "ctx-2", "bob"),
            (block3, "ctx-1", "alice"),
            (moodle, "c9", "carol"),
        )
    ):
        course = Course.objects.create(
            platform=platform, context_id=context, wims_server=server, qclass=str(1000 + n), rclass="r"
        )
        user = LmsUser.objects.create(platform=platform, sub=sub)
        login = wims_login_for(issuer=platform.issuer, client_id=platform.client_id, sub=sub)
        Account.objects.create(course=course, lms_user=user, quser=login)
        link = Link.objects.create(course=course, resource_link_id=f"rl-{n}", kind="sheet", number=1)
        item = Item.objects.create(link=link, url=f"https://lms.example/li/{n}", origin="declared")
        Ledger.objects.create(line_item=item, lms_user=user, status="sent", score_given=7, score_maximum=10)
        rows[f"course{n}"], rows[f"user{n}"], rows[f"login{n}"] = course.pk, user.pk, login
    return rows


def test_migration_keeps_every_link_account_and_ledger_row(old_apps: Any) -> None:
    rows = _fill(old_apps)
    apps = _migrate(NEW)
    Platform = apps.get_model("wims_lti", "Platform")
    Course = apps.get_model("wims_lti", "Course")
    LmsUser = apps.get_model("wims_lti", "LmsUser")
    Account = apps.get_model("wims_lti", "WimsAccount")
    Ledger = apps.get_model("wims_lti", "ScoreLedger")
    Link = apps.get_model("wims_lti", "ResourceLink")
    block1, block2, block3, moodle = (Platform.objects.get(pk=p.pk) for p in rows["platforms"])
    # Same issuer and keys: one tenant; the clashing block stays apart; Moodle has its own.
    assert block1.tenant_id == block2.tenant_id
    assert block3.tenant_id not in (block1.tenant_id, moodle.tenant_id)
    assert len({block1.tenant_id, block3.tenant_id, moodle.tenant_id}) == 3
    for n in range(4):
        course = Course.objects.get(pk=rows[f"course{n}"])
        user = LmsUser.objects.get(pk=rows[f"user{n}"])
        assert course.qclass == str(1000 + n) and course.tenant_id == course.platform.tenant_id
        assert user.tenant_id == user.platform.tenant_id
        assert user.wims_login == rows[f"login{n}"]  # the login WIMS knows, kept
        assert Account.objects.get(course=course).quser == rows[f"login{n}"]
        assert Ledger.objects.filter(lms_user=user, score_given=7).count() == 1
        assert Link.objects.get(course=course).platform_id == course.platform_id
    assert Course.objects.get(pk=rows["course0"]).deployment_id == "d"
    assert Course.objects.get(pk=rows["course3"]).deployment_id == ""  # two deployments: unknown
    assert Account.objects.count() == Ledger.objects.count() == 4
    # And back: the old keys hold again (the data migration is reversible).
    apps = _migrate(OLD)
    assert apps.get_model("wims_lti", "Course").objects.count() == 4
    assert apps.get_model("wims_lti", "WimsAccount").objects.count() == 4
