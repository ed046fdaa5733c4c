"""Course roles as the platform stores them, and how each LMS writes them in launches and NRPS."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Flavor = Literal["moodle", "canvas"]

# Platform-side course roles (what `course.enroll(user, roles=...)` takes).
INSTRUCTOR = "Instructor"
LEARNER = "Learner"
TEACHING_ASSISTANT = "TeachingAssistant"
CONTENT_DEVELOPER = "ContentDeveloper"
MENTOR = "Mentor"
NON_EDITING_TEACHER = "NonEditingTeacher"  # Moodle's "Non-editing teacher"
COURSE_ROLES = (INSTRUCTOR, LEARNER, TEACHING_ASSISTANT, CONTENT_DEVELOPER, MENTOR, NON_EDITING_TEACHER)

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
MEMBERSHIP_INSTRUCTOR = LIS + "membership#Instructor"
MEMBERSHIP_LEARNER = LIS + "membership#Learner"
MEMBERSHIP_TA = LIS + "membership/Instructor#TeachingAssistant"
MEMBERSHIP_CONTENT_DEVELOPER = LIS + "membership#ContentDeveloper"
MEMBERSHIP_MENTOR = LIS + "membership#Mentor"
INSTITUTION_ADMINISTRATOR = LIS + "institution/person#Administrator"
INSTITUTION_INSTRUCTOR = LIS + "institution/person#Instructor"
INSTITUTION_STUDENT = LIS + "institution/person#Student"
SYSTEM_ADMINISTRATOR = LIS + "system/person#Administrator"
SYSTEM_USER = LIS + "system/person#User"
PERSON_ADMINISTRATOR = LIS + "person#Administrator"  # Moodle NRPS for site admins
CANVAS_TEST_USER = "http://purl.imsglobal.org/vocab/lti/system/person#TestUser"

_CANVAS_MEMBERSHIP = {
    INSTRUCTOR: MEMBERSHIP_INSTRUCTOR,
    LEARNER: MEMBERSHIP_LEARNER,
    TEACHING_ASSISTANT: MEMBERSHIP_TA,
    NON_EDITING_TEACHER: MEMBERSHIP_TA,
    CONTENT_DEVELOPER: MEMBERSHIP_CONTENT_DEVELOPER,
    MENTOR: MEMBERSHIP_MENTOR,
}

# Moodle says Instructor only for users who can manage activities (editing teachers, managers).
_MOODLE_EDITING = {INSTRUCTOR, CONTENT_DEVELOPER}


def is_gradable(roles: Iterable[str]) -> bool:
    """Moodle's default `gradebookroles` (student) and Canvas's `user_is_student?` (test student too)."""
    return LEARNER in set(roles)


def launch_roles(
    flavor: Flavor, roles: Iterable[str], *, is_admin: bool = False, is_test_user: bool = False
) -> list[str]:
    roles = list(roles)
    if flavor == "moodle":
        result = (
            [MEMBERSHIP_INSTRUCTOR if _MOODLE_EDITING & set(roles) else MEMBERSHIP_LEARNER] if roles else []
        )
        if is_admin:
            result += [INSTITUTION_ADMINISTRATOR, SYSTEM_ADMINISTRATOR]
        return result
    result = [_CANVAS_MEMBERSHIP[role] for role in roles if role in _CANVAS_MEMBERSHIP]
    if LEARNER in roles:
        result.append(INSTITUTION_STUDENT)
    if {INSTRUCTOR, TEACHING_ASSISTANT, NON_EDITING_TEACHER} & set(roles):
        result.append(INSTITUTION_INSTRUCTOR)
    if is_admin:
        result.append(INSTITUTION_ADMINISTRATOR)
    result.append(SYSTEM_USER)
    if is_test_user:
        result.append(CANVAS_TEST_USER)
    return list(dict.fromkeys(result))


def nrps_roles(flavor: Flavor, roles: Iterable[str], *, is_admin: bool = False) -> list[str]:
    roles = list(roles)
    if flavor == "moodle":
        if is_admin:
            return (
                [INSTRUCTOR, PERSON_ADMINISTRATOR] if _MOODLE_EDITING & set(roles) else [PERSON_ADMINISTRATOR]
            )
        return [INSTRUCTOR if _MOODLE_EDITING & set(roles) else LEARNER]
    return list(dict.fromkeys(_CANVAS_MEMBERSHIP[role] for role in roles if role in _CANVAS_MEMBERSHIP))
