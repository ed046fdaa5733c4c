"""The admin JSON API: every endpoint, scope and error (status discipline of INGInious's API)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from wims_lti.models import ActivitySync, ApiToken, SyncRun
from wims_lti.services.api_tokens import api_token_authenticate, api_token_create, api_token_hash

from .conftest import ApiClient, ApiData, token_row

pytestmark = pytest.mark.django_db


def body(response: Any) -> Any:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


# --- tokens -------------------------------------------------------------------------------------------


def test_token_is_stored_hashed_and_shown_once() -> None:
    token, raw = api_token_create(name="ci", scopes=["grades:read", "courses:read"])
    assert raw.startswith(f"wl_{token.prefix}_") and len(raw) > 40
    assert token.key_hash == api_token_hash(raw=raw)
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.scopes == ["courses:read", "grades:read"]  # canonical order
    with pytest.raises(ValueError, match="unknown scopes"):
        api_token_create(name="bad", scopes=["admin"])


def test_authenticate_refuses_revoked_expired_and_forged_tokens_and_records_use() -> None:
    token, raw = api_token_create(name="ci", scopes=["courses:read"])
    assert token.last_used_at is None
    assert api_token_authenticate(raw=raw) == token
    first_use = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first_use is not None
    assert api_token_authenticate(raw=raw + "x") is None
    assert api_token_authenticate(raw=f"wl_{token.prefix}_forged") is None
    assert api_token_authenticate(raw="") is None
    later = timezone.now() + dt.timedelta(minutes=5)
    api_token_authenticate(raw=raw, now=later)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == later
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_token_authenticate(raw=raw) is None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None, is_active=False)
    assert api_token_authenticate(raw=raw) is None


# --- auth_methods, authentication -------------------------------------------------------------------


def test_auth_methods_lists_the_token_method() -> None:
    methods = body(ApiClient(None).get("auth_methods"))
    assert [m["id"] for m in methods] == ["token"]
    assert methods[0]["input"] == [{"id": "token", "name": "API token", "type": "password"}]


def test_authentication_get_reports_the_bearer_token(token: str) -> None:
    assert body(ApiClient(None).get("authentication")) == {"authenticated": False}
    assert body(ApiClient("wl_nope_nope").get("authentication")) == {"authenticated": False}
    answer = body(ApiClient(token).get("authentication"))
    assert answer["authenticated"] is True
    assert answer["prefix"] == token_row(token).prefix
    assert answer["scopes"] == ["courses:read", "grades:read", "sync:write"]


def test_authentication_post_checks_a_token_as_json_or_form(token: str) -> None:
    anon = ApiClient(None)
    ok = anon.post("authentication", {"token": token}, content_type="application/json")
    assert ok.status_code == 200 and body(ok)["status"] == "success"
    assert anon.post("authentication", {"token": token}).status_code == 200  # form-encoded
    bad = anon.post("authentication", {"token": "wl_x_y"}, content_type="application/json")
    assert bad.status_code == 403 and body(bad)["status"] == "error"
    assert anon.post("authentication", {}, content_type="application/json").status_code == 400
    assert anon.post("authentication", "[1]", content_type="application/json").status_code == 400
    assert anon.post("authentication", "{not json", content_type="application/json").status_code == 400
    assert anon.post("authentication", {"token": 5}, content_type="application/json").status_code == 400
    assert not ok.cookies and "Set-Cookie" not in ok


# --- scopes and authentication on every protected endpoint ---------------------------------------------

PROTECTED = [
    ("get", "courses", "courses:read"),
    ("get", "courses/{id}", "courses:read"),
    ("get", "courses/{id}/activities", "courses:read"),
    ("get", "courses/{id}/grades", "grades:read"),
    ("post", "courses/{id}/sync", "sync:write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), PROTECTED)
def test_each_endpoint_requires_a_token_with_its_scope(
    api_data: ApiData, make_token: Callable[..., str], method: str, path: str, scope: str
) -> None:
    path = path.format(id=api_data.course.pk)
    for client in (ApiClient(None), ApiClient("wl_abcd_forged"), ApiClient("not-even-a-token")):
        refused = getattr(client, method)(path)
        assert refused.status_code == 403, path
        assert "authentication required" in body(refused)["message"]
    others = [s for s in ("courses:read", "grades:read", "sync:write") if s != scope]
    lacking = getattr(ApiClient(make_token(others)), method)(path)
    assert lacking.status_code == 403 and scope in body(lacking)["message"]
    expired = make_token([scope], expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert getattr(ApiClient(expired), method)(path).status_code == 403
    allowed = getattr(ApiClient(make_token([scope])), method)(path)
    assert allowed.status_code in (200, 202), allowed.content


def test_basic_or_malformed_authorization_headers_are_refused(api_data: ApiData, token: str) -> None:
    client = ApiClient(None)
    for header in (f"Basic {token}", f"Token {token}", "Bearer", "Bearer   "):
        client.headers = {"Authorization": header}
        assert client.get("courses").status_code == 403
    client.headers = {"Authorization": f"bearer {token}"}  # the scheme is case-insensitive
    assert client.get("courses").status_code == 200


# --- courses ----------------------------------------------------------------------------------------


def test_courses_lists_linked_courses_only_with_wims_and_sync_state(
    api: ApiClient, api_data: ApiData
) -> None:
    answer = body(api.get("courses"))
    assert list(answer) == [str(api_data.course.pk)]
    course = answer[str(api_data.course.pk)]
    assert course["title"] == "Algebra" and course["label"] == "ALG" and course["context_id"] == "ctx-1"
    assert course["wims"] == {"server": "wims1", "url": "http://127.0.0.1:9/wims/wims.cgi", "qclass": "9001"}
    assert course["platform"]["name"] == "Moodle"
    assert course["sync"]["last_run"] is None and course["sync"]["next_scheduled"]
    assert "supervisor_password" not in json.dumps(answer) and "abcd1234" not in json.dumps(answer)


def test_course_detail_and_unknown_ids(api: ApiClient, api_data: ApiData) -> None:
    run = SyncRun.objects.create(course=api_data.course, trigger="schedule", finished=timezone.now())
    ActivitySync.objects.create(run=run, link=api_data.sheet, status="done")
    answer = body(api.get(f"courses/{api_data.course.pk}"))
    last = answer[str(api_data.course.pk)]["sync"]["last_run"]
    assert last["id"] == run.pk and last["running"] is False and last["percent"] == 100
    assert last["statuses"] == ["done"]
    for missing in (api_data.unlinked.pk, 999999, 0, 10**30):
        for path in ("courses/{}", "courses/{}/activities", "courses/{}/grades"):
            response = api.get(path.format(missing))
            assert response.status_code == 404 and body(response)["status"] == "error"
        assert api.post(f"courses/{missing}/sync").status_code == 404


def test_activities_are_the_bound_sheets_and_exams(api: ApiClient, api_data: ApiData) -> None:
    answer = body(api.get(f"courses/{api_data.course.pk}/activities"))
    assert [(a["kind"], a["number"], a["title"]) for a in answer] == [
        ("exam", 1, "Exam 1"),
        ("sheet", 1, "Sheet 1"),
    ]
    assert answer[1]["line_item"] == "https://m.example/li/1"
    assert api_data.unbound.pk not in [a["id"] for a in answer]


# --- grades -----------------------------------------------------------------------------------------


def _grades(api: ApiClient, api_data: ApiData, **params: str) -> dict[str, Any]:
    response = api.get(f"courses/{api_data.course.pk}/grades", **params)
    assert response.status_code == 200, response.content
    return body(response)


def test_grades_come_from_the_ledger(api: ApiClient, api_data: ApiData) -> None:
    answer = _grades(api, api_data)
    assert answer["total"] == 3 and answer["offset"] == 0 and answer["limit"] == 1000
    alice_sheet = next(
        g for g in answer["grades"] if g["activity"] == api_data.sheet.pk and g["user"]["sub"] == "alice-sub"
    )
    assert alice_sheet["score_given"] == 8 and alice_sheet["score_maximum"] == 10
    assert alice_sheet["status"] == "sent" and alice_sheet["pending"] is False


def test_grades_filters_and_paging(api: ApiClient, api_data: ApiData) -> None:
    assert _grades(api, api_data, activity=str(api_data.exam.pk))["total"] == 1
    assert [g["user"]["sub"] for g in _grades(api, api_data, user="bob-sub")["grades"]] == ["bob-sub"]
    rejected = _grades(api, api_data, status="rejected")["grades"]
    assert [g["reason"] for g in rejected] == ["not a student"]
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    recent = _grades(api, api_data, since=since)
    assert recent["total"] == 2 and api_data.exam.pk not in [g["activity"] for g in recent["grades"]]
    assert _grades(api, api_data, since="2000-01-01T00:00:00")["total"] == 3  # naive: UTC
    page = _grades(api, api_data, limit="2", offset="2")
    assert page["total"] == 3 and len(page["grades"]) == 1
    assert _grades(api, api_data, user="nobody")["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"since": "yesterday"},
        {"since": "2024-13-45T00:00:00"},
        {"activity": "abc"},
        {"activity": "-1"},
        {"activity": "0"},
        {"limit": "0"},
        {"limit": "5001"},
        {"offset": "-3"},
        {"user": ""},
        {"colour": "blue"},
    ],
)
def test_bad_grade_filters_are_400(api: ApiClient, api_data: ApiData, params: dict[str, str]) -> None:
    response = api.get(f"courses/{api_data.course.pk}/grades", **params)
    assert response.status_code == 400
    assert body(response)["status"] == "error" and body(response)["message"]


# --- sync -------------------------------------------------------------------------------------------


def test_sync_starts_a_manual_run_and_returns_its_id(
    api: ApiClient, api_data: ApiData, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[int] = []
    with (
        mock.patch("wims_lti.services.grades.runs._default_enqueue", sent.append),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post(f"courses/{api_data.course.pk}/sync")
    assert response.status_code == 202
    answer = body(response)
    run = SyncRun.objects.get(pk=answer["run"])
    assert answer["status"] == "success" and answer["already_running"] is False
    assert run.trigger == SyncRun.Trigger.MANUAL and run.course == api_data.course
    assert sorted(run.activities.values_list("link_id", flat=True)) == sorted(
        [api_data.sheet.pk, api_data.exam.pk]
    )
    assert sorted(sent) == sorted(run.activities.values_list("pk", flat=True))
    again = body(api.post(f"courses/{api_data.course.pk}/sync"))
    assert again["run"] == run.pk and again["already_running"] is True
    assert SyncRun.objects.count() == 1


def test_sync_of_a_course_with_nothing_bound_is_400(api: ApiClient, api_data: ApiData) -> None:
    api_data.sheet.kind = api_data.exam.kind = ""
    api_data.sheet.save()
    api_data.exam.save()
    response = api.post(f"courses/{api_data.course.pk}/sync")
    assert response.status_code == 400 and "nothing to sync" in body(response)["message"]


def test_sync_needs_no_csrf_token_and_sets_no_cookie(api: ApiClient, api_data: ApiData) -> None:
    response = api.post(f"courses/{api_data.course.pk}/sync")  # the client enforces CSRF checks
    assert response.status_code == 202
    assert "Set-Cookie" not in response and not response.cookies


# --- errors -----------------------------------------------------------------------------------------


def test_wrong_method_is_405_json_with_allow(api: ApiClient, api_data: ApiData) -> None:
    response = api.get(f"courses/{api_data.course.pk}/sync")
    assert response.status_code == 405 and response["Allow"] == "POST" and body(response)["status"] == "error"
    assert api.post("courses").status_code == 405
    assert api.client.delete("/api/v0/courses", headers=api.headers).status_code == 405


def test_unknown_paths_are_json_404(api: ApiClient) -> None:
    for path in ("nope", "courses/abc", "courses/1/nothing", "v1/courses", "courses/%0A/grades", "a%0Ab"):
        response = api.get(path)
        assert response.status_code == 404 and body(response) == {
            "status": "error",
            "message": "no such endpoint",
        }


def test_server_errors_are_json_500_with_correlation_id_and_no_trace(
    api: ApiClient, api_data: ApiData, caplog: pytest.LogCaptureFixture
) -> None:
    with mock.patch("wims_lti.api.selectors.courses_linked", side_effect=RuntimeError("secret detail")):
        response = api.client.get("/api/v0/courses", headers={**api.headers, "X-Request-ID": "req-123456"})
    assert response.status_code == 500
    answer = body(response)
    assert answer == {"status": "error", "message": "internal server error", "correlation_id": "req-123456"}
    assert "secret detail" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert "secret detail" in caplog.text  # the trace goes to the log


def test_openapi_document_lists_every_endpoint(api: ApiClient) -> None:
    doc = body(ApiClient(None).get("openapi.json"))
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/auth_methods",
        "/authentication",
        "/courses",
        "/courses/{course_id}",
        "/courses/{course_id}/activities",
        "/courses/{course_id}/grades",
        "/courses/{course_id}/sync",
        "/openapi.json",
    }
    assert doc["servers"] == [{"url": "http://testserver/api/v0"}]
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
