"""Endpoint URLs shaped like each LMS's, and the router that maps a request path back to an endpoint."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from .roles import Flavor


@dataclass(frozen=True)
class Route:
    name: str  # auth, token, jwks, lineitems, lineitem, scores, results, memberships, deep_link_return
    course_id: int | None = None
    line_item_id: int | None = None
    type_id: int | None = None  # Moodle: in the path (NRPS) or the `type_id` query parameter


class UrlScheme:
    """Moodle: `/mod/lti/services.php/...` with `?type_id=`; Canvas: `/api/lti/courses/...`."""

    def __init__(self, flavor: Flavor, base: str) -> None:
        self.flavor = flavor
        self.base = base.rstrip("/")

    # -- building -------------------------------------------------------------------------
    @property
    def auth_login(self) -> str:
        path = "/mod/lti/auth.php" if self.flavor == "moodle" else "/api/lti/authorize_redirect"
        return self.base + path

    @property
    def token(self) -> str:
        return self.base + ("/mod/lti/token.php" if self.flavor == "moodle" else "/login/oauth2/token")

    @property
    def jwks(self) -> str:
        return self.base + ("/mod/lti/certs.php" if self.flavor == "moodle" else "/api/lti/security/jwks")

    def _moodle(self, path: str, type_id: int, **query: str) -> str:
        return f"{self.base}/mod/lti/services.php/{path}?{urlencode({'type_id': type_id, **query})}"

    def lineitems(self, course_id: int, type_id: int) -> str:
        if self.flavor == "moodle":
            return self._moodle(f"{course_id}/lineitems", type_id)
        return f"{self.base}/api/lti/courses/{course_id}/line_items"

    def lineitem(self, course_id: int, line_item_id: int, type_id: int, suffix: str = "") -> str:
        if self.flavor == "moodle":
            return self._moodle(f"{course_id}/lineitems/{line_item_id}/lineitem{suffix}", type_id)
        return f"{self.base}/api/lti/courses/{course_id}/line_items/{line_item_id}{suffix}"

    def memberships(self, course_id: int, type_id: int) -> str:
        if self.flavor == "moodle":
            return (
                f"{self.base}/mod/lti/services.php/CourseSection/{course_id}/bindings/{type_id}/memberships"
            )
        return f"{self.base}/api/lti/courses/{course_id}/names_and_roles"

    def deep_link_return(self, course_id: int, type_id: int, session: str) -> str:
        if self.flavor == "moodle":
            query = urlencode({"course": course_id, "id": type_id, "sesskey": session})
            return f"{self.base}/mod/lti/contentitem_return.php?{query}"
        query = urlencode({"modal": "true", "dl": session})
        return f"{self.base}/courses/{course_id}/deep_linking_response?{query}"

    # -- routing --------------------------------------------------------------------------
    _MOODLE = (
        ("auth", re.compile(r"/mod/lti/auth\.php")),
        ("token", re.compile(r"/mod/lti/token\.php")),
        ("jwks", re.compile(r"/mod/lti/certs\.php")),
        ("lineitems", re.compile(r"/mod/lti/services\.php/(?P<c>\d+)/lineitems")),
        ("lineitem", re.compile(r"/mod/lti/services\.php/(?P<c>\d+)/lineitems/(?P<li>\d+)/lineitem")),
        ("scores", re.compile(r"/mod/lti/services\.php/(?P<c>\d+)/lineitems/(?P<li>\d+)/lineitem/scores")),
        ("results", re.compile(r"/mod/lti/services\.php/(?P<c>\d+)/lineitems/(?P<li>\d+)/lineitem/results")),
        (
            "memberships",
            re.compile(r"/mod/lti/services\.php/CourseSection/(?P<c>\d+)/bindings/(?P<t>\d+)/memberships"),
        ),
        ("deep_link_return", re.compile(r"/mod/lti/contentitem_return\.php")),
    )
    _CANVAS = (
        ("auth", re.compile(r"/api/lti/authorize_redirect")),
        ("token", re.compile(r"/login/oauth2/token")),
        ("jwks", re.compile(r"/api/lti/security/jwks")),
        ("lineitems", re.compile(r"/api/lti/courses/(?P<c>\d+)/line_items")),
        ("lineitem", re.compile(r"/api/lti/courses/(?P<c>\d+)/line_items/(?P<li>\d+)")),
        ("scores", re.compile(r"/api/lti/courses/(?P<c>\d+)/line_items/(?P<li>\d+)/scores")),
        ("results", re.compile(r"/api/lti/courses/(?P<c>\d+)/line_items/(?P<li>\d+)/results")),
        ("memberships", re.compile(r"/api/lti/courses/(?P<c>\d+)/names_and_roles")),
        ("deep_link_return", re.compile(r"/courses/(?P<c>\d+)/deep_linking_response")),
    )

    def route(self, path: str, type_id_arg: str | None) -> Route | None:
        for name, pattern in self._MOODLE if self.flavor == "moodle" else self._CANVAS:
            match = pattern.fullmatch(path)
            if match:
                groups = match.groupdict()
                type_id = groups.get("t") or type_id_arg
                return Route(
                    name,
                    int(groups["c"]) if groups.get("c") else None,
                    int(groups["li"]) if groups.get("li") else None,
                    int(type_id) if type_id and type_id.isdigit() else None,
                )
        return None
