"""API tokens are issued in the admin: the clear token is shown once, stored hashed, and works."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from wims_lti.models import ApiToken
from wims_lti.services.api_tokens import api_token_hash

pytestmark = pytest.mark.django_db


def test_admin_creates_a_token_shows_it_once_and_it_authenticates(admin_client: Client) -> None:
    page = admin_client.post(
        "/admin/wims_lti/apitoken/add/",
        {
            "name": "reporting",
            "scopes": ["grades:read", "courses:read"],
            "expires_at_0": "",
            "expires_at_1": "",
            "is_active": "on",
        },
    )
    assert page.status_code == 200, page.content[:2000]
    assert "no-store" in page["Cache-Control"]
    raw = re.search(r'id="api-token"[^>]*>(wl_[^<]+)<', page.content.decode()).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get()
    assert token.key_hash == api_token_hash(raw=raw)
    assert token.scopes == ["courses:read", "grades:read"]
    assert token.owner is not None and token.owner.username == "admin"
    # Never shown again: not in the change page nor the list.
    for url in ("/admin/wims_lti/apitoken/", f"/admin/wims_lti/apitoken/{token.pk}/change/"):
        assert raw not in admin_client.get(url).content.decode()
    api = Client()
    assert api.get("/api/v0/courses", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert api.post("/api/v0/courses/1/sync", headers={"Authorization": f"Bearer {raw}"}).status_code == 403


def test_admin_revokes_a_token(admin_client: Client) -> None:
    admin_client.post(
        "/admin/wims_lti/apitoken/add/", {"name": "x", "scopes": ["courses:read"], "is_active": "on"}
    )
    token = ApiToken.objects.get()
    assert token.is_active
    response = admin_client.post(
        f"/admin/wims_lti/apitoken/{token.pk}/change/", {"name": "x", "scopes": ["courses:read"]}
    )  # is_active unchecked
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.is_active is False and token.key_hash


def test_a_token_needs_a_scope(admin_client: Client) -> None:
    page = admin_client.post("/admin/wims_lti/apitoken/add/", {"name": "none"})
    assert page.status_code == 200 and not ApiToken.objects.exists()
