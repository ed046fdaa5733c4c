"""A validated LTI launch → a logged-in WIMS URL. The business logic of the launch, in one place.

adm/raw call budget (asserted in tests): a returning user costs 1 call (authuser); a student's first
launch in a linked class 2 (adduser, authuser); a teacher's launch none (the teacher pages open; entering
WIMS as supervisor is one authuser). A course is linked to a WIMS class by a teacher on the linking page
(services/linking.py), never by the launch itself. Nothing is left half-done: every step is
idempotent, so a relaunch completes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from wims_lti.lti.claims import LaunchClaims
from wims_lti.lti.migration import Lti11Identity
from wims_lti.models import Course, LmsUser, Platform, ResourceLink, SupervisorEntry, WimsAccount
from wims_lti.wims.budget import wims_budget
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsUserNotFound

from .accounts import account_ensure, lms_user_for_launch, wims_user_create
from .courses import course_for_launch
from .grades.services import course_services_record
from .migration import migration_adopt_account, migration_adopt_course
from .repair import wims_call_repairing
from .roles import course_role_record
from .servers import wims_client_for

logger = logging.getLogger(__name__)

SUPERVISOR = "supervisor"


class CourseNotLinked(Exception):
    """A student launched before a teacher linked the course to a WIMS class."""


@dataclass(frozen=True)
class LaunchResult:
    course: Course
    user: LmsUser
    link: ResourceLink | None
    as_staff: bool
    url: str = ""  # the WIMS URL a learner is sent to (staff go to the teacher pages)
    quser: str = ""


def resource_link_for_launch(
    *, course: Course, claims: LaunchClaims, platform: Platform | None = None
) -> ResourceLink | None:
    """The launch's resource link, with the registration that launched it (whose client id may call the
    link's AGS endpoints: Open edX gives each block its own)."""
    if not claims.resource_link_id:
        return None
    ags = claims.ags or {}
    fields: dict[str, object] = {
        "title": claims.resource_link_title[:500],
        "lineitem_url": str(ags.get("lineitem") or "")[:1000],
        "lineitems_url": str(ags.get("lineitems") or "")[:1000],
    }
    try:
        with transaction.atomic():
            link, _created = ResourceLink.objects.get_or_create(
                course=course, resource_link_id=claims.resource_link_id, defaults=fields
            )
    except IntegrityError:
        link, _created = (
            ResourceLink.objects.get(course=course, resource_link_id=claims.resource_link_id),
            False,
        )
    changed: dict[str, object] = {k: v for k, v in fields.items() if v and getattr(link, k) != v}
    if platform is not None and link.platform_id != platform.pk:
        changed["platform"] = platform
    bound = claims.bound_activity()
    if bound is not None and not link.kind:
        # First sight of a link placed with `sheet=N`/`exam=N` (by hand or by deep linking): bind it, so
        # its grades flow to this link's column. A binding chosen by the teacher is never overwritten.
        changed["kind"], changed["number"] = bound
    if changed:
        ResourceLink.objects.filter(pk=link.pk).update(**changed)
        for key, value in changed.items():
            setattr(link, key, value)
    return link


def target_activity(*, link: ResourceLink | None, claims: LaunchClaims) -> tuple[str, int] | None:
    """What the user lands on: the link's binding (teacher UI, deep linking), else `sheet=`/`exam=`."""
    if link is not None and link.kind and link.number:
        return link.kind, link.number
    return claims.bound_activity()


def wims_landing_url(*, home_url: str, session: str, lang: str, activity: tuple[str, int] | None) -> str:
    """home_url, or a fresh URL of the same session opening the bound sheet or exam."""
    if activity is None:
        return home_url
    kind, number = activity
    parts = urlsplit(home_url)
    path = parts.path
    if path.endswith("/wims.cgi/wims.cgi"):  # WIMS doubles the CGI name when called as …/wims.cgi/
        path = path[: -len("/wims.cgi")]
    if kind == "sheet":
        query = {"session": session, "lang": lang, "module": "adm/sheet", "sh": str(number)}
    else:
        query = {
            "session": session,
            "lang": lang,
            "module": "adm/class/exam",
            "job": "student",
            "exam": str(number),
        }
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def _authuser_student(
    *,
    client: WimsClient,
    course: Course,
    account: WimsAccount,
    claims: LaunchClaims,
    user: LmsUser,
    ip: str | None,
) -> tuple[str, str]:
    try:
        auth = client.authuser(course.qclass, course.rclass, account.quser, ip=ip)
    except WimsUserNotFound:
        # The account vanished on the WIMS side (deleted, class cleaned): create it again, then retry.
        first, last = claims.person_names()
        logger.warning("WIMS user %s missing from class %s: recreating it", account.quser, course.qclass)
        wims_user_create(
            client=client,
            course=course,
            quser=account.quser,
            first=first,
            last=last,
            email=claims.email or user.email,
        )
        auth = client.authuser(course.qclass, course.rclass, account.quser, ip=ip)
    return auth.home_url, auth.wims_session


def launch_enter_wims(
    *, platform: Platform, claims: LaunchClaims, client_ip: str | None, lti11: Lti11Identity | None = None
) -> LaunchResult:
    """Resolve a validated launch. Learners get their logged-in WIMS URL; staff go to the teacher pages
    (the linking page while the course has no WIMS class: the view decides from `course.is_linked`)."""
    if lti11 is not None:
        migration_adopt_course(platform=platform, claims=claims, identity=lti11)
    course = course_for_launch(platform=platform, claims=claims)
    user = lms_user_for_launch(platform=platform, claims=claims)
    # A launch without a staff role revokes the person's teacher-page tokens of this course at once.
    course_role_record(course=course, user=user, roles=list(claims.roles), is_staff=claims.is_staff)
    if lti11 is not None and course.is_linked:
        migration_adopt_account(course=course, user=user, identity=lti11)
    if not course.is_linked and not claims.is_staff:
        raise CourseNotLinked(course.pk)
    link = resource_link_for_launch(course=course, claims=claims, platform=platform)
    course_services_record(
        course=course, claims=claims, platform=platform
    )  # roster (NRPS) and AGS scopes for the grade sync
    if claims.is_staff:
        return LaunchResult(course=course, user=user, link=link, as_staff=True)
    assert course.wims_server is not None
    client = wims_client_for(course.wims_server)

    def enter() -> tuple[WimsAccount, str, str]:
        account = account_ensure(course=course, user=user, claims=claims, client=client)
        home_url, session = _authuser_student(
            client=client, course=course, account=account, claims=claims, user=user, ip=client_ip
        )
        return account, home_url, session

    # Idempotent, so it is run again after a poisoned record of the class is repaired (services/repair.py).
    account, home_url, session = wims_call_repairing(course=course, client=client, call=enter)
    url = wims_landing_url(
        home_url=home_url,
        session=session,
        lang=course.lang or claims.lang,
        activity=target_activity(link=link, claims=claims),
    )
    return LaunchResult(course=course, user=user, link=link, as_staff=False, url=url, quser=account.quser)


def launch_deep_linking(*, platform: Platform, claims: LaunchClaims) -> tuple[Course, LmsUser]:
    """A staff deep-linking request: the course and the teacher (no WIMS call, no resource link)."""
    course = course_for_launch(platform=platform, claims=claims)
    user = lms_user_for_launch(platform=platform, claims=claims)
    return course, user


def supervisor_enter_wims(
    *, course: Course, user: LmsUser, link: ResourceLink | None, roles: list[str], client_ip: str | None
) -> str:
    """A logged-in supervisor (teacher) URL of the course's class; every entry is audited."""
    assert course.wims_server is not None
    with wims_budget(settings.LAUNCH_BUDGET_SECONDS, retries=settings.LAUNCH_WIMS_RETRIES):
        auth = wims_client_for(course.wims_server).authuser(
            course.qclass, course.rclass, SUPERVISOR, ip=client_ip
        )
    SupervisorEntry.objects.create(course=course, lms_user=user, roles=roles, ip=client_ip)
    logger.info("supervisor entry: LMS user %s into class %s", user.pk, course.qclass)
    activity = (link.kind, link.number) if link is not None and link.kind and link.number else None
    return wims_landing_url(
        home_url=auth.home_url, session=auth.wims_session, lang=course.lang, activity=activity
    )
