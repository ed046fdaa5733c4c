"""What a browser or a monitor meets outside the LMS: `/` (200 to GET and HEAD), a favicon, the launch URL
opened in a browser (a page saying to launch from the LMS, in the browser's language), HEAD /health/."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from wims_lti.models import Platform, WimsServer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("demo", [False, True])
def test_head_and_get_of_the_front_page_answer_200(settings: Any, demo: bool) -> None:
    settings.DEMO_MODE = demo
    client = Client()
    assert client.head("/").status_code == 200
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Open the WIMS activity from your course" in html
    assert ('href="/demo/"' in html) is demo
    assert 'rel="icon"' in html


def test_the_front_page_in_french() -> None:
    html = Client().get("/", headers={"Accept-Language": "fr"}).content.decode()
    assert '<html lang="fr">' in html and "Ouvrez l’activité WIMS depuis votre cours" in html  # noqa: RUF001 (French typography)


def test_favicon() -> None:
    client = Client()
    for answer in (client.get("/favicon.ico"), client.head("/favicon.ico")):
        assert answer.status_code == 200 and answer["Content-Type"] == "image/x-icon"
        assert "max-age" in answer["Cache-Control"]
    body = b"".join(client.get("/favicon.ico").streaming_content)  # type: ignore[attr-defined]
    assert body[:4] == b"\x00\x00\x01\x00" and b"PNG" in body[:64]  # an ICO holding a PNG
    assert client.get("/static/wims_lti/favicon.svg").status_code == 200


def test_head_of_health_answers_like_get() -> None:
    assert Client().head("/health/").status_code == 200


def _platform() -> Platform:
    server = WimsServer.objects.create(
        name="m", url="http://127.0.0.1:9/wims/wims.cgi", ident="l", passwd="abcd1234"
    )
    return Platform.objects.create(
        name="Moodle",
        issuer="https://m.example",
        client_id="c1",
        auth_login_url="https://m.example/auth",
        auth_token_url="https://m.example/t",
        keyset_url="https://m.example/k",
        default_wims_server=server,
    )


def test_the_launch_url_in_a_browser_says_to_launch_from_the_lms() -> None:
    client = Client()
    for url in ("/lti/launch/", f"/lti/{_platform().uuid}/launch/"):
        page = client.get(url)
        assert page.status_code == 405 and page["Allow"] == "POST"
        html = page.content.decode()
        assert "Open WIMS from your course" in html and "click the WIMS activity" in html
        assert "Reference for your administrator" in html  # the correlation id
        french = client.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9"}).content.decode()
        assert "Ouvrez WIMS depuis votre cours" in french
        assert client.head(url).status_code == 405
    # A POST is still the launch: an empty one is refused as an unverifiable launch, not as a GET.
    refused = client.post("/lti/launch/")
    assert refused.status_code == 400 and "could not be verified" in refused.content.decode()
