"""Manual registration in one order that works: `lti_register` without a client id gives the URLs the LMS
needs first (a registration waiting for its client id, refusing launches), then `--set-client-id` or the
admin completes it; PUBLIC_BASE_URL warnings in the commands and on the configuration page, in French too;
the configuration page linked from the admin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.models import Deployment, Platform, WimsServer

pytestmark = pytest.mark.django_db

MOODLE = "https://moodle.example.edu"


@pytest.fixture
def server(emulator_target: WimsTarget) -> WimsServer:
    return WimsServer.objects.create(
        name="main", url=emulator_target.url, ident="lti", passwd=emulator_target.passwd
    )


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, Any], str]:
    call_command("lti_register", *args)
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_moodle_manual_registration_urls_first_then_the_client_id(
    server: WimsServer, capsys: Any, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL_CONFIGURED, settings.PUBLIC_BASE_URL = True, "https://lti.example.org"
    out, err = _run(
        capsys, "--lms", "moodle", "--issuer", MOODLE, "--wims-server", "main", "--name", "Moodle"
    )
    platform = Platform.objects.get()
    assert out["status"] == "waiting for the client id" and out["client_id"] == ""
    assert out["tool_url"] == f"https://lti.example.org/lti/{platform.uuid}/launch/"
    assert out["initiate_login_url"] == f"https://lti.example.org/lti/{platform.uuid}/login/"
    assert f"--registration {platform.uuid} --set-client-id" in out["next"]
    assert "warnings" not in out and err == ""
    assert platform.awaiting_client_id and not platform.is_active
    assert (platform.auth_login_url, platform.auth_token_url, platform.keyset_url) == (
        f"{MOODLE}/mod/lti/auth.php",
        f"{MOODLE}/mod/lti/token.php",
        f"{MOODLE}/mod/lti/certs.php",
    )
    # Running it again gives the same registration and the same URLs (what the LMS was given); Moodle's
    # issuer (its wwwroot) never ends with "/".
    again, _ = _run(
        capsys, "--lms", "moodle", "--issuer", MOODLE + "/", "--wims-server", "main", "--name", "Moodle"
    )
    assert again["registration"] == out["registration"] and Platform.objects.count() == 1

    done, _ = _run(
        capsys, "--registration", str(platform.uuid), "--set-client-id", "Xy12ab", "--deployment", "7"
    )
    platform.refresh_from_db()
    assert done["status"] == "active" and done["client_id"] == "Xy12ab" and "next" not in done
    assert done["tool_url"] == out["tool_url"]  # the URLs did not change
    assert platform.is_active and not platform.awaiting_client_id
    assert list(Deployment.objects.values_list("deployment_id", "status")) == [("7", "accepted")]


def test_a_waiting_registration_refuses_launches(server: WimsServer, client: Client, capsys: Any) -> None:
    out, _ = _run(capsys, "--lms", "moodle", "--issuer", MOODLE, "--wims-server", "main")
    login = client.post(
        f"/lti/{out['registration']}/login/",
        {"iss": MOODLE, "login_hint": "u1", "target_link_uri": out["tool_url"]},
    )
    assert login.status_code == 404  # no OIDC redirect to the LMS for a registration without client id


def test_completion_by_issuer_and_for_blackboard_the_keyset_from_the_client_id(
    server: WimsServer, capsys: Any
) -> None:
    out, _ = _run(capsys, "--lms", "blackboard", "--wims-server", "main")
    platform = Platform.objects.get(uuid=out["registration"])
    assert platform.issuer == "https://blackboard.com" and platform.keyset_url == ""
    _run(capsys, "--lms", "blackboard", "--set-client-id", "abc-123", "--deployment", "d-1")
    platform.refresh_from_db()
    assert platform.keyset_url == (
        "https://developer.blackboard.com/api/v1/management/applications/abc-123/jwks.json"
    )
    assert platform.is_active


def test_completion_needs_the_lms_urls(server: WimsServer, capsys: Any) -> None:
    out, _ = _run(capsys, "--issuer", "https://lms.example.edu", "--wims-server", "main")
    with pytest.raises(CommandError, match="--auth-login-url, --auth-token-url, --keyset-url"):
        call_command("lti_register", "--registration", out["registration"], "--set-client-id", "c1")
    assert Platform.objects.get().awaiting_client_id  # nothing half-done
    call_command(
        "lti_register",
        "--registration",
        out["registration"],
        "--set-client-id",
        "c1",
        "--auth-login-url",
        "https://lms.example.edu/auth",
        "--auth-token-url",
        "https://lms.example.edu/token",
        "--keyset-url",
        "https://lms.example.edu/jwks",
    )
    assert Platform.objects.get().is_active


def test_one_waiting_registration_per_issuer(server: WimsServer, capsys: Any) -> None:
    """Canvas serves every tenant from one issuer: a second waiting one would take the first's place."""
    first, _ = _run(capsys, "--lms", "canvas", "--wims-server", "main", "--name", "Campus A")
    with pytest.raises(CommandError, match=f"already waits for its client id: {first['registration']}"):
        call_command("lti_register", "--lms", "canvas", "--wims-server", "main", "--name", "Campus B")
    # The full one-step registration still works, and says a waiting one exists.
    out, err = _run(capsys, "--lms", "canvas", "--wims-server", "main", "--client-id", "10000000000007")
    assert out["status"] == "active"
    assert any(first["registration"] in w for w in out["warnings"]) and first["registration"] in err
    with pytest.raises(CommandError, match="already has a registration with client id 10000000000007"):
        call_command(
            "lti_register", "--registration", first["registration"], "--set-client-id", "10000000000007"
        )


def test_unknown_registration_and_missing_flags(server: WimsServer) -> None:
    with pytest.raises(CommandError, match="no registration with the public id"):
        call_command("lti_register", "--registration", "nope", "--set-client-id", "c")
    with pytest.raises(CommandError, match="Moodle: give --issuer"):
        call_command("lti_register", "--lms", "moodle", "--wims-server", "main")
    with pytest.raises(CommandError, match="missing --wims-server"):
        call_command("lti_register", "--issuer", MOODLE)
    with pytest.raises(CommandError, match="missing --auth-login-url"):
        call_command("lti_register", "--issuer", MOODLE, "--client-id", "c", "--wims-server", "main")


def test_lti_register_warns_when_public_base_url_is_unset_or_not_https(
    server: WimsServer, capsys: Any, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL_CONFIGURED, settings.PUBLIC_BASE_URL = False, "http://127.0.0.1:8000"
    out, err = _run(capsys, "--lms", "canvas", "--wims-server", "main", "--client-id", "1")
    assert out["tool_url"].startswith("http://127.0.0.1:8000/lti/")
    text = " ".join(out["warnings"])
    assert "PUBLIC_BASE_URL is not set" in text and "is not https" in text and "this machine only" in text
    assert err.count("WARNING: ") == 3
    # Set, but http: only the https warning.
    settings.PUBLIC_BASE_URL_CONFIGURED, settings.PUBLIC_BASE_URL = True, "http://lti.example.org"
    out, _ = _run(capsys, "--lms", "canvas", "--wims-server", "main", "--client-id", "1")
    assert len(out["warnings"]) == 1 and "http://lti.example.org is not https" in out["warnings"][0]
    # A public https --base-url: no warning even though PUBLIC_BASE_URL is unset.
    settings.PUBLIC_BASE_URL_CONFIGURED = False
    out, err = _run(
        capsys, "--lms", "canvas", "--wims-server", "main", "--client-id", "1", "--base-url", "https://x.org"
    )
    assert "warnings" not in out and err == ""


def test_lti_invite_warns_too(server: WimsServer, capsys: Any, settings: Any) -> None:
    settings.PUBLIC_BASE_URL_CONFIGURED, settings.PUBLIC_BASE_URL = False, "http://127.0.0.1:8000"
    call_command("lti_invite", "--wims-server", "main")
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["registration_url"].startswith("http://127.0.0.1:8000/lti/register/")
    assert len(out["warnings"]) == 3 and "WARNING: PUBLIC_BASE_URL is not set" in captured.err
    settings.PUBLIC_BASE_URL_CONFIGURED, settings.PUBLIC_BASE_URL = True, "https://lti.example.org"
    call_command("lti_invite", "--wims-server", "main")
    captured = capsys.readouterr()
    assert "warnings" not in json.loads(captured.out) and captured.err == ""


def _waiting(server: WimsServer) -> Platform:
    return Platform.objects.create(
        name="Moodle",
        issuer=MOODLE,
        client_id="",
        auth_login_url=f"{MOODLE}/mod/lti/auth.php",
        auth_token_url=f"{MOODLE}/mod/lti/token.php",
        keyset_url=f"{MOODLE}/mod/lti/certs.php",
        default_wims_server=server,
        is_active=False,
    )


def test_config_page_warns_and_shows_what_is_waiting(
    server: WimsServer, admin_client: Client, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL_CONFIGURED = False
    platform = _waiting(server)
    html = admin_client.get(f"/lti/{platform.uuid}/config/").content.decode()
    assert 'id="base-url-warnings"' in html and "PUBLIC_BASE_URL is not set" in html
    assert "http://testserver is not https" in html and "testserver" in html
    assert 'id="awaiting-client-id"' in html
    assert f"--registration {platform.uuid} --set-client-id" in html
    assert f"/admin/wims_lti/platform/{platform.pk}/change/" in html
    assert "Content Selection URL" in html and "s email with tool" in html
    # PUBLIC_BASE_URL set and https: the URLs use it, whatever address the page was opened at.
    settings.PUBLIC_BASE_URL_CONFIGURED, settings.PUBLIC_BASE_URL = True, "https://lti.example.org"
    html = admin_client.get(f"/lti/{platform.uuid}/config/").content.decode()
    assert 'id="base-url-warnings"' not in html
    assert f"https://lti.example.org/lti/{platform.uuid}/login/" in html
    canvas = admin_client.get(f"/lti/{platform.uuid}/canvas.json").json()
    assert canvas["oidc_initiation_url"] == f"https://lti.example.org/lti/{platform.uuid}/login/"
    assert canvas["extensions"][0]["domain"] == "lti.example.org"


def test_config_page_in_french_has_no_english_value_left(
    server: WimsServer, admin_client: Client, settings: Any
) -> None:
    settings.PUBLIC_BASE_URL_CONFIGURED = False
    platform = _waiting(server)
    page = admin_client.get(f"/lti/{platform.uuid}/config/", headers={"Accept-Language": "fr"})
    html = page.content.decode()
    for french in (
        "URL de l’outil",  # noqa: RUF001 (French typography)
        "URL jeu de clefs",
        "Utiliser ce service pour la synchronisation des notes et la gestion des colonnes",
        "Toujours",
        "Intégré, sans les blocs",
        "PUBLIC_BASE_URL n’est pas défini",  # noqa: RUF001 (French typography)
        "Cet enregistrement attend l’identifiant client du LMS.",  # noqa: RUF001 (French typography)
    ):
        assert french in html, french
    # Every English word left is inside a <span lang="en"> (the LMS's English label) or a value.
    import re

    visible = re.sub(
        r'<span class="lms-label" lang="en">[^<]*</span>|<code>[^<]*</code>|<pre>[^<]*</pre>', "", html
    )
    for english in ("Keyset URL", "Always", "Use this service", "Embed, without blocks", "Tool URL"):
        assert english not in visible, english


def test_the_admin_completes_a_waiting_registration_and_links_the_config_page(
    server: WimsServer, admin_client: Client
) -> None:
    platform = _waiting(server)
    page = admin_client.get(f"/admin/wims_lti/platform/{platform.pk}/change/").content.decode()
    assert f'href="/lti/{platform.uuid}/config/"' in page and 'id="platform-config-link"' in page
    assert "Waits for the client id of the LMS" in page
    data = {
        "name": "Moodle",
        "issuer": MOODLE,
        "client_id": "fromTheAdmin1",
        "auth_login_url": platform.auth_login_url,
        "auth_token_url": platform.auth_token_url,
        "auth_audience": "",
        "keyset_url": platform.keyset_url,
        "default_wims_server": server.pk,
        "institution": "",
        "unknown_deployment_policy": "pending",
        "lti11_consumer_key": "",
        "lti11_secret": "",
        "deployments-TOTAL_FORMS": "1",
        "deployments-INITIAL_FORMS": "0",
        "deployments-0-deployment_id": "3",
        "deployments-0-status": "accepted",
    }
    answer = admin_client.post(f"/admin/wims_lti/platform/{platform.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    platform.refresh_from_db()
    assert platform.client_id == "fromTheAdmin1" and platform.is_active
    assert platform.deployments.get().deployment_id == "3"


def test_the_admin_needs_the_lms_urls_to_complete_one(server: WimsServer, admin_client: Client) -> None:
    platform = _waiting(server)
    Platform.objects.filter(pk=platform.pk).update(keyset_url="")
    data = {
        "name": "Moodle",
        "issuer": MOODLE,
        "client_id": "c2",
        "auth_login_url": platform.auth_login_url,
        "auth_token_url": platform.auth_token_url,
        "keyset_url": "",
        "default_wims_server": server.pk,
        "unknown_deployment_policy": "pending",
        "deployments-TOTAL_FORMS": "0",
        "deployments-INITIAL_FORMS": "0",
    }
    answer = admin_client.post(f"/admin/wims_lti/platform/{platform.pk}/change/", data)
    assert answer.status_code == 200 and "This field is required" in answer.content.decode()
    assert Platform.objects.get().awaiting_client_id


BLACKBOARD = "https://blackboard.com"


def test_a_waiting_registration_joins_its_issuers_tenant_once_its_keys_are_known(
    server: WimsServer, capsys: Any
) -> None:
    """Blackboard's keyset URL is known only with the client id: the waiting registration is kept out of
    the issuer's tenant until then, and joins the tenant of the registration with the same keys."""
    first, _ = _run(capsys, "--lms", "blackboard", "--client-id", "app-1", "--wims-server", "main")
    known = Platform.objects.get(uuid=first["registration"])
    waiting, _ = _run(capsys, "--lms", "blackboard", "--wims-server", "main", "--name", "Block 2")
    pending = Platform.objects.get(uuid=waiting["registration"])
    assert pending.keyset_url == "" and pending.tenant_id != known.tenant_id

    # Same client id's keys → the same platform: it shares the tenant (people and courses).
    Platform.objects.filter(pk=known.pk).update(client_id="app-0")
    _run(capsys, "--lms", "blackboard", "--registration", str(pending.uuid), "--set-client-id", "app-1")
    pending.refresh_from_db()
    assert pending.keyset_url == known.keyset_url and pending.tenant_id == known.tenant_id
    assert pending.is_active


def test_a_waiting_registration_with_other_keys_than_its_issuers_is_refused(
    server: WimsServer, capsys: Any
) -> None:
    _run(capsys, "--lms", "blackboard", "--client-id", "app-1", "--wims-server", "main")
    waiting, _ = _run(capsys, "--lms", "blackboard", "--wims-server", "main", "--name", "Other")
    with pytest.raises(CommandError, match="another keyset URL"):
        _run(
            capsys,
            "--lms",
            "blackboard",
            "--registration",
            waiting["registration"],
            "--set-client-id",
            "app-2",
        )
    pending = Platform.objects.get(uuid=waiting["registration"])
    assert pending.awaiting_client_id and not pending.is_active
