"""What the demo page's buttons do: the WIMS side a teacher would do in WIMS (a sample sheet), a student
working (a score set through the emulator's API), "Sync now" run in-process, and the LMS gradebook."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from wims_lti.models import Course, ResourceLink, SyncRun
from wims_lti.services.grades import RetryLater, activity_sync_execute, sync_run_start
from wims_lti.services.servers import wims_client_for
from wims_lti.wims.client import WimsClient

from .runtime import SHEET_TITLE, DemoWorld

logger = logging.getLogger(__name__)

SAMPLE_EXO = r"""\title{Addition}
\language{en}
\author{wims_lti demo}
\email{demo@example.com}
\computeanswer{no}
\format{html}
\statement{What is 2 + 3 ?}
\answer{Sum}{5}{type=numeric}
"""


@sensitive_variables("passwd", "client")
def demo_wims_check(*, url: str, ident: str, passwd: str) -> None:
    """Raises WimsError unless this adm/raw connection answers `checkident` (short timeout)."""
    client = WimsClient(
        url, ident, passwd, user_agent=settings.WIMS_USER_AGENT, connect_timeout=3, read_timeout=10
    )
    try:
        client.checkident()
    finally:
        client.session.close()


class DemoError(Exception):
    """A step done out of order; the message says what to do first (translated by the view)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _linked_course(world: DemoWorld) -> Course:
    course = world.db_course()
    if course is None or not course.is_linked or course.wims_server is None:
        raise DemoError("not_linked")
    return course


@dataclass(frozen=True)
class DemoSheet:
    number: int
    title: str


def demo_sheet_add(*, world: DemoWorld) -> DemoSheet:
    """A sheet with one exercise, active, in the course's WIMS class (“Addition”, then “Addition 2”…)."""
    course = _linked_course(world)
    assert course.wims_server is not None  # checked by _linked_course
    client = wims_client_for(course.wims_server)
    qclass, rclass = course.qclass, course.rclass
    existing = len(client.listsheets(qclass, rclass).sheets)
    if existing == 0:
        client.addexo(qclass, rclass, "addition", SAMPLE_EXO)
    number = existing + 1
    title = SHEET_TITLE if number == 1 else f"{SHEET_TITLE} {number}"
    client.addsheet(qclass, rclass, {"title": title, "expiration": "20991231"})
    client.putexo(
        qclass,
        rclass,
        number,
        {
            "module": "classes/en",
            "params": "exo=addition&qnum=1&qcmlevel=1&scoredelay=&seedrepeat=0",
            "points": 10,
        },
    )
    client.modsheet(qclass, rclass, number, {"status": 1})
    return DemoSheet(number, title)


def _bound_link(world: DemoWorld) -> ResourceLink:
    course = _linked_course(world)
    link = ResourceLink.objects.filter(course=course, resource_link_id=str(world.link.id)).first()
    if link is None or link.kind != ResourceLink.Kind.SHEET or link.number is None:
        raise DemoError("not_bound")
    return link


def demo_student_works(*, world: DemoWorld, percent: float) -> None:
    """The student "answers" the bound sheet: the emulator records `percent` of its points."""
    link = _bound_link(world)
    if world.emulator is None:
        raise DemoError("real_wims_work")
    account = world.student_account()
    if account is None:
        raise DemoError("student_never_launched")
    number = int(link.number or 0)  # checked by _bound_link
    world.emulator.emulator.set_sheet_score(link.course.qclass, number, account.quser, percent=percent)


@dataclass(frozen=True)
class DemoSync:
    run: SyncRun
    retry: list[str]


def demo_sync(*, world: DemoWorld) -> DemoSync:
    """ "Sync now", with the activity syncs run here and now (no Celery worker needed for the demo)."""
    course = _linked_course(world)
    _bound_link(world)
    pending: list[int] = []
    run = sync_run_start(course=course, trigger=SyncRun.Trigger.MANUAL, enqueue=pending.append)
    if run is None:
        raise DemoError("not_bound")
    retry = []
    for activity_sync_id in pending:
        try:
            activity_sync_execute(activity_sync_id=activity_sync_id)
        except RetryLater as exc:
            retry.append(exc.code)
    return DemoSync(run=run, retry=retry)


@dataclass(frozen=True)
class GradebookRow:
    column: str
    student: str
    grade: float | None
    score_given: float | None
    score_maximum: float | None
    timestamp: str | None  # as the LMS received it (ISO 8601)

    @property
    def when(self) -> datetime | None:
        """The timestamp as a date, for humans (the template formats it in the page's language)."""
        if not self.timestamp:
            return None
        try:
            return datetime.fromisoformat(self.timestamp.replace("Z", "+00:00"))
        except ValueError:
            return None


def demo_gradebook(*, world: DemoWorld) -> list[GradebookRow]:
    """The dev platform's gradebook: what the LMS received."""
    names = {
        u.sub: " ".join(filter(None, [u.given_name, u.family_name])) or u.sub
        for u in (world.teacher, world.student)
    }
    rows = []
    for item in list(world.platform.line_items.values()):
        for entry in world.platform.gradebook.for_line_item(item.id):
            rows.append(
                GradebookRow(
                    column=item.label,
                    student=names.get(entry.user_sub, entry.user_sub),
                    grade=entry.grade,
                    score_given=entry.score_given,
                    score_maximum=entry.score_maximum,
                    timestamp=entry.timestamp,
                )
            )
    return rows
