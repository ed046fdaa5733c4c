"""Demo mode: off unless asked (404), on by default locally, impossible in production; its steps in order."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.fixtures.wims_servers import WimsTarget
from wims_lti.demo.runtime import PLATFORM_NAME, SERVER_NAME, demo_world, demo_world_current, demo_world_stop
from wims_lti.demo.services import DemoError, demo_sheet_add, demo_student_works, demo_sync
from wims_lti.models import Platform, WimsServer

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "sqlite:////tmp/x.sqlite3",
    "ALLOWED_HOSTS": "a",
    "FIELD_ENCRYPTION_KEYS": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk=",
}


def _setting(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    code = "import django; from django.conf import settings; django.setup(); print(settings.DEMO_MODE)"
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, "REDIS_URL": "redis://127.0.0.1:1/0"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60
    )


def test_demo_is_on_locally_off_by_default_and_refused_in_production() -> None:
    assert _setting("settings.local").stdout.strip() == "True"
    assert _setting("settings.local", DEMO_MODE="false").stdout.strip() == "False"
    assert _setting("settings.test").stdout.strip() == "False"
    assert _setting("settings.production", **PROD_ENV).stdout.strip() == "False"
    refused = _setting("settings.production", DEMO_MODE="true", **PROD_ENV)
    assert refused.returncode != 0 and "DEMO_MODE must be off in production" in refused.stderr


@pytest.mark.django_db
def test_demo_pages_are_404_without_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    client = Client()
    for url in ("/", "/demo/", "/demo/gradebook/"):
        assert client.get(url).status_code == 404
    for url in ("/demo/launch/teacher/", "/demo/sheet/", "/demo/work/", "/demo/sync/"):
        assert client.post(url).status_code == 404
    assert not Platform.objects.filter(name=PLATFORM_NAME).exists()


@pytest.fixture
def world(settings: Any, db: None) -> Iterator[Any]:
    settings.DEMO_MODE = True
    try:
        yield demo_world(tool_url="http://127.0.0.1:9")
    finally:
        demo_world_stop()


def test_steps_out_of_order_say_what_to_do_first(world: Any) -> None:
    for step, code in ((demo_sheet_add, "not_linked"), (demo_sync, "not_linked")):
        with pytest.raises(DemoError) as caught:
            step(world=world)
        assert caught.value.code == code
    with pytest.raises(DemoError):
        demo_student_works(world=world, percent=50)


def test_a_new_world_replaces_the_previous_rows(world: Any) -> None:
    first = world.registration.pk
    demo_world_stop()
    again = demo_world(tool_url="http://127.0.0.1:9")
    assert again.registration.pk != first
    assert Platform.objects.filter(name=PLATFORM_NAME).count() == 1
    assert WimsServer.objects.filter(name=SERVER_NAME).count() == 1
    assert demo_world(tool_url="http://127.0.0.1:9") is again  # reused while alive


@pytest.mark.django_db
def test_demo_page_in_french(settings: Any) -> None:
    settings.DEMO_MODE = True
    try:
        page = Client().get("/demo/", headers={"Accept-Language": "fr"})
        assert page.status_code == 200
        assert "Essayer" in page.content.decode()
    finally:
        demo_world_stop()


def test_the_demo_can_run_on_a_real_wims_given_in_the_form(
    settings: Any, db: None, wims_target: WimsTarget
) -> None:
    """Through the form's URL only: a separately started emulator, and (in CI) the real WIMS 4.29a."""
    emulator_target = wims_target
    settings.DEMO_MODE = True
    client = Client()
    try:
        assert client.get("/demo/").status_code == 200
        first = demo_world_current()
        assert first is not None and first.emulator is not None
        refused = client.post(
            "/demo/wims/",
            {"url": emulator_target.url, "ident": emulator_target.ident, "passwd": "wrong1"},
            follow=True,
        )
        assert "WIMS refused the connection" in refused.content.decode()
        assert demo_world_current() is first  # unchanged
        invalid = client.post("/demo/wims/", {"url": "not a url", "ident": "x", "passwd": "p"}, follow=True)
        assert "Give the adm/raw URL" in invalid.content.decode()
        done = client.post(
            "/demo/wims/",
            {"url": emulator_target.url, "ident": emulator_target.ident, "passwd": emulator_target.passwd},
            follow=True,
        )
        assert "starts again on the WIMS server" in done.content.decode()
        world = demo_world_current()
        assert world is not None and world is not first and world.emulator is None
        assert world.wims_server.url == emulator_target.url
        assert WimsServer.objects.filter(name=SERVER_NAME).count() == 1
        assert "real WIMS at" in done.content.decode()
        back = client.post("/demo/wims/", {"emulator": "1"}, follow=True)
        assert "built-in WIMS emulator" in back.content.decode()
        assert demo_world_current().emulator is not None  # type: ignore[union-attr]
    finally:
        demo_world_stop()


def test_with_a_real_wims_the_student_works_in_wims(
    settings: Any, world: Any, emulator_target: WimsTarget
) -> None:
    from wims_lti.demo.runtime import RealWims, demo_world_use

    real = demo_world_use(
        tool_url="http://127.0.0.1:9",
        real=RealWims(
            emulator_target.url, emulator_target.ident, emulator_target.passwd, emulator_target.rclass
        ),
    )
    assert real.emulator is None
    with pytest.raises(DemoError) as caught:
        demo_student_works(world=real, percent=50)
    assert caught.value.code == "not_linked"  # steps in order still apply first
    from wims_lti.models import Course, ResourceLink

    course = Course.objects.create(
        platform=real.registration,
        context_id=str(real.course.id),
        wims_server=real.wims_server,
        qclass="9999999",
    )
    ResourceLink.objects.create(course=course, resource_link_id=str(real.link.id), kind="sheet", number=1)
    with pytest.raises(DemoError) as caught:
        demo_student_works(world=real, percent=50)
    assert caught.value.code == "real_wims_work"  # no emulator API: the student works in WIMS
