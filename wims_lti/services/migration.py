"""LTI 1.1 → 1.3: a verified migration claim finds the course's and the user's existing mappings.

Courses and users known from LTI 1.1 (imported from the old gateway, or launched in 1.1) live on a
platform holding the same LTI 1.1 consumer key. On the first 1.3 launch of such a course, its WIMS
class link moves to the 1.3 registration; on a user's first 1.3 launch, their WIMS account in that
class is handed to their 1.3 identity. Nobody gets a second WIMS account, no class is created twice.
"""

from __future__ import annotations

import dataclasses
import logging

from django.db import transaction

from wims_lti.lti.claims import LaunchClaims
from wims_lti.lti.migration import Lti11Identity
from wims_lti.models import Course, LmsUser, Platform, WimsAccount

logger = logging.getLogger(__name__)


def migration_adopt_course(*, platform: Platform, claims: LaunchClaims, identity: Lti11Identity) -> None:
    """Before the course is looked up: move a linked LTI 1.1 course of this context to `platform`."""
    if not identity.consumer_key:
        return
    here = Course.objects.filter(
        tenant_id=platform.tenant_pk,
        context_id=claims.context_id,
        deployment_id__in=[claims.deployment_id, ""],
    )
    if here.exclude(qclass="").exists():
        return
    context_ids = {claims.context_id, identity.context_id} - {""}
    legacy = (
        Course.objects.filter(platform__lti11_consumer_key=identity.consumer_key, context_id__in=context_ids)
        .exclude(tenant_id=platform.tenant_pk)
        .exclude(qclass="")
        .order_by("created")
        .first()
    )
    if legacy is None:
        return
    with transaction.atomic():
        # An empty course row of this context (made by an earlier launch) gives way to the linked one.
        here.filter(qclass="").delete()
        legacy.platform = platform
        legacy.tenant_id = platform.tenant_id
        legacy.deployment_id = claims.deployment_id
        legacy.context_id = claims.context_id
        legacy.save(update_fields=["platform", "tenant", "deployment_id", "context_id", "modified"])
    logger.info(
        "LTI 1.1 migration: course %s (class %s) moved to platform %s", legacy.pk, legacy.qclass, platform.pk
    )


def migration_adopt_account(*, course: Course, user: LmsUser, identity: Lti11Identity) -> None:
    """Before the account is looked up: hand the user's LTI 1.1 WIMS account in this class to `user`."""
    if not identity.user_id or not identity.consumer_key:
        return
    if user.lti11_user_id != identity.user_id:
        LmsUser.objects.filter(pk=user.pk).update(lti11_user_id=identity.user_id)
        user.lti11_user_id = identity.user_id
    if WimsAccount.objects.filter(course=course, lms_user=user).exists():
        return
    legacy = (
        WimsAccount.objects.filter(
            course=course,
            lms_user__lti11_user_id=identity.user_id,
            lms_user__platform__lti11_consumer_key=identity.consumer_key,
        )
        .exclude(lms_user=user)
        .first()
    )
    if legacy is not None:
        WimsAccount.objects.filter(pk=legacy.pk).update(lms_user=user)
        logger.info(
            "LTI 1.1 migration: WIMS login %s of class %s handed to LMS user %s",
            legacy.quser,
            course.qclass,
            user.pk,
        )


def migration_follow_course(
    *, platform: Platform, claims: LaunchClaims, identity: Lti11Identity
) -> tuple[Platform, LaunchClaims]:
    """An LTI 1.1 launch into a course that already moved to a 1.3 registration holding the same
    consumer key follows the course there, as the user's 1.3 identity when one is known: no second
    class for the teacher, no second WIMS account for the student."""
    if (
        not identity.user_id
        or not platform.lti11_consumer_key
        or Course.objects.filter(tenant_id=platform.tenant_pk, context_id=claims.context_id)
        .exclude(qclass="")
        .exists()
    ):
        return platform, claims
    moved = (
        Course.objects.filter(
            context_id=claims.context_id,
            platform__lti11_consumer_key=platform.lti11_consumer_key,
            platform__is_active=True,
        )
        .exclude(tenant_id=platform.tenant_pk)
        .exclude(qclass="")
        .select_related("platform")
        .first()
    )
    if moved is None:
        return platform, claims
    known = (
        LmsUser.objects.filter(tenant_id=moved.tenant_pk, lti11_user_id=identity.user_id)
        .order_by("created")
        .first()
    )
    if known is not None:
        claims = dataclasses.replace(claims, sub=known.sub)
    logger.info("LTI 1.1 launch follows course %s to platform %s", moved.pk, moved.platform_id)
    return moved.platform, claims
