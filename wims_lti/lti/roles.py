"""Course roles of an LTI launch: who enters WIMS as the class supervisor.

Only *membership* (context) roles count, in short (`Instructor`) or full-URI form
(`http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`, sub-roles like
`…/membership/Instructor#TeachingAssistant`). Institution roles (`…/institution/person#Administrator`)
and system roles grant nothing inside a course. The LMS "test student" is a Learner.
"""

from __future__ import annotations

from collections.abc import Iterable

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
# Legacy LTI 1.1-style role URNs that some platforms still send in 1.3 launches.
LEGACY_MEMBERSHIP = "urn:lti:role:ims/lis/"

STAFF_ROLES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"})


def membership_roles(roles: Iterable[str]) -> set[str]:
    """The context-role names of a launch: `Instructor`, `Learner`, `TeachingAssistant`, ...

    A sub-role counts both as itself and as its parent only when the parent is a staff role
    (`membership/Instructor#TeachingAssistant` → {"TeachingAssistant"}).
    """
    names: set[str] = set()
    for role in roles:
        role = role.strip()
        if not role:
            continue
        if role.startswith(MEMBERSHIP):
            rest = role[len(MEMBERSHIP) :]
            # "#Instructor" or "/Instructor#TeachingAssistant"
            names.add(rest.rsplit("#", 1)[-1] if "#" in rest else rest.lstrip("/"))
        elif role.startswith(LEGACY_MEMBERSHIP):
            names.add(role[len(LEGACY_MEMBERSHIP) :].split("/")[-1])
        elif ":" not in role and "/" not in role and "#" not in role:
            names.add(role)  # short form, context role by the spec
    return {n for n in names if n}


def is_course_staff(roles: Iterable[str]) -> bool:
    """True when the user enters WIMS as the class supervisor."""
    return bool(membership_roles(roles) & STAFF_ROLES)
