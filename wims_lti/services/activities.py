"""The sheets and exams of a course's WIMS class, and binding a resource link to one of them.

Every number a teacher sends is checked against the class of *their* course (listsheets/listexams),
so a link can only be bound to an activity that exists in that course's class.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from wims_lti.models import Course, ResourceLink
from wims_lti.wims.results import ItemStatus

from .servers import wims_client_for

logger = logging.getLogger(__name__)

KINDS = ("sheet", "exam")
SCORE_MAXIMUM = 10  # WIMS's score scale (class_scoremax)


class UnknownActivity(LookupError):
    """No sheet or exam of that kind and number in the course's class."""


@dataclass(frozen=True)
class Activity:
    kind: str  # "sheet" | "exam"
    number: int
    title: str
    status: ItemStatus
    expiration: datetime.date | None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.number}"

    @property
    def hidden(self) -> bool:
        return self.status is ItemStatus.EXPIRED_HIDDEN


@dataclass(frozen=True)
class ActivityDetails:
    activity: Activity
    description: str
    exercise_count: int
    duration: int | None = None  # exams: minutes
    attempts: int | None = None  # exams


@dataclass(frozen=True)
class ClassActivities:
    sheets: tuple[Activity, ...]
    exams: tuple[Activity, ...]

    def find(self, kind: str, number: int) -> Activity | None:
        items = self.sheets if kind == "sheet" else self.exams if kind == "exam" else ()
        return next((item for item in items if item.number == number), None)

    @property
    def all(self) -> tuple[Activity, ...]:
        return self.sheets + self.exams


def course_activities(*, course: Course) -> ClassActivities:
    """listsheets + listexams of the course's class."""
    assert course.wims_server is not None and course.is_linked
    client = wims_client_for(course.wims_server)
    sheets = client.listsheets(course.qclass, course.rclass).sheets
    exams = client.listexams(course.qclass, course.rclass).exams
    return ClassActivities(
        sheets=tuple(Activity("sheet", s.id, s.title, s.status, s.expiration) for s in sheets),
        exams=tuple(Activity("exam", e.id, e.title, e.status, e.expiration) for e in exams),
    )


def activity_get(*, course: Course, kind: str, number: int) -> Activity:
    activity = course_activities(course=course).find(kind, number)
    if activity is None:
        raise UnknownActivity(f"{kind} {number} is not in class {course.qclass}")
    return activity


def activity_details(*, course: Course, activity: Activity) -> ActivityDetails:
    """getsheet / getexam of one activity of the course's class."""
    assert course.wims_server is not None
    client = wims_client_for(course.wims_server)
    if activity.kind == "sheet":
        sheet = client.getsheet(course.qclass, course.rclass, activity.number)
        return ActivityDetails(activity, sheet.description, len(sheet.exercises))
    exam = client.getexam(course.qclass, course.rclass, activity.number)
    return ActivityDetails(
        activity, exam.description, exam.exercise_count, duration=exam.duration, attempts=exam.attempts
    )


def activity_resource_id(*, course: Course, kind: str, number: int) -> str:
    """A stable id of the activity for LMS line items: `wims:<server>:<qclass>:<kind>:<number>`."""
    assert course.wims_server is not None
    return f"wims:{course.wims_server.name}:{course.qclass}:{kind}:{number}"


def resource_link_bind(*, course: Course, link: ResourceLink, kind: str, number: int) -> Activity:
    """Bind the link to a sheet or exam of the course's class (checked to exist there)."""
    if link.course_id != course.pk:
        raise UnknownActivity("the link is not in this course")
    if kind not in KINDS:
        raise UnknownActivity(f"unknown kind {kind!r}")
    activity = activity_get(course=course, kind=kind, number=number)
    ResourceLink.objects.filter(pk=link.pk, course=course).update(kind=kind, number=number)
    link.kind, link.number = kind, number
    logger.info("resource link %s of course %s bound to %s %s", link.pk, course.pk, kind, number)
    return activity


def resource_link_unbind(*, course: Course, link: ResourceLink) -> None:
    """The link opens the class's home page again."""
    if link.course_id != course.pk:
        raise UnknownActivity("the link is not in this course")
    ResourceLink.objects.filter(pk=link.pk, course=course).update(kind="", number=None)
    link.kind, link.number = "", None
