"""What a person's latest launch in a course said about their role: staff tokens follow it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class CourseRole(TimeStamped):
    """The staff status of a person's latest launch in a course. A teacher-page token carries the
    `generation` it was issued under; a launch that changes the status bumps it, which revokes every
    token issued before (a teacher who relaunches as a learner loses the teacher pages at once)."""

    course = models.ForeignKey("wims_lti.Course", on_delete=models.CASCADE, related_name="roles")
    lms_user = models.ForeignKey("wims_lti.LmsUser", on_delete=models.CASCADE, related_name="course_roles")
    is_staff = models.BooleanField(_("staff in the latest launch"), default=False)
    roles = models.JSONField(_("LTI roles of the latest launch"), default=list)
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("course role")
        verbose_name_plural = _("course roles")
        constraints = [
            models.UniqueConstraint(fields=["course", "lms_user"], name="courserole_unique_user_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.lms_user} in {self.course}: {'staff' if self.is_staff else 'not staff'}"
