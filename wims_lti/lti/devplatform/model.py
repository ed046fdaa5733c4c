"""The platform's records: users, courses, enrolments, resource links, line items, grades, tools."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .roles import COURSE_ROLES, LEARNER, is_gradable

if TYPE_CHECKING:
    from .platform import DevPlatform

_user_ids = itertools.count(101)

LTI_SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LTI_SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
LTI_SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
LTI_SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LTI_SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = (LTI_SCOPE_LINEITEM, LTI_SCOPE_LINEITEM_READONLY, LTI_SCOPE_RESULT_READONLY, LTI_SCOPE_SCORE)
ALL_SCOPES = frozenset((*AGS_SCOPES, LTI_SCOPE_NRPS))
# Moodle's "Use this service for grade sync only": no column management.
MOODLE_GRADE_SYNC_ONLY_SCOPES = frozenset(
    (LTI_SCOPE_LINEITEM_READONLY, LTI_SCOPE_RESULT_READONLY, LTI_SCOPE_SCORE, LTI_SCOPE_NRPS)
)


@dataclass(frozen=True)
class User:
    sub: str = field(default_factory=lambda: str(next(_user_ids)))
    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
    email: str | None = None
    locale: str = "en"
    login: str | None = None
    sourcedid: str | None = None
    lti11_user_id: str | None = None
    picture: str | None = None
    is_admin: bool = False
    is_test_student: bool = False

    def __post_init__(self) -> None:
        if self.name is None and (self.given_name or self.family_name):
            full = " ".join(part for part in (self.given_name, self.family_name) if part)
            object.__setattr__(self, "name", full)


@dataclass
class Enrollment:
    user: User
    roles: tuple[str, ...]
    active: bool = True

    @property
    def gradable(self) -> bool:
        return is_gradable(self.roles)


@dataclass
class ResourceLink:
    id: str
    course_id: int
    title: str
    description: str = ""
    line_item_id: int | None = None  # the declared line item (AGS `lineitem` claim)
    custom: dict[str, str] = field(default_factory=dict)
    url: str | None = None  # target_link_uri; the registration's default when None
    client_id: str | None = None


@dataclass
class LineItem:
    id: int
    course_id: int
    client_id: str
    label: str
    score_maximum: float
    resource_id: str | None = None
    tag: str | None = None
    resource_link_id: str | None = None
    start_date_time: str | None = None
    end_date_time: str | None = None
    coupled: bool = False  # an activity's/assignment's own column (Canvas refuses to DELETE it)
    published: bool = True  # Canvas: deep-linked assignments start unpublished
    allowed_attempts: int | None = None  # Canvas: limited attempts -> 422 when used up
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class GradebookEntry:
    """What the LMS gradebook holds for one (line item, user) after the tool's score POSTs."""

    line_item_id: int
    user_sub: str
    grade: float | None = None  # rescaled to the line item maximum; None = blanked
    score_given: float | None = None
    score_maximum: float | None = None
    activity_progress: str | None = None
    grading_progress: str | None = None
    timestamp: str | None = None
    time_modified: float = 0.0  # Moodle: seconds, teacher edits move it too
    comment: str | None = None
    comments: list[str] = field(default_factory=list)  # Canvas adds one submission comment per post
    submissions: int = 0  # Canvas attempts (new_submission)
    needs_review: bool = False
    posts: int = 0
    last_score: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolRegistration:
    """A tool as an LMS admin registered it (Moodle external tool type / Canvas developer key)."""

    client_id: str
    oidc_login_url: str
    redirect_uris: list[str]
    target_link_uri: str | None = None
    deployment_ids: list[str] = field(default_factory=lambda: ["1"])
    tool_jwks_url: str | None = None
    tool_jwks: dict[str, Any] | None = None
    scopes: frozenset[str] = ALL_SCOPES
    share_name: bool = True
    share_email: bool = True
    accept_grades: bool = True  # Moodle "Accept grades from the tool" / Canvas DL line items
    lti11_consumer_key: str | None = None
    lti11_secret: str | None = field(default=None, repr=False)
    custom: dict[str, str] = field(default_factory=dict)
    type_id: int = 0  # Moodle's tool type id (in service URLs); set by the platform

    def __post_init__(self) -> None:
        if self.target_link_uri is None:
            self.target_link_uri = self.redirect_uris[0]


@dataclass(eq=False)
class Course:
    id: int
    title: str
    label: str
    platform: DevPlatform = field(repr=False)
    sourcedid: str | None = None
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    resource_links: dict[str, ResourceLink] = field(default_factory=dict)

    def enroll(
        self, user: User, roles: tuple[str, ...] | list[str] | str = (LEARNER,), *, active: bool = True
    ) -> User:
        roles = (roles,) if isinstance(roles, str) else tuple(roles)
        unknown = [role for role in roles if role not in COURSE_ROLES]
        if unknown:
            raise ValueError(f"unknown course roles {unknown}; use {COURSE_ROLES}")
        with self.platform.lock:
            self.enrollments[user.sub] = Enrollment(user, roles, active)
        return user

    def suspend(self, user: User) -> None:
        with self.platform.lock:
            self.enrollments[user.sub].active = False

    def member(self, sub: str) -> Enrollment | None:
        with self.platform.lock:
            return self.enrollments.get(sub)

    def add_resource_link(
        self,
        title: str,
        *,
        description: str = "",
        score_maximum: float | None = None,
        custom: dict[str, str] | None = None,
        url: str | None = None,
        client_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> ResourceLink:
        """An activity/assignment of the tool; with `score_maximum` it declares its own line item."""
        return self.platform.add_resource_link(
            self,
            title,
            description=description,
            score_maximum=score_maximum,
            custom=custom or {},
            url=url,
            client_id=client_id,
            resource_id=resource_id,
            tag=tag,
        )
