"""Repairing a WIMS class poisoned by an unreadable user record (a value stored starting with `!`).

Such a record (written before the gate existed, or by another tool) makes WIMS answer `not_trusted`
(HTTP 550) to every job that reads the class's users: no student can be added, no score read, and the
user cannot be renamed back, since WIMS cannot read the record to change it. adm/raw can still move a
user to the trash (deluser reads nothing), which makes the class whole again at once. A user the bridge
knows is then created again under the same login, with its names through the gate: the login (and the
account row) stay, what WIMS held in the unreadable record (and the work filed under that login) is
gone — WIMS itself could not read it any more. A user the bridge does not know stays in the class's
trash, where a WIMS administrator can repair the file by hand and `recuser` it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TypeVar

from django.views.decorators.debug import sensitive_variables

from wims_lti.models import Course, WimsAccount
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsErrorReply, WimsUntrustedRecord, WimsUserExists
from wims_lti.wims.gate import wims_person_names, wims_text

from .passwords import random_password

logger = logging.getLogger(__name__)
T = TypeVar("T")

MAX_REPAIRS = 5  # poisoned records repaired for one call before giving up


@sensitive_variables("info")
def wims_user_repair(*, course: Course, client: WimsClient, error: WimsUntrustedRecord) -> None:
    """Make the class readable again: the poisoned user to the trash, and (if the bridge knows it)
    back under the same login with clean names. Raises `error` when no user record is named."""
    quser = error.quser
    if not quser:
        raise error  # a class file: nothing adm/raw can repair
    logger.warning("WIMS class %s: record of %s unreadable (%s): repairing it", course.qclass, quser, error)
    client.deluser(course.qclass, course.rclass, quser)
    account = WimsAccount.objects.filter(course=course, quser=quser).select_related("lms_user").first()
    if account is None:
        logger.warning("WIMS class %s: user %s (not the bridge's) left in the trash", course.qclass, quser)
        return
    user = account.lms_user
    client.deluser(course.qclass, course.rclass, quser, from_trash=True)
    first, last = wims_person_names(user.given_name, user.family_name, tag_source=user.sub)
    email = wims_text(user.email, field="user.email")
    info: dict[str, object] = {"firstname": first, "lastname": last, "password": random_password()}
    if email:
        info["email"] = email
    with contextlib.suppress(WimsUserExists):  # a simultaneous repair did it
        client.adduser(course.qclass, course.rclass, quser, info)
    WimsAccount.objects.filter(pk=account.pk).update(
        synced_firstname=first, synced_lastname=last, synced_email=email
    )
    logger.warning("WIMS class %s: user %s recreated (old WIMS work unreadable)", course.qclass, quser)


def wims_call_repairing(*, course: Course, client: WimsClient, call: Callable[[], T]) -> T:
    """`call()` (idempotent adm/raw work on `course`'s class), repairing poisoned records on the way."""
    repaired: set[str] = set()
    while True:
        try:
            return call()
        except WimsUntrustedRecord as exc:
            if exc.quser is None or exc.quser in repaired or len(repaired) >= MAX_REPAIRS:
                raise
            try:
                wims_user_repair(course=course, client=client, error=exc)
            except WimsErrorReply as repair_error:
                logger.error("WIMS class %s: repair of %s failed: %s", course.qclass, exc.quser, repair_error)
                raise exc from repair_error
            repaired.add(exc.quser)
