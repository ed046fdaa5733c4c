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

    def __init__(
        self,
        *,
        issuer_override: str | None = None,
        token: str = "reg-token-123",
        client_id: str = "dyn-client-42",
        jwks_uri: str | None = None,
    ) -> None:
        self.received: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self.token = token
        self.issuer_override = issuer_override
        self.client_id = client_id
        self.jwks_uri = jwks_uri
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
                        "jwks_uri": platform.jwks_uri or base + "/mod/lti/certs.php",
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
                        "client_id": platform.client_id,
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


# --- Issue 16: holes 1, 2 and 5, over real HTTP against the live tool ----------------------------------


def _open_live(live_server: Any, token: str, config_url: str, reg_token: str = "reg-token-123") -> Any:
    import requests

    return requests.get(
        f"{live_server.url}/lti/register/{token}/",
        params={"openid_configuration": config_url, "registration_token": reg_token},
        headers={"Accept-Language": "fr"},
        timeout=30,
    )


def _registrations() -> list[tuple[Any, ...]]:
    return sorted(
        Platform.objects.values_list(
            "pk", "issuer", "client_id", "keyset_url", "auth_login_url", "auth_token_url"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_userinfo_in_the_configuration_url_cannot_take_over_a_registration(
    live_server: Any, server: WimsServer, reg_platform: RegistrationPlatform
) -> None:
    """Hole 1: `http://<issuer host:port>@attacker/...` passed the string-prefix check; the attacker then
    overwrote the real registration's keys and URLs."""
    assert _open_live(
        live_server, invitation_create(wims_server=server), reg_platform.url + "/.well-known/x"
    ).ok
    before = _registrations()
    # The attacker claims the real issuer and the real client id, with its own keys and endpoints.
    attacker = RegistrationPlatform(issuer_override=reg_platform.url, jwks_uri="http://127.0.0.1:9/evil-keys")
    try:
        netloc = reg_platform.url.removeprefix("http://")
        config = f"http://{netloc}@{attacker.url.removeprefix('http://')}/.well-known/openid-configuration"
        response = _open_live(live_server, invitation_create(wims_server=server), config)
        assert response.status_code == 400 and "pas une URL http(s)" in response.text  # refused unfetched
        assert response.headers["X-Correlation-ID"] in response.text
        assert not attacker.received  # nothing was even sent to the attacker's registration endpoint
        assert _registrations() == before
    finally:
        attacker.stop()


@pytest.mark.django_db(transaction=True)
def test_a_dynamic_registration_never_modifies_an_existing_one(
    live_server: Any, server: WimsServer, reg_platform: RegistrationPlatform
) -> None:
    """Hole 1, second half: the same (issuer, client_id) again is an error for the admin, nothing changes."""
    assert _open_live(
        live_server, invitation_create(wims_server=server), reg_platform.url + "/.well-known/x"
    ).ok
    before = (_registrations(), sorted(Deployment.objects.values_list("pk", "platform_id", "deployment_id")))
    response = _open_live(
        live_server, invitation_create(wims_server=server), reg_platform.url + "/.well-known/x"
    )
    assert response.status_code == 400 and "rien n" in response.text
    assert (
        _registrations(),
        sorted(Deployment.objects.values_list("pk", "platform_id", "deployment_id")),
    ) == before


@pytest.mark.django_db(transaction=True)
def test_one_invitation_used_eight_times_at_once_registers_one_platform(
    live_server: Any, server: WimsServer
) -> None:
    """Hole 2: eight simultaneous uses of one single-use invitation registered eight platforms."""
    from concurrent.futures import ThreadPoolExecutor

    platforms = [RegistrationPlatform(client_id=f"dyn-{n}") for n in range(8)]
    try:
        token = invitation_create(wims_server=server)
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda p: _open_live(live_server, token, p.url + "/.well-known/openid-configuration"),
                    platforms,
                )
            )
        assert sorted(a.status_code for a in answers) == [200] + [400] * 7
        assert Platform.objects.count() == 1
        assert sum(len(p.received) for p in platforms) == 1  # the others never reached their platform
        assert all("déjà été utilisé" in a.text for a in answers if a.status_code == 400)
    finally:
        for platform in platforms:
            platform.stop()


@pytest.mark.django_db(transaction=True)
def test_a_known_issuer_announcing_other_keys_is_refused(
    live_server: Any, server: WimsServer, reg_platform: RegistrationPlatform
) -> None:
    """Hole 5: a registration of a known issuer with other keys could act for that issuer's users."""
    assert _open_live(
        live_server, invitation_create(wims_server=server), reg_platform.url + "/.well-known/x"
    ).ok
    before = _registrations()
    reg_platform.jwks_uri = reg_platform.url + "/other-keys"
    reg_platform.client_id = "dyn-client-43"
    sent = len(reg_platform.received)
    response = _open_live(
        live_server, invitation_create(wims_server=server), reg_platform.url + "/.well-known/x"
    )
    assert response.status_code == 400 and "autres clés" in response.text
    assert len(reg_platform.received) == sent and _registrations() == before


@pytest.mark.parametrize(
    ("url", "issuer", "ok"),
    [
        ("https://lms.example/.well-known/openid-configuration", "https://lms.example", True),
        ("https://LMS.example:443/mod/lti/openid-configuration.php", "https://lms.example/", True),
        ("https://lms.example/moodle/lti/config", "https://lms.example/moodle", True),
        ("https://lms.example@attacker.example/x", "https://lms.example", False),
        ("https://lms.example.attacker.example/x", "https://lms.example", False),
        ("https://lms.example:8443/x", "https://lms.example", False),
        ("http://lms.example/x", "https://lms.example", False),
        ("https://lms.example/moodlex/config", "https://lms.example/moodle", False),
    ],
)
def test_configuration_url_and_issuer_compared_as_parsed_origins(url: str, issuer: str, ok: bool) -> None:
    from wims_lti.lti.dynamic_registration import configuration_matches_issuer

    assert configuration_matches_issuer(url, issuer) is ok
