"""Linking an LMS course to a WIMS class: an existing class, unlinking, and a class that vanished.

Creating a new class is `courses.course_create_class`. Nothing here ever deletes anything in WIMS:
unlinking only drops the bridge's mapping (after the teacher confirmed it), and a class that WIMS no
longer knows keeps its mapping until the teacher chooses to recreate or restore it.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from wims_lti.models import Course, LmsUser, Platform, WimsServer
from wims_lti.wims import identifiers as ids
from wims_lti.wims.errors import (
    WimsClassNotFound,
    WimsConnectionRefused,
    WimsError,
    WimsErrorReply,
    WimsUnreachable,
    WimsUserNotFound,
)

from .courses import ClassOptions, course_create_class
from .locks import redis_lock
from .servers import wims_client_for

logger = logging.getLogger(__name__)


class LinkingError(Exception):
    """The teacher's request cannot be done as asked; `code` says why (the view explains it)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


class ClassAlreadyLinked(LinkingError):
    def __init__(self) -> None:
        super().__init__("already_linked", "this WIMS class is linked to another course")


class ClassNotYours(LinkingError):
    """One answer for "no such class", "the class does not accept this tool", "wrong supervisor
    password": a teacher learns nothing about classes they cannot prove they own."""

    def __init__(self, reason: str) -> None:
        super().__init__("not_yours", reason)


class ServerNotAllowed(LinkingError):
    def __init__(self) -> None:
        super().__init__("server_not_allowed", "this platform may not use this WIMS server")


class ClassState(enum.Enum):
    OK = "ok"
    VANISHED = "vanished"  # WimsClassNotFound
    REFUSED = "refused"  # class_connections no longer lists this server's ident/rclass
    UNREACHABLE = "unreachable"
    ERROR = "error"


@dataclass(frozen=True)
class ClassStatus:
    state: ClassState
    message: str = ""


def connection_line(*, server: WimsServer) -> str:
    """What the WIMS administrator adds to the class's `.def` so that this bridge may reach it."""
    return f"!set class_connections=+{server.ident}/{server.rclass}+"


def course_class_status(*, course: Course) -> ClassStatus:
    """Ask WIMS whether the linked class is still there (one checkclass)."""
    assert course.wims_server is not None
    try:
        wims_client_for(course.wims_server).checkclass(course.qclass, course.rclass)
    except WimsClassNotFound as exc:
        logger.warning("course %s: WIMS class %s vanished", course.pk, course.qclass)
        return ClassStatus(ClassState.VANISHED, exc.message)
    except WimsConnectionRefused as exc:
        return ClassStatus(ClassState.REFUSED, exc.message)
    except WimsUnreachable as exc:
        return ClassStatus(ClassState.UNREACHABLE, exc.message)
    except WimsError as exc:
        return ClassStatus(ClassState.ERROR, exc.message)
    return ClassStatus(ClassState.OK)


def course_link_existing(
    *,
    course: Course,
    server: WimsServer,
    qclass: str,
    supervisor_password: str,
    platform: Platform | None = None,
) -> Course:
    """Link the course to an existing WIMS class the teacher proves to own: WIMS's record of the class
    supervisor's password must match `supervisor_password` (getuser, checked by `WimsClient`), on a
    server the registration may use. Raises ServerNotAllowed, ClassNotYours (no such class, no
    connection for this tool, wrong password: one answer), ClassAlreadyLinked (only to the proven
    owner), LinkingError("linked"); WimsError when WIMS cannot answer."""
    platform = platform or course.platform
    if not platform.allowed_wims_servers().filter(pk=server.pk).exists():
        raise ServerNotAllowed()
    qclass = ids.check_class_id(qclass.strip())
    client = wims_client_for(server)
    with redis_lock(f"course-class:{course.pk}"):
        course.refresh_from_db()
        if course.is_linked:
            raise LinkingError("linked", "the course is already linked: unlink it first")
        # Without a typed password: the one this course's own class was created with (kept by unlink), so
        # a teacher relinks the class they unlinked; it proves nothing for any other class.
        password = supervisor_password or course.supervisor_password
        try:
            owner = client.check_supervisor_password(qclass, server.rclass, password)
        except (WimsClassNotFound, WimsConnectionRefused, WimsUserNotFound) as exc:
            raise ClassNotYours(type(exc).__name__) from exc
        if not owner:
            logger.warning("course %s: wrong supervisor password for WIMS class %s", course.pk, qclass)
            raise ClassNotYours("wrong supervisor password")
        if Course.objects.filter(wims_server=server, qclass=qclass).exclude(pk=course.pk).exists():
            raise ClassAlreadyLinked()
        lang = course.lang
        try:
            info = client.getclass(qclass, server.rclass)
            lang = info.lang if info.lang in ("fr", "en") else lang
        except WimsErrorReply as exc:  # checkclass said yes: a getclass hiccup only costs the language
            logger.warning("getclass %s after checkclass: %s", qclass, exc)
        course.wims_server = server
        course.qclass = qclass
        course.rclass = server.rclass
        if (
            supervisor_password
        ):  # another class than the one this course created: its passwords are the teacher's
            course.class_password = ""
            course.supervisor_password = ""
        course.lang = lang
        course.linked_at = timezone.now()
        try:
            with transaction.atomic():
                course.save()
        except IntegrityError as exc:  # linked to another course at the same instant
            raise ClassAlreadyLinked() from exc
    logger.info("course %s linked to existing WIMS class %s on %s", course.pk, qclass, server.name)
    return course


def course_unlink(*, course: Course) -> Course:
    """Drop the mapping to the WIMS class (the class itself is left untouched in WIMS).

    Students' WIMS logins are derived from their LMS identity, so relinking to the same class finds
    their accounts and work again; resource-link bindings are kept for the same reason, and so is the
    supervisor password the bridge gave a class it created (it proves this course may link it again)."""
    with redis_lock(f"course-class:{course.pk}"):
        course.refresh_from_db()
        previous = (course.wims_server_id, course.qclass)
        course.wims_server = None
        course.qclass = ""
        course.rclass = ""
        course.linked_at = None
        course.save()
    logger.info("course %s unlinked from WIMS class %s (server %s)", course.pk, previous[1], previous[0])
    return course


def _require_vanished(course: Course) -> None:
    status = course_class_status(course=course)
    if status.state is not ClassState.VANISHED:
        raise LinkingError("not_vanished", f"the class is not missing ({status.state.value})")


def course_recreate_class(*, course: Course, user: LmsUser, options: ClassOptions) -> Course:
    """The linked class vanished from WIMS: create a new one on the same server in its place."""
    if not course.is_linked:
        raise LinkingError("not_linked")
    server = course.wims_server
    assert server is not None
    _require_vanished(course)
    course_unlink(course=course)
    return course_create_class(course=course, user=user, options=options, server=server)


def course_class_backups(*, course: Course) -> tuple[int, ...]:
    """Years of the WIMS backups of the course's class (only classes archived by WIMS's housekeeping)."""
    assert course.wims_server is not None
    backups = wims_client_for(course.wims_server).listclassbackups(course.qclass)
    return tuple(sorted(backups.years_for(course.qclass), reverse=True))


def course_restore_class(*, course: Course, year: int) -> Course:
    """Restore the vanished class from its WIMS backup of `year`; the mapping stays as it was."""
    if not course.is_linked:
        raise LinkingError("not_linked")
    assert course.wims_server is not None
    _require_vanished(course)
    if year not in course_class_backups(course=course):
        raise LinkingError("no_backup", f"no backup of class {course.qclass} in {year}")
    wims_client_for(course.wims_server).restoreclassbackups(course.qclass, year, course.rclass)
    logger.info("course %s: WIMS class %s restored from the %s backup", course.pk, course.qclass, year)
    return course
