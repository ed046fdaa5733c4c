"""LTI Dynamic Registration against a platform on loopback that answers like Moodle 4.1+."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.lti.dynamic_registration import TOOL_CONFIGURATION, invitation_create
from wims_lti.models import Deployment, Platform, WimsServer

pytestmark = pytest.mark.django_db


class RegistrationPlatform:
    """Serves /.well-known/openid-configuration and a registration endpoint; records what it got."""

    def __init__(self, *, issuer_override: str | None = None, token: str = "reg-token-123") -> None:
        self.received: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self.token = token
        self.issuer_override = issuer_override
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                base = platform.url
                self._json(
                    200,
                    {
                        "issuer": platform.issuer_override or base,
                        "authorization_endpoint": base + "/mod/lti/auth.php",
                        "token_endpoint": base + "/mod/lti/token.php",
                        "jwks_uri": base + "/mod/lti/certs.php",
                        "registration_endpoint": base + "/mod/lti/openid-registration.php",
                        "scopes_supported": [
                            "openid",
                            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                        ],
                        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                            "product_family_code": "moodle",
                            "version": "4.3",
                            "messages_supported": [
                                {"type": "LtiResourceLinkRequest"},
                                {"type": "LtiDeepLinkingRequest"},
                            ],
                        },
                    },
                )

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                platform.received.append(body)
                platform.auth_headers.append(self.headers.get("Authorization", ""))
                if self.headers.get("Authorization") != f"Bearer {platform.token}":
                    self._json(401, {"error": "invalid token"})
                    return
                self._json(
                    200,
                    {
                        **body,
                        "client_id": "dyn-client-42",
                        TOOL_CONFIGURATION: {**body[TOOL_CONFIGURATION], "deployment_id": "7"},
                    },
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def reg_platform() -> Iterator[RegistrationPlatform]:
    platform = RegistrationPlatform()
    yield platform
    platform.stop()


@pytest.fixture
def server(emulator_target: WimsTarget) -> WimsServer:
    return WimsServer.objects.create(name="main", url=emulator_target.url, ident="lti", passwd="abcd1234")


def _open(client: Client, token: str, platform: RegistrationPlatform, **extra: str) -> Any:
    params = {
        "openid_configuration": platform.url + "/.well-known/openid-configuration",
        "registration_token": platform.token,
        **extra,
    }
    return client.get(f"/lti/register/{token}/", params)


def test_platform_registers_the_tool_from_one_url(
    client: Client, server: WimsServer, reg_platform: RegistrationPlatform
) -> None:
    response = _open(client, invitation_create(wims_server=server), reg_platform)
    assert response.status_code == 200, response.content[:500]
    assert "org.imsglobal.lti.close" in response.content.decode()
    platform = Platform.objects.get()
    assert (platform.issuer, platform.client_id) == (reg_platform.url, "dyn-client-42")
    assert platform.auth_token_url.endswith("/mod/lti/token.php") and platform.default_wims_server == server
    assert Deployment.objects.get(platform=platform).deployment_id == "7"
    sent = reg_platform.received[0]
    assert reg_platform.auth_headers == ["Bearer reg-token-123"]
    assert sent["initiate_login_uri"] == f"http://testserver/lti/{platform.uuid}/login/"
    assert sent["redirect_uris"] == [f"http://testserver/lti/{platform.uuid}/launch/"]
    assert sent["jwks_uri"] == "http://testserver/lti/jwks/"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"].split()
    assert "contextmembership" not in sent["scope"]  # not offered by this platform: not asked for
    assert {m["type"] for m in sent[TOOL_CONFIGURATION]["messages"]} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }
    assert client.get("/lti/jwks/").json()["keys"]  # the tool has a key to publish


def test_invitation_is_single_use(
    client: Client, server: WimsServer, reg_platform: RegistrationPlatform
) -> None:
    token = invitation_create(wims_server=server)
    assert _open(client, token, reg_platform).status_code == 200
    again = _open(client, token, reg_platform)
    assert again.status_code == 400 and "already used" in again.content.decode()


def test_forged_or_missing_invitation_is_refused(
    client: Client, server: WimsServer, reg_platform: RegistrationPlatform
) -> None:
    assert _open(client, invitation_create(wims_server=server) + "x", reg_platform).status_code == 400
    assert client.get(f"/lti/register/{invitation_create(wims_server=server)}/").status_code == 400
    assert not reg_platform.received and not Platform.objects.exists()


def test_configuration_claiming_another_issuer_is_refused(client: Client, server: WimsServer) -> None:
    liar = RegistrationPlatform(issuer_override="https://canvas.instructure.com")
    try:
        response = _open(client, invitation_create(wims_server=server), liar)
        assert response.status_code == 400 and "does not match its issuer" in response.content.decode()
        assert not liar.received and not Platform.objects.exists()
    finally:
        liar.stop()


def test_platform_refusing_the_registration_leaves_nothing(
    client: Client, server: WimsServer, reg_platform: RegistrationPlatform
) -> None:
    response = _open(client, invitation_create(wims_server=server), reg_platform, registration_token="wrong")
    assert response.status_code == 400 and "refused" in response.content.decode()
    assert not Platform.objects.exists()


def test_lti_invite_command_prints_the_url(server: WimsServer, capsys) -> None:
    call_command("lti_invite", "--wims-server", "main", "--base-url", "https://wims-lti.example.edu")
    out = json.loads(capsys.readouterr().out)
    assert out["registration_url"].startswith("https://wims-lti.example.edu/lti/register/")
