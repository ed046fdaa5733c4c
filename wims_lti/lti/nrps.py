"""Names and Role Provisioning Services: the course roster.

Pages are followed through `Link: rel=next` headers, parsed leniently (Moodle writes `url;rel=next`).
No `limit` is ever sent: Moodle then answers the whole roster in one page (and would page with a header
no strict parser reads); Canvas pages by 50 with standard headers. Only active members are listed by
either LMS; roles come short (`Learner`, Moodle) or as full URIs (Canvas).
"""

from __future__ import annotations

from dataclasses import dataclass

from .ags import MAX_PAGES, AgsError, error_reason, next_link
from .roles import membership_roles
from .service_connector import ServiceSession

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


@dataclass(frozen=True)
class Member:
    sub: str
    roles: tuple[str, ...]
    given_name: str = ""
    family_name: str = ""
    name: str = ""
    email: str = ""

    @property
    def is_learner(self) -> bool:
        """A student: `Learner` and no staff role (a TA who is also a Learner is staff)."""
        names = membership_roles(self.roles)
        return "Learner" in names and not names & {
            "Instructor",
            "TeachingAssistant",
            "ContentDeveloper",
            "Administrator",
            "Mentor",
        }


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def roster(service: ServiceSession, memberships_url: str) -> list[Member]:
    """Every active member of the course."""
    members: list[Member] = []
    url: str | None = memberships_url
    for _ in range(MAX_PAGES):
        if url is None:
            break
        response = service.request("GET", url, accept=MEMBERSHIP_TYPE)
        if response.status_code != 200:
            raise AgsError(
                f"memberships: HTTP {response.status_code}", response.status_code, error_reason(response)
            )
        data = response.json()
        for item in data.get("members") or [] if isinstance(data, dict) else []:
            if not isinstance(item, dict) or not _text(item.get("user_id")):
                continue
            if _text(item.get("status")) not in ("", "Active"):
                continue
            members.append(
                Member(
                    sub=_text(item.get("user_id")),
                    roles=tuple(r for r in item.get("roles") or [] if isinstance(r, str)),
                    given_name=_text(item.get("given_name")),
                    family_name=_text(item.get("family_name")),
                    name=_text(item.get("name")),
                    email=_text(item.get("email")),
                )
            )
        url = next_link(response.headers.get("Link"))
    return members
