"""The demo world: a WIMS emulator and a Moodle-flavoured dev LTI platform on loopback ports, started
once per web process, registered with the tool, with a sample course (a teacher, a student, an activity).

State lives in memory (platform and emulator): a restart of the web process starts a fresh world and
removes the previous demo platform and WIMS server rows (and their courses) from the database. Instead of
the emulator, the world can use a real WIMS (URL, ident, password of an adm/raw connection).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from wims_lti.models import Course, LmsUser, Platform, WimsAccount, WimsServer
from wims_lti.services.keys import toolkey_ensure
from wims_lti.services.platforms import platform_register
from wims_lti.views.health import WIMS_CACHE_KEY as WIMS_HEALTH_CACHE_KEY

if TYPE_CHECKING:  # the dev platform and the emulator are imported only when a demo starts
    from wims_lti.lti.devplatform import DevPlatform, DevPlatformServer
    from wims_lti.lti.devplatform.model import Course as DevCourse
    from wims_lti.lti.devplatform.model import ResourceLink as DevLink
    from wims_lti.lti.devplatform.model import User
    from wims_lti.wims.emulator.server import EmulatorServer

logger = logging.getLogger(__name__)

PLATFORM_NAME = "Demo platform (built-in)"
SERVER_NAME = "demo-emulator"  # the WIMS server row when the demo runs on its emulator
REAL_SERVER_NAME = "demo-wims"  # ... and when it runs on a real WIMS given in the demo page's form
SERVER_NAMES = (SERVER_NAME, REAL_SERVER_NAME)
CLIENT_ID = "wims-lti-demo"
DEPLOYMENT_ID = "1"
IDENT = "demo"
RCLASS = "wimsltidemo"
# The names the demo page, the LMS and WIMS all use: the LMS course and its activity (a link to WIMS),
# and the sheet the demo adds to the WIMS class (demo/services.py).
COURSE_TITLE = "Demo: Algebra"
ACTIVITY_TITLE = "Algebra homework"
SHEET_TITLE = "Addition"


@dataclass
class DemoWorld:
    tool_url: str
    platform: DevPlatform
    platform_server: DevPlatformServer
    emulator: EmulatorServer | None  # None: a real WIMS given in the demo page's form
    registration: Platform
    wims_server: WimsServer
    course: DevCourse
    teacher: User
    student: User
    link: DevLink

    def db_course(self) -> Course | None:
        return Course.objects.filter(
            tenant_id=self.registration.tenant_pk, context_id=str(self.course.id)
        ).first()

    def student_account(self) -> WimsAccount | None:
        course = self.db_course()
        if course is None:
            return None
        return WimsAccount.objects.filter(
            course=course, lms_user__tenant_id=self.registration.tenant_pk, lms_user__sub=self.student.sub
        ).first()

    def student_user(self) -> LmsUser | None:
        return LmsUser.objects.filter(tenant_id=self.registration.tenant_pk, sub=self.student.sub).first()

    def stop(self) -> None:
        self.platform_server.stop()
        if self.emulator is not None:
            self.emulator.stop()


_lock = threading.Lock()
_world: DemoWorld | None = None


def _forget_previous() -> None:
    """Rows of an earlier demo world (another process, a restart): their servers are gone."""
    with transaction.atomic():
        for platform in Platform.objects.filter(name=PLATFORM_NAME):
            platform.delete()  # cascades its courses, users, links
        Course.objects.filter(wims_server__name__in=SERVER_NAMES).delete()
        Platform.objects.filter(default_wims_server__name__in=SERVER_NAMES).update(default_wims_server=None)
        WimsServer.objects.filter(name__in=SERVER_NAMES).delete()
    # /health/ caches each server's checkident a few seconds: forget the gone ones at once.
    with contextlib.suppress(Exception):  # a cache outage is /health/'s to report
        cache.delete(WIMS_HEALTH_CACHE_KEY)


_stale_checked = False


def demo_forget_stale(**_: object) -> None:
    """On a new process's first request (a `request_started` receiver): the rows of the previous
    process's demo world point to a dead emulator and platform. Remove them before anything reads them,
    so the admin does not list them and /health/ does not report the demo's WIMS as down."""
    global _stale_checked
    if _stale_checked or not settings.DEMO_MODE:
        return
    with _lock:
        if _stale_checked:
            return
        _stale_checked = True
        if _world is None:
            _forget_previous()


@dataclass(frozen=True)
class RealWims:
    url: str
    ident: str
    passwd: str
    rclass: str = RCLASS


def _build(tool_url: str, real: RealWims | None = None) -> DemoWorld:
    from wims_lti.lti.devplatform import DevPlatform, DevPlatformServer, people
    from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER
    from wims_lti.wims.emulator.server import EmulatorServer

    emulator = None
    if real is None:
        emulator = EmulatorServer(IDENT, secrets.token_hex(8), agent=settings.WIMS_USER_AGENT).start()
        real = RealWims(emulator.url, IDENT, emulator.emulator.passwd)
    platform = DevPlatform("moodle", issuer=f"https://demo-{secrets.token_hex(4)}.wims-lti.invalid")
    platform_server = DevPlatformServer(platform).start()
    _forget_previous()
    wims_server = WimsServer.objects.create(
        name=SERVER_NAME if emulator is not None else REAL_SERVER_NAME,
        url=real.url,
        ident=real.ident,
        passwd=real.passwd,
        rclass=real.rclass,
    )
    toolkey_ensure()
    registration = platform_register(
        name=PLATFORM_NAME,
        issuer=platform.issuer,
        client_id=CLIENT_ID,
        auth_login_url=platform.auth_login_url,
        auth_token_url=platform.auth_token_url,
        keyset_url=platform.jwks_url,
        deployment_ids=[DEPLOYMENT_ID],
        wims_server=wims_server,
        institution="Demo University",
    )
    platform.register_tool(
        CLIENT_ID,
        tool_url + reverse("lti-platform-login", args=[registration.uuid]),
        [tool_url + reverse("lti-platform-launch", args=[registration.uuid])],
        tool_jwks_url=tool_url + reverse("lti-jwks"),
        deployment_ids=[DEPLOYMENT_ID],
    )
    course = platform.add_course(COURSE_TITLE, "DEMO")
    teacher = course.enroll(people.teacher(), INSTRUCTOR)
    student = course.enroll(people.student(), LEARNER)
    link = course.add_resource_link(ACTIVITY_TITLE, score_maximum=10)
    logger.info("demo: platform at %s, WIMS at %s", platform_server.url, real.url)
    return DemoWorld(
        tool_url,
        platform,
        platform_server,
        emulator,
        registration,
        wims_server,
        course,
        teacher,
        student,
        link,
    )


def demo_world(*, tool_url: str) -> DemoWorld:
    """The process's demo world, started on first use (or restarted when the tool's URL changed)."""
    global _world
    with _lock:
        if (
            _world is not None
            and _world.tool_url == tool_url
            and Platform.objects.filter(pk=_world.registration.pk).exists()
        ):
            return _world
        if _world is not None:
            _world.stop()
        _world = _build(tool_url)
        return _world


def demo_world_use(*, tool_url: str, real: RealWims | None) -> DemoWorld:
    """A fresh demo world on a real WIMS (`real`) or on a new emulator (None)."""
    global _world
    with _lock:
        if _world is not None:
            _world.stop()
            _world = None
        _world = _build(tool_url, real)
        return _world


def demo_world_current() -> DemoWorld | None:
    return _world


def demo_world_stop() -> None:
    global _world
    with _lock:
        if _world is not None:
            _world.stop()
        _world = None
