"""Privacy and housekeeping: forgetting one LMS user, purging expired sync runs and audit rows.

`lms_user_forget` removes (`delete`) or anonymises (`anonymise`) what the bridge holds about one LMS user
— names, email, `sub`, LTI 1.1 id, supervisor-entry IP addresses, and their traces inside sync records
(roster lists, per-user errors) — and, with `in_wims`, deletes the user's account from each linked WIMS
class (`deluser`, then from the class trash). Anonymising keeps the score ledger (statistics, and the
LMS's gradebook history) under a random pseudonym that no launch can ever match again; the links to
the user's WIMS logins are dropped (without `in_wims` the WIMS accounts themselves stay in WIMS).

`housekeeping_purge` deletes sync runs older than SYNC_RUN_RETENTION_DAYS and supervisor entries older
than SUPERVISOR_LOG_RETENTION_DAYS (0 keeps them forever). OIDC states and nonces live in Redis with a
TTL and expire by themselves (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wims_lti.models import (
    ActivitySync,
    LmsUser,
    Platform,
    SupervisorEntry,
    SyncRun,
    WimsAccount,
    WimsServer,
)
from wims_lti.services.servers import wims_client_for
from wims_lti.wims.client import WimsClient
from wims_lti.wims.errors import WimsError, WimsUserNotFound

logger = logging.getLogger(__name__)

Mode = Literal["anonymise", "delete"]
ClientFor = Callable[[WimsServer], WimsClient]
FORGOTTEN_PREFIX = "forgotten:"


@dataclass
class ForgetReport:
    mode: Mode
    wims_deleted: list[str] = field(default_factory=list)  # "server/qclass/quser"
    wims_errors: list[str] = field(default_factory=list)
    sync_records_scrubbed: int = 0
    supervisor_entries: int = 0

    @property
    def ok(self) -> bool:
        return not self.wims_errors


def lms_user_get(*, platform_uuid: str | uuid.UUID, sub: str) -> LmsUser | None:
    """The person `sub` of the tenant of registration `platform_uuid`."""
    platform = Platform.objects.filter(uuid=platform_uuid).first()
    if platform is None:
        return None
    return LmsUser.objects.filter(tenant_id=platform.tenant_pk, sub=sub).select_related("platform").first()


def _wims_delete(account: WimsAccount, client_for: ClientFor, report: ForgetReport) -> bool:
    course = account.course
    where = f"{course.wims_server.name if course.wims_server else '?'}/{course.qclass}/{account.quser}"
    if not course.is_linked or course.wims_server is None:
        return True  # no class left to hold the account
    client = client_for(course.wims_server)
    try:
        gone = False
        try:
            client.deluser(course.qclass, course.rclass, account.quser)  # into the class trash
        except WimsUserNotFound:
            gone = True  # not active: maybe in the trash from an earlier attempt, maybe gone
        try:
            client.deluser(course.qclass, course.rclass, account.quser, from_trash=True)
        except WimsError:
            if not gone:
                raise
    except WimsError as exc:
        report.wims_errors.append(f"{where}: {exc}")
        logger.warning("forget: could not delete WIMS user %s: %s", where, exc)
        return False
    report.wims_deleted.append(where)
    return True


def _scrub_sync_records(user: LmsUser, replacement: str | None) -> int:
    """Removes (or replaces by the pseudonym) the user's sub in run rosters and per-user sync errors."""
    changed = 0
    for run in SyncRun.objects.filter(roster__isnull=False, course__tenant_id=user.tenant_pk).only("roster"):
        roster = run.roster or []
        if user.sub in roster:
            kept = [s for s in roster if s != user.sub] + ([replacement] if replacement else [])
            SyncRun.objects.filter(pk=run.pk).update(roster=sorted(kept))
            changed += 1
    acts = ActivitySync.objects.filter(run__course__tenant_id=user.tenant_pk).exclude(errors=[])
    for act in acts.only("errors"):
        errors = act.errors or []
        if not any(e.get("sub") == user.sub for e in errors):
            continue
        if replacement:
            new = [
                e if e.get("sub") != user.sub else {**e, "sub": replacement, "user": replacement}
                for e in errors
            ]
        else:
            new = [e for e in errors if e.get("sub") != user.sub]
        ActivitySync.objects.filter(pk=act.pk).update(errors=new)
        changed += 1
    return changed


def lms_user_forget(
    *, user: LmsUser, mode: Mode, in_wims: bool = False, client_for: ClientFor | None = None
) -> ForgetReport:
    """Forgets one LMS user (see the module). When a WIMS deletion fails (`report.wims_errors`), nothing
    else is changed: the user keeps its sub so that a rerun finds it and finishes the job."""
    if mode not in ("anonymise", "delete"):
        raise ValueError(f"unknown mode {mode!r}")
    report = ForgetReport(mode=mode)
    if in_wims:
        for account in list(user.wims_accounts.select_related("course__wims_server")):
            if _wims_delete(account, client_for or wims_client_for, report):
                account.delete()
        if report.wims_errors:
            return report  # the bridge keeps the user as is, so that a rerun finds it and finishes
    with transaction.atomic():
        pseudonym = f"{FORGOTTEN_PREFIX}{uuid.uuid4().hex}" if mode == "anonymise" else None
        report.sync_records_scrubbed = _scrub_sync_records(user, pseudonym)
        entries = SupervisorEntry.objects.filter(lms_user=user)
        report.supervisor_entries = entries.count()
        if pseudonym is None:
            user.delete()  # cascades: WIMS account rows, score ledger, supervisor entries, 1.1 outcomes
            return report
        entries.update(ip=None)
        # The bridge's link to the WIMS logins goes too: WIMS scores no longer map to the pseudonym, and a
        # later launch of the same person gets a fresh LmsUser that may take its WIMS login again.
        WimsAccount.objects.filter(lms_user=user).delete()
        user.sub = pseudonym
        user.given_name = user.family_name = user.email = user.lti11_user_id = ""
        user.save(update_fields=["sub", "given_name", "family_name", "email", "lti11_user_id", "modified"])
    return report


def platform_get(*, platform_uuid: str) -> Platform | None:
    try:
        return Platform.objects.filter(uuid=uuid.UUID(str(platform_uuid))).first()
    except ValueError:
        return None


# --- retention ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    sync_runs: int
    supervisor_entries: int


def housekeeping_purge(*, now: dt.datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Deletes finished sync runs (and their activity syncs) and supervisor entries past retention."""
    now = now or timezone.now()
    runs = SyncRun.objects.none()
    if settings.SYNC_RUN_RETENTION_DAYS > 0:
        cutoff = now - dt.timedelta(days=settings.SYNC_RUN_RETENTION_DAYS)
        runs = SyncRun.objects.filter(created__lt=cutoff)  # days old: over, finished or not
    entries = SupervisorEntry.objects.none()
    if settings.SUPERVISOR_LOG_RETENTION_DAYS > 0:
        cutoff = now - dt.timedelta(days=settings.SUPERVISOR_LOG_RETENTION_DAYS)
        entries = SupervisorEntry.objects.filter(created__lt=cutoff)
    report = PurgeReport(sync_runs=runs.count(), supervisor_entries=entries.count())
    if not dry_run:
        runs.delete()
        entries.delete()
        logger.info(
            "purge: %d sync runs, %d supervisor entries deleted",
            report.sync_runs,
            report.supervisor_entries,
            extra={
                "purged_sync_runs": report.sync_runs,
                "purged_supervisor_entries": report.supervisor_entries,
            },
        )
    return report
