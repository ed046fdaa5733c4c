"""Courses: the LMS context of a launch, and the WIMS class created for it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wims_lti.lti.claims import LaunchClaims
from wims_lti.models import Course, Platform, WimsServer

from .locks import redis_lock
from .passwords import random_password
from .servers import wims_client_for

logger = logging.getLogger(__name__)

SUPERVISOR_NAME_MIN = 6


def course_for_launch(*, platform: Platform, claims: LaunchClaims) -> Course:
    """The course of the launch's context, created on first sight; title and label kept up to date."""
    defaults = {"title": claims.context_title[:500], "label": claims.context_label[:200]}
    try:
        with transaction.atomic():
            course, created = Course.objects.get_or_create(
                platform=platform, context_id=claims.context_id, defaults=defaults
            )
    except IntegrityError:  # a simultaneous first launch created it
        course, created = Course.objects.get(platform=platform, context_id=claims.context_id), False
    if not created and (course.title, course.label) != (defaults["title"], defaults["label"]):
        Course.objects.filter(pk=course.pk).update(**defaults)
        course.title, course.label = defaults["title"], defaults["label"]
    return course


def _class_fields(*, platform: Platform, claims: LaunchClaims) -> tuple[dict[str, object], dict[str, object]]:
    first, last = claims.person_names()
    supervisor = f"{first} {last}".strip()
    if len(supervisor) < SUPERVISOR_NAME_MIN:
        supervisor = f"{supervisor} (LMS)"
    description = claims.context_title or claims.context_label or f"LMS course {claims.context_id}"
    institution = platform.institution or platform.name or "LMS"
    email = claims.email if "@" in claims.email and len(claims.email) >= 8 else settings.WIMS_DEFAULT_EMAIL
    class_info: dict[str, object] = {
        "description": description if len(description) >= 2 else f"{description} course",
        "institution": institution if len(institution) >= 2 else f"{institution} LMS",
        "supervisor": supervisor,
        "email": email,
        "password": random_password(),
        "lang": claims.lang,
        "limit": settings.WIMS_CLASS_LIMIT,
    }
    supervisor_info: dict[str, object] = {
        "firstname": first if len(first) >= 2 else f"{first} -",
        "lastname": last if len(last) >= 2 else f"{last} -",
        "password": random_password(),
        "email": email,
    }
    return class_info, supervisor_info


def course_create_class(*, course: Course, claims: LaunchClaims, server: WimsServer | None = None) -> Course:
    """Create the WIMS class of a course (first teacher launch). One class, whatever the concurrency:
    a Redis lock serialises creators and the course is re-read under it."""
    server = server or course.platform.default_wims_server
    with redis_lock(f"course-class:{course.pk}"):
        course.refresh_from_db()
        if course.is_linked:
            return course
        class_info, supervisor_info = _class_fields(platform=course.platform, claims=claims)
        reply = wims_client_for(server).addclass(server.rclass, class_info, supervisor_info)
        course.wims_server = server
        course.qclass = reply.class_id
        course.rclass = server.rclass
        course.class_password = str(class_info["password"])
        course.supervisor_password = str(supervisor_info["password"])
        course.lang = claims.lang
        course.linked_at = timezone.now()
        course.save()
        logger.info("created WIMS class %s on %s for course %s", course.qclass, server.name, course.pk)
    return course
