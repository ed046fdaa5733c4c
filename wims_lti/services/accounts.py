"""LMS users and their WIMS accounts: created on first launch, kept in sync, never duplicated."""

from __future__ import annotations

import contextlib
import logging

from django.db import IntegrityError, transaction
from django.views.decorators.debug import sensitive_variables

from wims_lti.lti.claims import LaunchClaims
from wims_lti.lti.identity import wims_login_for
from wims_lti.models import Course, LmsUser, Platform, WimsAccount
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsDeletedUserExists, WimsNothingDone, WimsUserExists
from wims_lti.wims.gate import wims_person_names, wims_text

from .locks import redis_lock
from .passwords import random_password

logger = logging.getLogger(__name__)


def lms_user_for_launch(*, platform: Platform, claims: LaunchClaims) -> LmsUser:
    """The person (tenant, sub): one row whichever registration of the tenant they launch from."""
    fields = {
        "given_name": claims.given_name[:200],
        "family_name": claims.family_name[:200],
        "email": claims.email[:254],
    }
    try:
        with transaction.atomic():
            user, created = LmsUser.objects.get_or_create(
                tenant_id=platform.tenant_pk, sub=claims.sub, defaults={**fields, "platform": platform}
            )
    except IntegrityError:
        user, created = LmsUser.objects.get(tenant_id=platform.tenant_pk, sub=claims.sub), False
    # Only overwrite what the platform sent: privacy settings hide names, they don't erase them.
    changed = {k: v for k, v in fields.items() if v and getattr(user, k) != v}
    if not created and changed:
        LmsUser.objects.filter(pk=user.pk).update(**changed)
        for key, value in changed.items():
            setattr(user, key, value)
    return user


def _names(user: LmsUser, claims: LaunchClaims) -> tuple[str, str, str]:
    """(first, last, email) as WIMS will store them: through the gate (`wims.gate`), which is also what
    the synced_* columns keep, so a launch sends moduser only when what WIMS holds would change."""
    first, last = claims.person_names()
    if first == "Anonymous" and (user.given_name or user.family_name):  # known from an earlier launch
        first, last = user.given_name or "-", user.family_name or "-"
    first, last = wims_person_names(first, last, tag_source=user.sub)
    return first, last, wims_text(claims.email or user.email, field="user.email")


def account_login(*, course: Course, user: LmsUser) -> str:
    """An existing login of this user elsewhere on the server (LTI 1.1 import), else theirs (derived once,
    when the person was first seen, and kept: the same person always gets the same login)."""
    known = (
        WimsAccount.objects.filter(lms_user=user, course__wims_server=course.wims_server)
        .exclude(course=course)
        .values_list("quser", flat=True)
        .first()
    )
    if known:
        return known
    if user.wims_login:
        return user.wims_login
    platform = user.platform
    return wims_login_for(issuer=platform.issuer, client_id=platform.client_id, sub=user.sub)


@sensitive_variables("info")
def wims_user_create(
    *, client: WimsClient, course: Course, quser: str, first: str, last: str, email: str
) -> None:
    """adduser, tolerating a user that is already there (same deterministic login = same person)."""
    info: dict[str, object] = {"firstname": first, "lastname": last, "password": random_password()}
    if email:
        info["email"] = email
    try:
        client.adduser(course.qclass, course.rclass, quser, info)
    except WimsDeletedUserExists:
        client.recuser(course.qclass, course.rclass, quser)
    except WimsUserExists:
        logger.info("WIMS user %s already in class %s: adopting it", quser, course.qclass)


def account_ensure(*, course: Course, user: LmsUser, claims: LaunchClaims, client: WimsClient) -> WimsAccount:
    """The user's WIMS account in the course's class: one adm/raw call the first time (adduser), none
    afterwards unless the names changed (moduser). Two simultaneous first launches make one account."""
    first, last, email = _names(user, claims)
    account = WimsAccount.objects.filter(course=course, lms_user=user).first()
    if account is None:
        with redis_lock(f"account:{course.pk}:{user.pk}", timeout=60, wait=60):
            account = WimsAccount.objects.filter(course=course, lms_user=user).first()
            if account is None:
                quser = account_login(course=course, user=user)
                wims_user_create(
                    client=client, course=course, quser=quser, first=first, last=last, email=email
                )
                try:
                    with transaction.atomic():
                        account = WimsAccount.objects.create(
                            course=course,
                            lms_user=user,
                            quser=quser,
                            synced_firstname=first,
                            synced_lastname=last,
                            synced_email=email,
                        )
                except IntegrityError:
                    account = WimsAccount.objects.get(course=course, lms_user=user)
        return account
    if (account.synced_firstname, account.synced_lastname, account.synced_email) != (first, last, email):
        changes: dict[str, object] = {"firstname": first, "lastname": last}
        if email:
            changes["email"] = email
        with contextlib.suppress(WimsNothingDone):  # WIMS already had these values (transliterated)
            client.moduser(course.qclass, course.rclass, account.quser, changes)
        WimsAccount.objects.filter(pk=account.pk).update(
            synced_firstname=first, synced_lastname=last, synced_email=email
        )
    return account
