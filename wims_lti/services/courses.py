"""Courses: the LMS context of a launch, and the WIMS class created for it."""

from __future__ import annotations

import datetime
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from wims_lti.lti.claims import LaunchClaims
from wims_lti.models import Course, LmsUser, Platform, WimsServer
from wims_lti.wims import identifiers as ids
from wims_lti.wims.gate import wims_person_names, wims_text

from .locks import redis_lock
from .passwords import random_password
from .servers import wims_client_for

logger = logging.getLogger(__name__)

SUPERVISOR_NAME_MIN = 6
CLASS_DEFAULT_DAYS = 365  # WIMS's own default: a class expires one year after its creation
CLASS_MAX_DAYS = 366
DEFAULT_LEVEL = "H4"  # WIMS's default level


def _course_lookup(*, tenant_id: int, deployment_id: str, context_id: str) -> Course | None:
    """The course of (tenant, deployment, context). A course whose deployment is unknown (LTI 1.1, or
    migrated from a registration with several deployments) is adopted by the first 1.3 launch of its
    context; an LTI 1.1 launch (no deployment id) finds the context's only course."""
    same = Course.objects.filter(tenant_id=tenant_id, context_id=context_id)
    course = same.filter(deployment_id=deployment_id).first()
    if course is not None:
        return course
    if deployment_id:
        legacy = same.filter(deployment_id="").first()
        if legacy is not None and same.filter(pk=legacy.pk, deployment_id="").update(
            deployment_id=deployment_id
        ):
            logger.info("course %s adopted by deployment %r", legacy.pk, deployment_id)
            legacy.deployment_id = deployment_id
            return legacy
        return None
    found = list(same[:2])
    return found[0] if len(found) == 1 else None


def course_for_launch(*, platform: Platform, claims: LaunchClaims) -> Course:
    """The course of the launch's context in its tenant and deployment (a context id is unique only
    within a deployment), created on first sight; title and label kept up to date."""
    defaults = {"title": claims.context_title[:500], "label": claims.context_label[:200]}
    key: dict[str, Any] = {
        "tenant_id": platform.tenant_pk,
        "deployment_id": claims.deployment_id,
        "context_id": claims.context_id,
    }
    course = _course_lookup(**key)
    created = False
    if course is None:
        try:
            with transaction.atomic():
                course, created = Course.objects.get_or_create(
                    **key, defaults={**defaults, "platform": platform}
                )
        except IntegrityError:  # a simultaneous first launch created it
            course, created = Course.objects.get(**key), False
    if not created and (course.title, course.label) != (defaults["title"], defaults["label"]):
        Course.objects.filter(pk=course.pk).update(**defaults)
        course.title, course.label = defaults["title"], defaults["label"]
    return course


@dataclass(frozen=True)
class ClassOptions:
    """What the teacher chooses for a new WIMS class (the linking page's form)."""

    description: str
    institution: str
    lang: str
    expiration: datetime.date
    limit: int
    level: str


def supervisor_names(*, user: LmsUser) -> tuple[str, str]:
    """(first, last) of the class supervisor; WIMS needs both, so placeholders when the LMS hides them."""
    first, last = user.given_name.strip(), user.family_name.strip()
    if not first and not last:
        tag = hashlib.sha256(user.sub.encode()).hexdigest()[:6].upper()
        return ("Teacher", f"LMS {tag}")
    return (first or "-", last or "-")


def class_options_default(*, course: Course, lang: str) -> ClassOptions:
    """The new class as prefilled from the launch: course title, platform institution, launch language."""
    platform = course.platform
    # Prefilled as WIMS will store them (the gate): a title made only of symbols falls back to the next.
    description = next(
        (
            text
            for text in (course.title, course.label, f"LMS course {course.context_id}")
            if len(wims_text(text, field="class.description")) >= ids.DESCRIPTION_MIN
        ),
        "LMS course",
    )
    institution = next(
        (
            text
            for text in (platform.institution, platform.name)
            if len(wims_text(text, field="class.institution")) >= ids.INSTITUTION_MIN
        ),
        "LMS",
    )
    return ClassOptions(
        description=wims_text(description, field="class.description"),
        institution=wims_text(institution, field="class.institution"),
        lang=lang if lang in ("fr", "en") else "en",
        expiration=timezone.localdate() + datetime.timedelta(days=CLASS_DEFAULT_DAYS),
        limit=settings.WIMS_CLASS_LIMIT,
        level=DEFAULT_LEVEL,
    )


@sensitive_variables("class_info", "supervisor_info")
def _class_fields(*, user: LmsUser, options: ClassOptions) -> tuple[dict[str, object], dict[str, object]]:
    first, last = supervisor_names(user=user)
    first, last = wims_person_names(first, last, tag_source=user.sub, field_prefix="supervisor")
    supervisor = wims_text(f"{first} {last}", field="class.supervisor")
    if len(supervisor) < SUPERVISOR_NAME_MIN:
        supervisor = f"{supervisor} (LMS)".strip()
    email = wims_text(user.email, field="class.email") or settings.WIMS_DEFAULT_EMAIL
    class_info: dict[str, object] = {
        "description": options.description,
        "institution": options.institution,
        "supervisor": supervisor,
        "email": email,
        "password": random_password(),
        "lang": options.lang,
        "limit": options.limit,
        "level": options.level,
        "expiration": options.expiration,
    }
    supervisor_info: dict[str, object] = {
        "firstname": first,  # already padded to WIMS's 2 characters by the gate
        "lastname": last,
        "password": random_password(),
        "email": email,
    }
    return class_info, supervisor_info


@sensitive_variables("class_info", "supervisor_info")
def course_create_class(
    *, course: Course, user: LmsUser, options: ClassOptions, server: WimsServer | None = None
) -> Course:
    """Create the WIMS class of a course (the teacher's "create" form). One class, whatever the
    concurrency: a Redis lock serialises creators and the course is re-read under it, so a double
    submission never makes two classes (addclass is never retried)."""
    server = server or course.platform.default_wims_server
    with redis_lock(f"course-class:{course.pk}"):
        course.refresh_from_db()
        if course.is_linked:
            return course
        class_info, supervisor_info = _class_fields(user=user, options=options)
        reply = wims_client_for(server).addclass(server.rclass, class_info, supervisor_info)
        course.wims_server = server
        course.qclass = reply.class_id
        course.rclass = server.rclass
        course.class_password = str(class_info["password"])
        course.supervisor_password = str(supervisor_info["password"])
        course.lang = options.lang
        course.linked_at = timezone.now()
        course.save()
        logger.info("created WIMS class %s on %s for course %s", course.qclass, server.name, course.pk)
    return course
