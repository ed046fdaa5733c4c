"""LTI 1.1 Basic Outcomes in the grade pipeline: `replaceResult` per learner, with the same ledger.

A bound link whose course has no AGS for it (no declared line item, no line items container: an LTI 1.1
platform) and that holds `Lti11Outcome` rows (from 1.1 launches or the legacy gateway import) sends its
scores through Basic Outcomes instead of AGS. Everything else is the AGS pipeline's: the Celery task and
its retries, the per-activity lock, the per-platform concurrency cap (`lms_slot`), the score ledger
(only changed scores are sent; a refused one is retried after `GRADE_REJECTED_RETRY_HOURS`).

The ledger needs a `GradeLineItem` per link: for a 1.1 link it is the outcome service URL (origin
"declared": the LMS declared it in the launch). If the link later gets AGS (course moved to LTI 1.3),
that row is dropped before the AGS line item is looked up (`lti11_ledger_forget`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone

from wims_lti.lti.claims import LaunchClaims
from wims_lti.lti.lti11 import OutcomeTarget, outcome_post
from wims_lti.models import (
    Course,
    GradeLineItem,
    LmsUser,
    Lti11Outcome,
    Platform,
    ResourceLink,
    ScoreLedger,
)
from wims_lti.services.concurrency import lms_slot
from wims_lti.wims.scores import LmsScore

from .ledger import Action, ledger_decide

logger = logging.getLogger(__name__)


class Tally(Protocol):
    posted: int
    unchanged: int
    failed: int

    def error(self, user: LmsUser, kind: str, reason: str) -> None: ...


def lti11_launch_record(*, platform: Platform, claims: LaunchClaims, target: OutcomeTarget | None) -> None:
    """After a successful 1.1 launch: remember the user's 1.1 `user_id` (for a later move to LTI 1.3)
    and, for a learner, where their result goes (`lis_result_sourcedid`, `lis_outcome_service_url`)."""
    user = LmsUser.objects.filter(tenant_id=platform.tenant_pk, sub=claims.sub).first()
    if user is None:
        return
    user_id = claims.sub.removeprefix("lti11:")
    if user.lti11_user_id != user_id:
        LmsUser.objects.filter(pk=user.pk).update(lti11_user_id=user_id)
    if target is None or claims.is_staff or not claims.resource_link_id:
        return
    link = ResourceLink.objects.filter(
        course__tenant_id=platform.tenant_pk,
        course__context_id=claims.context_id,
        resource_link_id=claims.resource_link_id,
    ).first()
    if link is None:
        return
    outcome_upsert(link=link, user=user, sourcedid=target.sourcedid, service_url=target.service_url)


def outcome_upsert(*, link: ResourceLink, user: LmsUser, sourcedid: str, service_url: str) -> bool:
    """Create or update the (link, user) outcome target; True when something was written."""
    fields = {"sourcedid": sourcedid[:1000], "service_url": service_url[:1000]}
    current = Lti11Outcome.objects.filter(resource_link=link, lms_user=user).first()
    if current is None:
        try:
            with transaction.atomic():
                Lti11Outcome.objects.create(resource_link=link, lms_user=user, **fields)
            return True
        except IntegrityError:  # a simultaneous launch wrote it
            current = Lti11Outcome.objects.get(resource_link=link, lms_user=user)
    changed = {k: v for k, v in fields.items() if getattr(current, k) != v}
    if changed:
        Lti11Outcome.objects.filter(pk=current.pk).update(**changed, modified=timezone.now())
    return bool(changed)


def link_has_ags(link: ResourceLink) -> bool:
    return bool(link.lineitem_url or link.lineitems_url)


def outcomes_apply(*, link: ResourceLink) -> bool:
    """True when the link's scores go through LTI 1.1 Basic Outcomes."""
    return not link_has_ags(link) and Lti11Outcome.objects.filter(resource_link=link).exists()


def lti11_ledger_forget(*, link: ResourceLink) -> None:
    """The link now has AGS: forget a ledger kept for 1.1 outcomes (its URL is no AGS line item)."""
    if not link_has_ags(link):
        return
    urls = set(Lti11Outcome.objects.filter(resource_link=link).values_list("service_url", flat=True))
    if urls:
        GradeLineItem.objects.filter(link=link, url__in=urls).delete()


def _ledger_item(link: ResourceLink, url: str) -> GradeLineItem:
    item = GradeLineItem.objects.filter(link=link).first()
    if item is not None:
        return item
    try:
        with transaction.atomic():
            return GradeLineItem.objects.create(link=link, url=url, origin=GradeLineItem.Origin.DECLARED)
    except IntegrityError:
        return GradeLineItem.objects.get(link=link)


def _record(entry: ScoreLedger, status: str, score: LmsScore, reason: str = "") -> None:
    entry.status = status
    entry.score_given, entry.score_maximum = score.given, score.maximum
    entry.timestamp = timezone.now()
    entry.pending_given = entry.pending_maximum = entry.pending_timestamp = None
    entry.reason = reason[:1000]
    entry.save()


def outcomes_post_all(
    *,
    link: ResourceLink,
    todo: Sequence[tuple[LmsUser, LmsScore]],
    tally: Tally,
    rejected_retry: dt.timedelta,
    renew: Callable[[], None] = lambda: None,
) -> int:
    """replaceResult for each (user, score) that changed; returns how many users had a 1.1 target.
    Raises `ServiceUnavailable` (retried by the task) when the LMS keeps failing (5xx, timeouts)."""
    course: Course = link.course
    platform = course.platform
    users = [user for user, _score in todo]
    targets = {o.lms_user_id: o for o in Lti11Outcome.objects.filter(resource_link=link, lms_user__in=users)}
    if not targets:
        return 0
    item = _ledger_item(link, next(iter(targets.values())).service_url)
    ledger = {e.lms_user_id: e for e in ScoreLedger.objects.filter(line_item=item)}
    for user, score in todo:
        target = targets.get(user.pk)
        if target is None:
            continue  # never launched through LTI 1.1 with outcomes: the LMS has no result slot for them
        renew()
        entry = ledger.get(user.pk)
        now = timezone.now()
        decision = ledger_decide(entry=entry, score=score, now=now, rejected_retry=rejected_retry)
        if decision.action == Action.UNCHANGED:
            tally.unchanged += 1
            continue
        if decision.action == Action.KNOWN_REFUSAL:
            assert entry is not None
            tally.failed += 1
            tally.error(user, "outcome_failure", entry.reason)
            continue
        if entry is None:
            entry = ledger[user.pk] = ScoreLedger(line_item=item, lms_user=user)
        entry.pending_given, entry.pending_maximum, entry.pending_timestamp = (
            score.given,
            score.maximum,
            timezone.now(),
        )
        entry.save()  # the intent (replaceResult is idempotent: a leftover intent is simply sent again)
        reply = outcome_post(
            url=target.service_url,
            consumer_key=platform.lti11_consumer_key,
            secret=platform.lti11_secret,
            sourcedid=target.sourcedid,
            score=score.given / score.maximum if score.maximum else 0.0,
            gate=lambda: lms_slot(platform.pk),
        )
        if reply.success:
            _record(entry, ScoreLedger.Status.SENT, score)
            tally.posted += 1
        else:
            reason = f"{reply.code_major}: {reply.description}".strip(": ")
            _record(entry, ScoreLedger.Status.REJECTED, score, reason)
            tally.failed += 1
            tally.error(user, "outcome_failure", reason)
            logger.warning("replaceResult refused for user %s on link %s: %s", user.pk, link.pk, reason)
    return len(targets)
