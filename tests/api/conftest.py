"""API fixtures: a linked course with two bound activities and ledger scores, an unlinked course, tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from wims_lti.models import (
    ApiToken,
    Course,
    GradeLineItem,
    LmsUser,
    Platform,
    ResourceLink,
    ScoreLedger,
    WimsServer,
)
from wims_lti.services.api_tokens import api_token_create

ALL_SCOPES = ["courses:read", "grades:read", "sync:write"]


@dataclass
class ApiData:
    course: Course
    unlinked: Course
    sheet: ResourceLink
    exam: ResourceLink
    unbound: ResourceLink
    alice: LmsUser
    bob: LmsUser
    old_entry: ScoreLedger


@pytest.fixture
def api_data(db: None) -> ApiData:
    server = WimsServer.objects.create(
        name="wims1", url="http://127.0.0.1:9/wims/wims.cgi", ident="lti", passwd="abcd1234"
    )
    platform = Platform.objects.create(
        name="Moodle",
        issuer="https://m.example",
        client_id="c1",
        auth_login_url="https://m.example/auth",
        auth_token_url="https://m.example/t",
        keyset_url="https://m.example/k",
        default_wims_server=server,
    )
    course = Course.objects.create(
        platform=platform,
        context_id="ctx-1",
        title="Algebra",
        label="ALG",
        wims_server=server,
        qclass="9001",
        linked_at=timezone.now(),
    )
    unlinked = Course.objects.create(platform=platform, context_id="ctx-2", title="Not linked")
    sheet = ResourceLink.objects.create(
        course=course, resource_link_id="rl-1", title="Sheet 1", kind="sheet", number=1
    )
    exam = ResourceLink.objects.create(
        course=course, resource_link_id="rl-2", title="Exam 1", kind="exam", number=1
    )
    unbound = ResourceLink.objects.create(course=course, resource_link_id="rl-3", title="Home")
    ResourceLink.objects.create(
        course=unlinked, resource_link_id="rl-x", title="Elsewhere", kind="sheet", number=1
    )
    sheet_item = GradeLineItem.objects.create(link=sheet, url="https://m.example/li/1", origin="declared")
    exam_item = GradeLineItem.objects.create(link=exam, url="https://m.example/li/2", origin="created")
    alice = LmsUser.objects.create(platform=platform, sub="alice-sub", given_name="Alice", family_name="A")
    bob = LmsUser.objects.create(platform=platform, sub="bob-sub", given_name="Bob", family_name="B")
    now = timezone.now()
    ScoreLedger.objects.create(
        line_item=sheet_item, lms_user=alice, status="sent", score_given=8, score_maximum=10, timestamp=now
    )
    ScoreLedger.objects.create(
        line_item=sheet_item,
        lms_user=bob,
        status="rejected",
        score_given=3,
        score_maximum=10,
        reason="not a student",
    )
    old_entry = ScoreLedger.objects.create(
        line_item=exam_item,
        lms_user=alice,
        status="superseded",
        score_given=5,
        score_maximum=10,
        timestamp=now,
    )
    ScoreLedger.objects.filter(pk=old_entry.pk).update(modified=now - dt.timedelta(days=3))
    return ApiData(course, unlinked, sheet, exam, unbound, alice, bob, old_entry)


@pytest.fixture
def make_token(db: None) -> Callable[..., str]:
    def make(scopes: list[str] | None = None, **kw: object) -> str:
        _token, raw = api_token_create(name="test", scopes=ALL_SCOPES if scopes is None else scopes, **kw)
        return raw

    return make


@pytest.fixture
def token(make_token: Callable[..., str]) -> str:
    return make_token()


class ApiClient:
    """A Django test client sending the bearer token; never keeps cookies."""

    def __init__(self, raw: str | None) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def get(self, path: str, **params: str) -> object:
        return self.client.get(f"/api/v0/{path}", params, headers=self.headers)

    def post(self, path: str, data: object = None, **kw: object) -> object:
        return self.client.post(f"/api/v0/{path}", data, headers=self.headers, **kw)


@pytest.fixture
def api(token: str) -> ApiClient:
    return ApiClient(token)


def token_row(raw: str) -> ApiToken:
    return ApiToken.objects.get(prefix=raw.split("_")[1])
