"""Course roles of each person's latest launch: what teacher-page tokens are checked against."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from wims_lti.models import Course, CourseRole, LmsUser

logger = logging.getLogger(__name__)


def course_role_record(*, course: Course, user: LmsUser, roles: list[str], is_staff: bool) -> int:
    """Record the staff status of a launch; returns the generation tokens must carry. A change of status
    starts a new generation: every token issued before (under the other status) stops working."""
    roles = [str(r) for r in roles][:50]
    for _attempt in range(2):
        try:
            with transaction.atomic():
                role, created = CourseRole.objects.select_for_update().get_or_create(
                    course=course, lms_user=user, defaults={"is_staff": is_staff, "roles": roles}
                )
                if created:
                    return role.generation
                if role.is_staff != is_staff or role.roles != roles:
                    if role.is_staff != is_staff:
                        role.generation += 1
                        if not is_staff:
                            logger.info(
                                "LMS user %s relaunched course %s without a staff role: tokens revoked",
                                user.pk,
                                course.pk,
                            )
                    role.is_staff, role.roles = is_staff, roles
                    role.save(update_fields=["is_staff", "roles", "generation", "modified"])
                return role.generation
        except IntegrityError:  # a simultaneous first launch created it: read it again
            continue
    raise RuntimeError("course role could not be recorded")


def course_role_current(*, course: Course, user: LmsUser) -> CourseRole | None:
    return CourseRole.objects.filter(course=course, lms_user=user).first()
