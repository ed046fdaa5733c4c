"""Migration 0005 (progress, heartbeats): scores sent before it were all posted as "Completed", so the
ledger says so — the first sync after the upgrade must not post every score again. Runs on SQLite and,
in the PostgreSQL pass, on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("wims_lti", "0004_tenancy_identity")]
AFTER = [("wims_lti", "0005_grades_progress_heartbeats")]


@pytest.mark.django_db(transaction=True)
def test_sent_scores_are_marked_completed_and_the_migration_reverses() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    server = apps.get_model("wims_lti", "WimsServer").objects.create(
        name="w", url="http://127.0.0.1:9/wims/wims.cgi", ident="lti", passwd="x", rclass="r"
    )
    platform = apps.get_model("wims_lti", "Platform").objects.create(
        name="P", issuer="https://lms.example", client_id="c1", default_wims_server=server
    )
    course = apps.get_model("wims_lti", "Course").objects.create(platform=platform, context_id="ctx")
    link = apps.get_model("wims_lti", "ResourceLink").objects.create(
        course=course, resource_link_id="rl1", kind="sheet", number=1
    )
    item = apps.get_model("wims_lti", "GradeLineItem").objects.create(
        link=link, url="https://lms.example/li/1", origin="declared"
    )
    user_model = apps.get_model("wims_lti", "LmsUser")
    ledger = apps.get_model("wims_lti", "ScoreLedger")
    for sub, status in (("a", "sent"), ("b", "superseded"), ("c", "rejected")):
        user = user_model.objects.create(platform=platform, sub=sub)
        ledger.objects.create(line_item=item, lms_user=user, status=status, score_given=5, score_maximum=10)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    progress = dict(
        apps.get_model("wims_lti", "ScoreLedger").objects.values_list("lms_user__sub", "activity_progress")
    )
    assert progress == {"a": "Completed", "b": "Completed", "c": ""}
    sync = apps.get_model("wims_lti", "ActivitySync")
    assert {f.name for f in sync._meta.get_fields()} >= {"heartbeat", "worker", "error_counts"}

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # reversible
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
