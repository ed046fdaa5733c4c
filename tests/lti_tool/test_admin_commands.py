"""Admin CLI: wims_server and lti_register, and the pages an LMS administrator reads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.models import Deployment, Platform, WimsServer

pytestmark = pytest.mark.django_db


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_wims_server_add_check_list_remove(emulator_target: WimsTarget, capsys) -> None:
    call_command(
        "wims_server",
        "add",
        "--name",
        "main",
        "--url",
        emulator_target.url,
        "--ident",
        emulator_target.ident,
        "--passwd",
        emulator_target.passwd,
        "--check",
    )
    out = capsys.readouterr().out
    assert "Connection accepted" in out and emulator_target.passwd not in out
    with connection.cursor() as cursor:
        cursor.execute("SELECT passwd FROM wims_lti_wimsserver")
        assert emulator_target.passwd not in cursor.fetchone()[0]  # encrypted at rest
    call_command("wims_server", "list")
    assert _json(capsys)[0]["name"] == "main"
    call_command("wims_server", "remove", "--name", "main")
    assert not WimsServer.objects.exists()


def test_wims_server_check_fails_clearly_on_a_wrong_password(emulator_target: WimsTarget) -> None:
    call_command(
        "wims_server",
        "add",
        "--name",
        "bad",
        "--url",
        emulator_target.url,
        "--ident",
        emulator_target.ident,
        "--passwd",
        "wrongpassword1",
    )
    with pytest.raises(CommandError, match="Identification Failure"):
        call_command("wims_server", "check", "--name", "bad")


def test_wims_server_refuses_a_non_alphanumeric_password() -> None:
    with pytest.raises(CommandError, match="letters and digits"):
        call_command(
            "wims_server",
            "add",
            "--name",
            "x",
            "--url",
            "http://127.0.0.1:1/wims/wims.cgi",
            "--ident",
            "lti",
            "--passwd",
            "not-alnum!",
        )


def test_lti_register_prints_the_tool_urls(emulator_target: WimsTarget, capsys) -> None:
    call_command(
        "wims_server",
        "add",
        "--name",
        "main",
        "--url",
        emulator_target.url,
        "--ident",
        "lti",
        "--passwd",
        emulator_target.passwd,
    )
    capsys.readouterr()
    args = [
        "--issuer",
        "https://moodle.example.edu",
        "--client-id",
        "abc123",
        "--auth-login-url",
        "https://moodle.example.edu/mod/lti/auth.php",
        "--auth-token-url",
        "https://moodle.example.edu/mod/lti/token.php",
        "--keyset-url",
        "https://moodle.example.edu/mod/lti/certs.php",
        "--deployment",
        "1",
        "--deployment",
        "2",
        "--wims-server",
        "main",
        "--base-url",
        "https://wims-lti.example.edu",
    ]
    call_command("lti_register", *args)
    out = _json(capsys)
    platform = Platform.objects.get()
    assert out["registration"] == str(platform.uuid)
    assert out["initiate_login_url"] == f"https://wims-lti.example.edu/lti/{platform.uuid}/login/"
    assert (
        out["redirect_uris"] == out["tool_url"] == f"https://wims-lti.example.edu/lti/{platform.uuid}/launch/"
    )
    assert out["public_keyset_url"] == "https://wims-lti.example.edu/lti/jwks/"
    assert set(Deployment.objects.values_list("deployment_id", "status")) == {
        ("1", "accepted"),
        ("2", "accepted"),
    }
    # Re-running updates the same registration (issuer, client_id) instead of duplicating it.
    call_command("lti_register", *args, "--deployment", "3")
    assert Platform.objects.count() == 1 and Deployment.objects.count() == 3


def test_lti_register_with_an_unknown_server_fails() -> None:
    with pytest.raises(CommandError, match="No WIMS server named"):
        call_command(
            "lti_register",
            "--issuer",
            "i",
            "--client-id",
            "c",
            "--auth-login-url",
            "https://a/b",
            "--auth-token-url",
            "https://a/c",
            "--keyset-url",
            "https://a/d",
            "--wims-server",
            "nope",
        )


def test_jwks_is_public_and_lists_the_keys(client: Client) -> None:
    call_command("lti_keys", "init")
    call_command("lti_keys", "rotate")
    body = client.get("/lti/jwks/").json()
    assert len(body["keys"]) == 2 and all(k["alg"] == "RS256" and k["use"] == "sig" for k in body["keys"])
    assert all("d" not in k for k in body["keys"])  # never a private part


def test_config_page_and_canvas_json_are_for_staff_only(
    client: Client, admin_client: Client, emulator_target: WimsTarget
) -> None:
    server = WimsServer.objects.create(name="m", url=emulator_target.url, ident="lti", passwd="abcd1234")
    platform = Platform.objects.create(
        name="Moodle",
        issuer="https://m.example",
        client_id="c1",
        auth_login_url="https://m.example/auth",
        auth_token_url="https://m.example/t",
        keyset_url="https://m.example/k",
        default_wims_server=server,
    )
    url = f"/lti/{platform.uuid}/config/"
    assert client.get(url).status_code == 302  # to the admin login
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f"http://testserver/lti/{platform.uuid}/login/" in html
    assert "http://testserver/lti/jwks/" in html and "Keyset URL" in html
    canvas = admin_client.get(f"/lti/{platform.uuid}/canvas.json").json()
    assert canvas["oidc_initiation_url"] == f"http://testserver/lti/{platform.uuid}/login/"
    assert canvas["public_jwk_url"] == "http://testserver/lti/jwks/"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in canvas["scopes"]
    assert "abcd1234" not in html


@pytest.mark.real_wims
def test_manage_wims_checkident_against_the_real_server(real_wims: WimsTarget) -> None:
    """The issue's done-when: `manage.py wims … checkident` answers OK against the real server."""
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "wims",
            "--url",
            real_wims.url,
            "--ident",
            real_wims.ident,
            "checkident",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "WIMS_PASSWD": real_wims.passwd},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "OK"
