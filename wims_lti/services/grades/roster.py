"""The course roster (NRPS), read once per sync run: who is a learner, and WIMS accounts made ahead."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from wims_lti.lti.ags import AgsError
from wims_lti.lti.claims import LaunchClaims
from wims_lti.lti.identity import wims_login_for
from wims_lti.lti.nrps import Member, roster
from wims_lti.lti.service_connector import ServiceError, ServiceSession, ServiceUnavailable
from wims_lti.models import Course, CourseServices, LmsUser, SyncRun, WimsAccount
from wims_lti.services.accounts import account_ensure
from wims_lti.services.concurrency import wims_slot
from wims_lti.services.locks import LockTimeout
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsError

from .leases import renewed_lock
from .wims_read import class_lock

logger = logging.getLogger(__name__)


def _claims_of(member: Member, course: Course) -> LaunchClaims:
    platform = course.platform
    return LaunchClaims(
        issuer=platform.issuer,
        client_id=platform.client_id,
        deployment_id="",
        message_type="",
        sub=member.sub,
        roles=member.roles,
        given_name=member.given_name,
        family_name=member.family_name,
        name=member.name,
        email=member.email,
        context_id=course.context_id,
    )


def lms_users_upsert(*, course: Course, members: list[Member]) -> dict[str, LmsUser]:
    platform = course.platform
    subs = [m.sub for m in members]
    LmsUser.objects.bulk_create(
        [
            LmsUser(
                platform=platform,
                tenant_id=platform.tenant_id,
                wims_login=wims_login_for(issuer=platform.issuer, client_id=platform.client_id, sub=m.sub),
                sub=m.sub,
                given_name=m.given_name[:200],
                family_name=m.family_name[:200],
                email=m.email[:254],
            )
            for m in members
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    return {u.sub: u for u in LmsUser.objects.filter(tenant_id=platform.tenant_pk, sub__in=subs)}


def accounts_create_ahead(*, course: Course, members: list[Member], client: WimsClient) -> int:
    """WIMS accounts for learners who never launched (deterministic logins: never duplicated)."""
    users = lms_users_upsert(course=course, members=members)
    have = set(
        WimsAccount.objects.filter(course=course, lms_user__in=users.values()).values_list(
            "lms_user__sub", flat=True
        )
    )
    assert course.wims_server is not None
    created = 0
    for member in members:
        if member.sub in have:
            continue
        try:
            # adduser rewrites the class's user list too: not while a score read of the class runs
            with (
                class_lock(course.wims_server.pk, course.qclass),
                wims_slot(course.wims_server.pk, course.wims_server.max_concurrency),
            ):
                account_ensure(
                    course=course, user=users[member.sub], claims=_claims_of(member, course), client=client
                )
            created += 1
        except (WimsError, LockTimeout) as exc:
            logger.warning("could not create a WIMS account ahead for %s: %s", member.sub, exc)
    return created


def run_learners(*, run: SyncRun, service: ServiceSession, client: WimsClient) -> set[str] | None:
    """The subs of the roster's learners for this run (fetched once per run, under a lock); None when
    the course has no NRPS or the roster could not be read (then every WIMS account counts)."""
    if run.roster is not None:
        return set(run.roster)
    services = CourseServices.objects.filter(course=run.course).select_related("platform").first()
    if services is None or not services.nrps_url:
        return None
    if services.platform is not None and services.platform_id != service.tokens.platform.pk:
        # The roster URL came with another registration of the tenant (Open edX: one per block).
        service = ServiceSession.for_platform(services.platform, gate=service.gate)
    with renewed_lock(f"roster:{run.pk}", ttl=settings.GRADE_LOCK_TTL, wait=300):
        run.refresh_from_db(fields=["roster", "roster_error"])
        if run.roster is not None:
            return set(run.roster)
        if run.roster_error:
            return None
        try:
            members = roster(service, services.nrps_url)
        except ServiceUnavailable:
            raise  # transient: the whole activity sync is retried later
        except (AgsError, ServiceError, ValueError) as exc:  # permanent: every WIMS account counts
            logger.warning("roster of course %s unavailable: %s", run.course_id, exc)
            run.roster_error = str(exc)[:1000] or type(exc).__name__
            run.save(update_fields=["roster_error", "modified"])
            return None
        learners = [m for m in members if m.is_learner]
        if settings.GRADE_CREATE_ACCOUNTS_AHEAD and learners:
            made = accounts_create_ahead(course=run.course, members=learners, client=client)
            if made:
                logger.info("created %d WIMS accounts ahead in course %s", made, run.course_id)
        with transaction.atomic():
            run.roster = sorted(m.sub for m in learners)
            run.save(update_fields=["roster", "modified"])
        return set(run.roster)
