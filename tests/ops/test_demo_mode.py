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
from wims_lti.demo.runtime import (
    PLATFORM_NAME,
    REAL_SERVER_NAME,
    SERVER_NAME,
    demo_world,
    demo_world_current,
    demo_world_stop,
)
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
    for url in ("/demo/", "/demo/gradebook/"):
        assert client.get(url).status_code == 404
    for url in ("/demo/launch/teacher/", "/demo/sheet/", "/demo/work/", "/demo/sync/", "/demo/language/"):
        assert client.post(url).status_code == 404
    home = client.get("/")  # the front page exists in production too, without "Try it"
    assert home.status_code == 200 and 'id="try-it"' not in home.content.decode()
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
        assert refused.status_code == 400 and "WIMS refused the connection" in refused.content.decode()
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
        assert list(WimsServer.objects.values_list("name", flat=True)) == [REAL_SERVER_NAME]
        assert "real WIMS at" in done.content.decode()
        assert world.wims_server.name == REAL_SERVER_NAME  # not "demo-emulator"
        assert "emulator" not in done.content.decode().split('id="demo-intro"')[1].split("</p>")[0]
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


def test_after_a_restart_health_and_the_admin_forget_the_previous_demo(
    settings: Any, db: None, admin_client: Client
) -> None:
    """A new web process (runstack restarted): the previous demo's emulator and platform are gone, so
    their rows must not make /health/ report a WIMS down nor linger in the admin."""
    from wims_lti.demo import runtime

    settings.DEMO_MODE = True
    demo_world(tool_url="http://127.0.0.1:9")
    runtime.demo_world_stop()  # the servers die with the process; the rows stay, as after a restart
    assert WimsServer.objects.filter(name=SERVER_NAME).exists()
    runtime._stale_checked = False  # a fresh process
    try:
        health = Client().get("/health/").json()
        assert health["wims"] == {}
        assert not Platform.objects.filter(name=PLATFORM_NAME).exists()
        assert "demo-emulator" not in admin_client.get("/admin/wims_lti/wimsserver/").content.decode()
        # Once per process: a world started afterwards stays.
        world = demo_world(tool_url="http://127.0.0.1:9")
        Client().get("/health/")
        assert Platform.objects.filter(pk=world.registration.pk).exists()
        assert Client().get("/health/").json()["wims"][SERVER_NAME]["ok"] is True
    finally:
        demo_world_stop()


def test_a_refused_real_wims_keeps_the_form_and_says_what_to_fix(settings: Any, db: None) -> None:
    settings.DEMO_MODE = True
    client = Client()
    try:
        page = client.post(
            "/demo/wims/",
            {"url": "http://127.0.0.1:9/wims/wims.cgi", "ident": "myident", "passwd": "secret1"},
        )
        html = page.content.decode()
        assert page.status_code == 400
        assert 'value="http://127.0.0.1:9/wims/wims.cgi"' in html and 'value="myident"' in html
        assert "secret1" not in html  # the password is typed again
        assert "connection refused" in html and "HTTPConnectionPool" not in html and "Errno" not in html
        assert 'id="demo-wims-error"' in html
        invalid = client.post(
            "/demo/wims/", {"url": "http://127.0.0.1:9/", "ident": "me", "passwd": "no-way"}
        )
        assert "Letters and digits only" in invalid.content.decode()
        assert 'value="me"' in invalid.content.decode()
    finally:
        demo_world_stop()


def test_the_lms_locale_is_a_demo_choice(settings: Any, db: None) -> None:
    settings.DEMO_MODE = True
    client = Client()
    try:
        assert "Essayer" not in client.get("/demo/").content.decode()
        answer = client.post("/demo/language/", {"language": "fr"})
        assert answer.status_code == 302 and answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
        page = client.get("/demo/").content.decode()
        assert "Essayer" in page and 'aria-pressed="true"' in page
        client.post("/demo/launch/teacher/")
        world = demo_world_current()
        assert world is not None
        locales = [pending.spec.locale for pending in world.platform._pending.values()]
        assert locales == ["fr-FR"]
        client.post("/demo/language/", {"language": "xx"})  # unknown: ignored
        assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    finally:
        demo_world_stop()


def test_gradebook_times_are_for_humans(world: Any) -> None:
    from wims_lti.demo.services import GradebookRow

    row = GradebookRow("Algebra homework", "Alan Turing", 8.0, 8.0, 10.0, "2026-12-04T18:40:52+00:00")
    assert row.when is not None and row.when.year == 2026 and row.when.tzinfo is not None
    assert GradebookRow("c", "s", None, None, None, "not a date").when is None
    from django.template.loader import render_to_string
    from django.utils import translation

    for lang, shown in (("en", "Dec. 4, 2026"), ("fr", "4 décembre 2026")):
        with translation.override(lang):
            html = render_to_string("wims_lti/demo/_gradebook.html", {"rows": [row]})
        assert shown in html and 'datetime="2026-12-04T18:40:52+00:00"' in html
        assert ">2026-12-04T18:40:52+00:00<" not in html


def test_the_emulator_exercise_page_explains_what_to_do(settings: Any, db: None) -> None:
    import html
    import re

    import requests

    settings.DEMO_MODE = True
    client = Client()
    try:
        client.get("/demo/")
        client.post("/demo/launch/student/")  # sets the note the demo's emulator shows
        world = demo_world_current()
        assert world is not None and world.emulator is not None
        target = WimsTarget("demo", world.emulator.url, "demo", world.emulator.emulator.passwd)

        def ok(job: str, **params: str) -> dict[str, Any]:
            reply = target.raw(job, **params).json()
            assert reply["status"] == "OK", reply
            return reply

        data1 = (
            "description=Demo class\ninstitution=Uni\nsupervisor=Sue Per\n"
            "email=s@example.com\npassword=classpw"
        )
        qclass = ok(
            "addclass", rclass="r1", data1=data1, data2="lastname=Per\nfirstname=Sue\npassword=suppw"
        )["class_id"]
        common = {"qclass": qclass, "rclass": "r1"}
        ok("adduser", **common, quser="jdoe", data1="lastname=Doe\nfirstname=John\npassword=pw")
        ok("addsheet", **common, data1="title=Addition")
        ok("putexo", **common, qsheet="1", data1="module=classes/en\nparams=exo=addition\ntitle=Sum")
        ok("modsheet", **common, qsheet="1", data1="status=1")
        session = ok("authuser", **common, quser="jdoe")["wims_session"]
        sheet = requests.get(f"{target.url}?session={session}.2&module=adm/sheet&sh=1", timeout=10).text
        exercise_link = re.search(r'href="([^"]*cmd=new[^"]*)"', sheet)
        assert exercise_link is not None
        page = requests.get(html.unescape(exercise_link.group(1)), timeout=10).text
        assert "runs no exercise" in page and "The student works" in page
        assert 'target="_top"' in page and "/demo/" in page and "Back to the worksheet" in page
    finally:
        demo_world_stop()
