"""The line item (gradebook column) of an activity: declared, found, or created — once.

1. The line item the LMS declared in the launch claim (`ResourceLink.lineitem_url`) is used as is.
2. Otherwise the course's container is searched for the link's item (`resource_link_id`), then for ours
   (`resourceId` = `wims-<kind>-<number>`, tag `wims`).
3. Otherwise one is created, under a Redis lock per link, and stored under a unique constraint.

A 404 on the item does not prove it is gone (Canvas answers 404 for concluded courses): only when the
container answers and no longer lists it is the column forgotten and made again. The declared item is
never DELETEd.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from wims_lti.lti.ags import AgsClient, AgsError
from wims_lti.models import GradeLineItem, ResourceLink
from wims_lti.services.locks import redis_lock
from wims_lti.wims.scores import EXAM_SCALE

logger = logging.getLogger(__name__)

TAG = "wims"


class LineItemUnavailable(Exception):
    """No line item can be used for the activity (no AGS, not allowed to create, container refused)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail


def resource_id_for(link: ResourceLink) -> str:
    return f"wims-{link.kind}-{link.number}"


def _store(link: ResourceLink, url: str, origin: str) -> GradeLineItem:
    try:
        with transaction.atomic():
            return GradeLineItem.objects.create(link=link, url=url, origin=origin)
    except IntegrityError:  # another worker stored it first: use theirs
        return GradeLineItem.objects.get(link=link)


def _item_url(item: dict[str, object]) -> str:
    return str(item.get("id") or "")


def line_item_for(*, link: ResourceLink, ags: AgsClient, gone_url: str = "") -> GradeLineItem:
    """`gone_url`: a line item just confirmed deleted (never reused, even if the launch declared it)."""
    existing = GradeLineItem.objects.filter(link=link).first()
    if existing is not None:
        return existing
    if link.lineitem_url and link.lineitem_url != gone_url:
        return _store(link, link.lineitem_url, GradeLineItem.Origin.DECLARED)
    if not link.lineitems_url:
        raise LineItemUnavailable("no_ags")
    with redis_lock(f"lineitem:{link.pk}", timeout=120, wait=120):
        existing = GradeLineItem.objects.filter(link=link).first()
        if existing is not None:
            return existing
        try:
            found = ags.line_items(link.lineitems_url, resource_link_id=link.resource_link_id)
            found = [i for i in found if str(i.get("resourceLinkId") or "") == link.resource_link_id]
            if not found:
                found = [
                    i
                    for i in ags.line_items(link.lineitems_url, resource_id=resource_id_for(link))
                    if i.get("resourceId") == resource_id_for(link)
                ]
        except AgsError as exc:
            raise LineItemUnavailable("container_refused", f"{exc} {exc.reason}") from exc
        found = [i for i in found if _item_url(i) and _item_url(i) != gone_url]
        if found:
            return _store(link, _item_url(found[0]), GradeLineItem.Origin.FOUND)
        data = {
            "label": (link.title or f"WIMS {link.get_kind_display()} {link.number}")[:200],
            "scoreMaximum": EXAM_SCALE,
            "resourceId": resource_id_for(link),
            "tag": TAG,
            "resourceLinkId": link.resource_link_id,
        }
        try:
            created = ags.create_line_item(link.lineitems_url, data)
        except AgsError as exc:
            code = "lineitem_not_allowed" if exc.status in (401, 403) else "lineitem_create_failed"
            raise LineItemUnavailable(code, f"{exc} {exc.reason}") from exc
        if not _item_url(created):
            raise LineItemUnavailable("lineitem_create_failed", "the LMS answered no line item id")
        logger.info("created line item %s for link %s", _item_url(created), link.pk)
        return _store(link, _item_url(created), GradeLineItem.Origin.CREATED)


def line_item_confirm_gone(*, item: GradeLineItem, ags: AgsClient) -> bool:
    """After a 404 on the item: True only if the container answers and no longer lists it."""
    link = item.link
    if not link.lineitems_url:
        return False
    try:
        listed = ags.line_items(link.lineitems_url)
    except AgsError as exc:  # concluded course, course gone, no scope: not a proof
        logger.warning("line item %s: 404, and the container answered %s: keeping it", item.url, exc)
        return False
    if any(_item_url(i) == item.url for i in listed):
        return False
    item.delete()  # its ledger goes with it: the LMS no longer holds those scores
    return True
