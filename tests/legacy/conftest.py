"""The former LTI 1.1 gateway's database, built by the tests from the project's copy of its DDL, with
classes and users created for real on a WIMS target (emulator or real WIMS); LTI 1.1 launches signed the
way Moodle signs them (form POST, HMAC-SHA1, every `oauth_*` parameter in the body)."""

from __future__ import annotations

import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_TYPE_BODY, Client

from tests.fixtures.wims_servers import WimsTarget
from tests.grades.conftest import make_class
from wims_lti.models import (
    Course,
    LmsUser,
    Lti11Outcome,
    Platform,
    ResourceLink,
    WimsAccount,
    WimsServer,
)

SCHEMA = Path(__file__).parent / "data" / "legacy_gateway_schema.sql"
LEGACY_WIMS_ID = 3  # not 1: the launch URLs must use the old gateway's id, not ours


@dataclass
class Lms:
    id: int
    guid: str
    key: str
    secret: str
    name: str


@dataclass
class LegacyUser:
    lms: Lms
    user_id: str
    quser: str
    first: str
    last: str


@dataclass
class LegacyWorld:
    path: Path
    wims: WimsTarget
    lms_a: Lms
    lms_b: Lms
    context_a: str
    context_b: str
    qclass_a: str
    qclass_b: str
    alice: LegacyUser
    bob: LegacyUser
    carol: LegacyUser
    outcome_url: str
    rclass: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    def qclass_of(self, lms: Lms) -> str:
        return self.qclass_a if lms is self.lms_a else self.qclass_b


def build_legacy_world(
    path: Path,
    wims: WimsTarget,
    *,
    outcome_url: str = "https://moodle-a.example.edu/mod/lti/service.php",
    key_a: str = "moodle-a-key",
    secret_a: str = "moodleAsecret42",
    context_a: str = "course-algebra-7",
    alice_user_id: str = "1042",
) -> LegacyWorld:
    """Two LMSs (a Moodle and a Canvas), one WIMS server, one real class per LMS with a sheet and an
    exam, users added with adduser, the supervisor rows, sheet/exam links and 1.1 grade links."""
    client = wims.client()
    rclass = wims.rclass
    qclass_a = make_class(client, rclass, exam=True)
    qclass_b = make_class(client, rclass)
    lms_a = Lms(1, "moodle-a.example.edu", key_a, secret_a, "Moodle A")
    lms_b = Lms(2, "canvas-b.example.edu", "canvas-b-key", "canvasBsecret7", "Canvas B")
    tag = secrets.token_hex(2)
    alice = LegacyUser(lms_a, alice_user_id, f"alice{tag}", "Alice", "Martin")
    bob = LegacyUser(lms_a, "1043", f"bob{tag}x", "Bob", "Durand")
    carol = LegacyUser(lms_b, "canvas-user-77", f"carol{tag}", "Carol", "Petit")
    for user, qclass in ((alice, qclass_a), (bob, qclass_a), (carol, qclass_b)):
        client.adduser(
            qclass,
            rclass,
            user.quser,
            {"firstname": user.first, "lastname": user.last, "password": "pw123456"},
        )
    db = sqlite3.connect(path)
    with db:
        db.executescript(SCHEMA.read_text())
        db.executemany(
            "INSERT INTO lti_app_lms (id, guid, name, url, key, secret) VALUES (?, ?, ?, ?, ?, ?)",
            [(m.id, m.guid, m.name, f"https://{m.guid}/", m.key, m.secret) for m in (lms_a, lms_b)],
        )
        db.execute(
            "INSERT INTO lti_app_wims (id, name, url, class_limit, expiration, ident, passwd, rclass) "
            "VALUES (?, 'WIMS U', ?, 100, 31536000, ?, ?, ?)",
            (LEGACY_WIMS_ID, wims.url, wims.ident, wims.passwd, rclass),
        )
        db.executemany(
            "INSERT INTO lti_app_wims_allowed_lms (wims_id, lms_id) VALUES (?, ?)",
            [(LEGACY_WIMS_ID, 1), (LEGACY_WIMS_ID, 2)],
        )
        db.executemany(
            "INSERT INTO lti_app_wimsclass (id, lms_guid, qclass, name, lms_id, wims_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (10, context_a, qclass_a, "Algebra 1", 1, LEGACY_WIMS_ID),
                (11, "canvas-course-5", qclass_b, "Geometry", 2, LEGACY_WIMS_ID),
            ],
        )
        db.executemany(
            "INSERT INTO lti_app_wimsuser (id, lms_guid, quser, wclass_id) VALUES (?, ?, ?, ?)",
            [
                (20, None, "supervisor", 10),
                (21, alice.user_id, alice.quser, 10),
                (22, bob.user_id, bob.quser, 10),
                (23, None, "supervisor", 11),
                (24, carol.user_id, carol.quser, 11),
            ],
        )
        db.executemany(
            "INSERT INTO lti_app_wimssheet (id, lms_guid, qsheet, wclass_id) VALUES (?, ?, ?, ?)",
            [(30, "rl-sheet-1", "1", 10), (31, "rl-canvas-sheet", "1", 11), (32, "rl-unbound", None, 10)],
        )
        db.execute(
            "INSERT INTO lti_app_wimsexam (id, lms_guid, qexam, wclass_id) VALUES (40, 'rl-exam-1', '1', 10)"
        )
        db.executemany(
            "INSERT INTO lti_app_gradelinksheet (id, sourcedid, url, activity_id, lms_id, user_id) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (50, f"sid-alice-{tag}", outcome_url, 30, 1, 21),
                (51, f"sid-bob-{tag}", outcome_url, 30, 1, 22),
            ],
        )
        db.execute(
            "INSERT INTO lti_app_gradelinkexam (id, sourcedid, url, activity_id, lms_id, user_id) "
            "VALUES (60, ?, ?, 40, 1, 21)",
            (f"sid-alice-exam-{tag}", outcome_url),
        )
    db.close()
    return LegacyWorld(
        path, wims, lms_a, lms_b, context_a, "canvas-course-5", qclass_a, qclass_b, alice, bob, carol,
        outcome_url, rclass,
    )  # fmt: skip


def db_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the importer may write, with every column (timestamps included)."""
    snap: dict[str, list[tuple[Any, ...]]] = {}
    for model in (WimsServer, Platform, Course, LmsUser, WimsAccount, ResourceLink, Lti11Outcome):
        names = [f.attname for f in model._meta.concrete_fields]
        rows = []
        for obj in model.objects.order_by("pk"):
            rows.append(tuple(str(getattr(obj, n)) for n in names))
        snap[model.__name__] = rows
    return snap


@pytest.fixture
def legacy_world(tmp_path: Path, emulator_target: WimsTarget) -> LegacyWorld:
    return build_legacy_world(tmp_path / "gateway.sqlite3", emulator_target)


# --- LTI 1.1 launches, signed like Moodle's mod/lti ---------------------------------------------------


def launch_params(
    world: LegacyWorld,
    user: LegacyUser,
    *,
    resource_link_id: str = "rl-sheet-1",
    role: str = "Learner",
    **extra: str,
) -> dict[str, str]:
    lms = user.lms
    context = world.context_a if lms is world.lms_a else world.context_b
    params = {
        "lti_message_type": "basic-lti-launch-request",
        "lti_version": "LTI-1p0",
        "resource_link_id": resource_link_id,
        "resource_link_title": "Feuille 1",
        "context_id": context,
        "context_title": "Algèbre 1",
        "context_label": "ALG1",
        "user_id": user.user_id,
        "roles": role,
        "lis_person_name_given": user.first,
        "lis_person_name_family": user.last,
        "lis_person_contact_email_primary": f"{user.first.lower()}@example.edu",
        "launch_presentation_locale": "fr",
        "tool_consumer_instance_guid": lms.guid,
        "tool_consumer_info_product_family_code": "moodle",
        "ext_lms": "moodle-2",
    }
    params.update(extra)
    return params


def sign_launch(
    url: str, params: dict[str, str], *, key: str, secret: str, timestamp: str | None = None
) -> dict[str, str]:
    """The form fields Moodle posts: the launch parameters plus every oauth_* parameter (HMAC-SHA1)."""
    client = Client(
        key,
        client_secret=secret,
        signature_method=SIGNATURE_HMAC_SHA1,
        signature_type=SIGNATURE_TYPE_BODY,
        timestamp=timestamp,
        nonce=uuid.uuid4().hex,
    )
    _uri, _headers, body = client.sign(
        url,
        http_method="POST",
        body=urlencode(params),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    fields = dict(parse_qsl(body, keep_blank_values=True))
    assert fields["oauth_signature_method"] == "HMAC-SHA1" and "oauth_signature" in fields
    return fields


def post_launch(url: str, fields: dict[str, str]) -> requests.Response:
    return requests.post(url, data=fields, allow_redirects=False, timeout=200)


def stale() -> str:
    return str(int(time.time()) - 3600)
