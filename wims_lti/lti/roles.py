"""Course roles of an LTI launch: who gets the teacher pages (and enters WIMS as the class supervisor).

Role URIs are parsed exactly (LTI 1.3 core, appendix A.2; LIS v2 vocabulary):
- context roles `http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`, their sub-roles
  `…/membership/Instructor#TeachingAssistant` (a sub-role of *that* principal role only), the legacy
  `urn:lti:role:ims/lis/Instructor[/SubRole]` and the deprecated short form `Instructor`;
- anything else (`…/membership/Learner#Instructor`, `…/membershipX#Instructor`, unknown names) is no
  context role at all.
Staff: a principal role Instructor, ContentDeveloper or Administrator; a sub-role of one of them only
when the platform lets sub-roles in (`Platform.subroles_are_staff`). Institution and system roles grant
nothing in a course, except in a deep-linking request (`may_select_content`): platforms send content
selection only to course editors, and some (the 1EdTech reference platform, Canvas account admins) send
only institution or system roles then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
MEMBERSHIP = LIS + "membership"
INSTITUTION = LIS + "institution/person#"
SYSTEM = LIS + "system/person#"
LEGACY_MEMBERSHIP = "urn:lti:role:ims/lis/"
LEGACY_INSTITUTION = "urn:lti:instrole:ims/lis/"
LEGACY_SYSTEM = "urn:lti:sysrole:ims/lis/"

# LIS v2 context roles and their sub-roles (LTI 1.3 core, A.2.3 and A.2.3.1).
SUB_ROLES: dict[str, frozenset[str]] = {
    "Administrator": frozenset(
        {
            "Administrator",
            "Developer",
            "ExternalDeveloper",
            "ExternalSupport",
            "ExternalSystemAdministrator",
            "Support",
            "SystemAdministrator",
        }
    ),
    "ContentDeveloper": frozenset(
        {"ContentDeveloper", "ContentExpert", "ExternalContentExpert", "Librarian"}
    ),
    "Instructor": frozenset(
        {
            "ExternalInstructor",
            "Grader",
            "GuestInstructor",
            "Lecturer",
            "PrimaryInstructor",
            "SecondaryInstructor",
            "TeachingAssistant",
            "TeachingAssistantGroup",
            "TeachingAssistantOffering",
            "TeachingAssistantSection",
            "TeachingAssistantSectionAssociation",
            "TeachingAssistantTemplate",
        }
    ),
    "Learner": frozenset({"ExternalLearner", "GuestLearner", "Learner", "NonCreditLearner"}),
    "Manager": frozenset({"AreaManager", "CourseCoordinator", "ExternalObserver", "Manager", "Observer"}),
    "Member": frozenset({"Member"}),
    "Mentor": frozenset(
        {
            "Advisor",
            "Auditor",
            "ExternalAdvisor",
            "ExternalAuditor",
            "ExternalLearningFacilitator",
            "ExternalMentor",
            "ExternalReviewer",
            "ExternalTutor",
            "LearningFacilitator",
            "Mentor",
            "Reviewer",
            "Tutor",
        }
    ),
    "Officer": frozenset({"Chair", "Communications", "Secretary", "Treasurer", "Vice-Chair"}),
}
STAFF_ROLES = frozenset({"Instructor", "ContentDeveloper", "Administrator"})
# LTI 1.1 (and its short forms) also had TeachingAssistant as a context role of its own.
LEGACY_STAFF = frozenset({"TeachingAssistant"})
CONTENT_SELECTORS = frozenset({"Instructor", "Administrator", "SysAdmin"})  # institution / system roles


@dataclass(frozen=True)
class ContextRole:
    principal: str
    sub_role: str = ""  # "" for the principal role itself


def _context_role(role: str) -> ContextRole | None:
    if role.startswith(MEMBERSHIP + "#"):
        name = role[len(MEMBERSHIP) + 1 :]
        return ContextRole(name) if name in SUB_ROLES else None
    if role.startswith(MEMBERSHIP + "/"):
        principal, sep, sub = role[len(MEMBERSHIP) + 1 :].partition("#")
        if sep and principal in SUB_ROLES and sub in SUB_ROLES[principal]:
            return ContextRole(principal, sub)
        return None
    if role.startswith(LEGACY_MEMBERSHIP):
        parts = role[len(LEGACY_MEMBERSHIP) :].split("/")
        if len(parts) == 1 and parts[0] in LEGACY_STAFF:
            return ContextRole("Instructor", parts[0])
        if len(parts) == 1 and parts[0] in SUB_ROLES:
            return ContextRole(parts[0])
        if len(parts) == 2 and parts[0] in SUB_ROLES and parts[1] in SUB_ROLES[parts[0]]:
            return ContextRole(parts[0], parts[1])
        return None
    if role in SUB_ROLES:  # deprecated short form: a context role by the spec
        return ContextRole(role)
    if role in LEGACY_STAFF:
        return ContextRole("Instructor", role)
    return None


def context_roles(roles: Iterable[str]) -> list[ContextRole]:
    found = []
    for role in roles:
        parsed = _context_role(role.strip()) if isinstance(role, str) else None
        if parsed is not None:
            found.append(parsed)
    return found


def membership_roles(roles: Iterable[str]) -> set[str]:
    """The context-role names of a launch (principal roles and sub-roles): `Instructor`, `Learner`, ..."""
    return {r.sub_role or r.principal for r in context_roles(roles)}


def is_course_staff(roles: Iterable[str], *, subroles: bool = True) -> bool:
    """True when the user gets the teacher pages; `subroles`: the platform's choice for sub-roles of a
    staff role (`Instructor#TeachingAssistant`)."""
    for role in context_roles(roles):
        if role.principal in STAFF_ROLES and (not role.sub_role or subroles):
            return True
    return False


def _institution_or_system(role: str) -> str:
    for prefix in (INSTITUTION, SYSTEM, LEGACY_INSTITUTION, LEGACY_SYSTEM):
        if role.startswith(prefix):
            return role[len(prefix) :]
    return ""


def may_select_content(roles: Iterable[str], *, subroles: bool = True) -> bool:
    """Deep linking: course staff, or a person with no context role at all whose institution or system
    role is Instructor or Administrator (platforms send content selection only to course editors)."""
    roles = [r.strip() for r in roles if isinstance(r, str)]
    if is_course_staff(roles, subroles=subroles):
        return True
    if context_roles(roles):
        return False  # a Learner (or Mentor...) of this course stays one
    return any(_institution_or_system(r) in CONTENT_SELECTORS for r in roles)
