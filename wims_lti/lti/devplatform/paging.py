"""Paging the way each LMS pages, with the `Link` header each of them really sends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar
from urllib.parse import urlencode

from .http import Request

T = TypeVar("T")


def _url(base: str, params: dict[str, str]) -> str:
    return f"{base}?{urlencode(params)}" if params else base


def _positive_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def canvas_page(
    items: Sequence[T], request: Request, base: str, *, default: int, maximum: int
) -> tuple[list[T], str | None]:
    """Canvas `Api.paginate`: `page`/`per_page` (`limit` lowers it), standard RFC 8288 links."""
    params = {key: values[0] for key, values in request.query.items()}
    per_page = (
        _positive_int(params.pop("per_page", None)) or _positive_int(params.pop("limit", None)) or default
    )
    per_page = min(per_page, maximum)
    page = _positive_int(params.pop("page", None)) or 1
    start = (page - 1) * per_page
    chunk = list(items[start : start + per_page])
    last = max(1, -(-len(items) // per_page))

    def link(number: int, rel: str) -> str:
        return f'<{_url(base, {**params, "page": str(number), "per_page": str(per_page)})}>; rel="{rel}"'

    links = [link(page, "current")]
    if page < last:
        links.append(link(page + 1, "next"))
    if page > 1:
        links.append(link(page - 1, "prev"))
    links += [link(1, "first"), link(last, "last")]
    return chunk, ",".join(links)


def moodle_slice(items: Sequence[T], request: Request) -> tuple[list[T], int | None, int]:
    """Moodle: everything unless `limit` is given; then `from` is the offset. Returns (chunk, limit, from)."""
    limit = _positive_int(request.arg("limit"))
    offset = _positive_int(request.arg("from")) or 0
    if limit is None:
        return list(items), None, 0
    return list(items[offset : offset + limit]), limit, offset


def moodle_nrps_link(
    endpoint: str, request: Request, total: int, limit: int | None, offset: int
) -> str | None:
    """memberships.php: `Link: <endpoint>?limit=N&from=M[&rlid=X];rel=next`, no brackets, no quotes."""
    if limit is None or offset + limit >= total:
        return None
    params = {"limit": str(limit), "from": str(offset + limit)}
    if request.arg("rlid"):
        params["rlid"] = request.arg("rlid") or ""
    return f"{_url(endpoint, params)};rel=next"


def moodle_lineitems_link(
    base: str, request: Request, total: int, limit: int | None, offset: int
) -> str | None:
    """lineitems.php: angle brackets but typographic quotes, `rel=“next”` (no standard parser reads it)."""
    if limit is None:
        return None
    params = {key: values[0] for key, values in request.query.items() if key not in ("limit", "from")}

    def page(start: int) -> str:
        return _url(base, {**params, "limit": str(limit), "from": str(start)})

    last_start = max(0, ((total - 1) // limit) * limit)
    links = [f"<{page(0)}>; rel=“first”"]
    if offset > 0:
        links.append(f"<{page(max(0, offset - limit))}>; rel=“prev”")
    links.append(f"<{page(offset)}>; rel=“canonical”")
    if offset + limit < total:
        links.append(f"<{page(offset + limit)}>; rel=“next”")
    links.append(f"<{page(last_start)}>; rel=“last”")
    return ", ".join(links)
