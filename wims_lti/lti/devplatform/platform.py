"""`DevPlatform`: the LMS's state (keys, tools, courses, gradebook) and the dispatcher of its endpoints."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import course_page, deep_linking, lineitems, nrps, oidc, scores
from .claims import DeepLinkingSettings, LaunchSpec, PlatformInfo
from .deep_linking import DeepLinkingResult, DeepLinkSession
from .faults import FaultInjector
from .gradebook import Gradebook, LineItemRef, line_item_id
from .http import Request, Response, json_response, text_response
from .keys import KeyRing, SigningKey
from .launch import IssuedIdToken, LaunchDefects, LoginInitiation, PendingLaunch
from .model import Course, LineItem, ResourceLink, ToolRegistration, User
from .oidc import AuthRequestError
from .roles import COURSE_ROLES, Flavor, launch_roles
from .tokens import TokenService
from .tool_keys import ToolKeySet
from .urls import UrlScheme

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: connection dropped by a fault
    fault: bool = False


class DevPlatform:
    """An LTI 1.3 platform answering like Moodle 4.x (`flavor="moodle"`) or Canvas (`"canvas"`)."""

    def __init__(
        self,
        flavor: Flavor = "moodle",
        *,
        issuer: str | None = None,
        name: str | None = None,
        key: SigningKey | None = None,
        id_token_lifetime: int | None = None,
        token_lifetime: int = 3600,
    ) -> None:
        if flavor not in ("moodle", "canvas"):
            raise ValueError(f"unknown flavor {flavor!r}")
        self.flavor: Flavor = flavor
        self.name = name or ("Moodle (dev)" if flavor == "moodle" else "Canvas (dev)")
        self.lock = threading.RLock()
        self.keys = KeyRing(key)
        self.tokens = TokenService(self, lifetime=token_lifetime)
        self.faults = FaultInjector()
        self.gradebook = Gradebook()
        self.id_token_lifetime = id_token_lifetime or (60 if flavor == "moodle" else 3600)
        self.registrations: dict[str, ToolRegistration] = {}
        self.courses: dict[int, Course] = {}
        self.line_items: dict[int, LineItem] = {}
        self.deep_link_sessions: dict[str, DeepLinkSession] = {}
        self.deep_linking_results: list[DeepLinkingResult] = []
        self.course_pages: dict[str, tuple[LoginInitiation, str]] = {}  # pages framing a launch
        self.issued_id_tokens: list[IssuedIdToken] = []
        self.auth_errors: list[str] = []
        self.request_log: list[LoggedRequest] = []
        self.wake = threading.Event()  # set by the server on stop: ends injected hangs
        self._issuer = issuer
        self._base_url: str | None = None
        self._guid = uuid.uuid4().hex
        self._keysets: dict[str, ToolKeySet] = {}
        self._pending: dict[str, PendingLaunch] = {}
        self._dl_nonces: dict[str, float] = {}
        self._ids = itertools.count(2)  # Moodle's course 1 is the site

    # -- addresses ------------------------------------------------------------------------------
    def bind(self, base_url: str) -> None:
        """Called by the server once its port is known."""
        self._base_url = base_url.rstrip("/")

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the platform has no URL yet: start a DevPlatformServer first")
        return self._base_url

    @property
    def issuer(self) -> str:
        return self._issuer or self.base_url

    @property
    def urls(self) -> UrlScheme:
        return UrlScheme(self.flavor, self.base_url)

    @property
    def auth_login_url(self) -> str:
        return self.urls.auth_login

    @property
    def auth_token_url(self) -> str:
        return self.urls.token

    @property
    def jwks_url(self) -> str:
        return self.urls.jwks

    @property
    def info(self) -> PlatformInfo:
        if self.flavor == "moodle":
            return PlatformInfo(
                self.issuer, "moodle", self.name, urlsplit(self.base_url).netloc, "2024100700"
            )
        return PlatformInfo(self.issuer, "canvas", self.name, f"{self._guid}:canvas-lms", "cloud")

    # -- keys ---------------------------------------------------------------------------------
    def rotate_key(self, new: SigningKey | None = None) -> SigningKey:
        """Sign with a new key from now on; the old kid stays in the JWKS."""
        return self.keys.rotate(new)

    def jwks(self) -> dict[str, Any]:
        return self.keys.jwks()

    def sign_id_token(self, claims: dict[str, Any], key: SigningKey | None = None) -> str:
        return (key or self.keys.current).sign(claims)

    # -- tools --------------------------------------------------------------------------------
    def register_tool(
        self, client_id: str, oidc_login_url: str, redirect_uris: list[str], **fields: Any
    ) -> ToolRegistration:
        with self.lock:
            registration = ToolRegistration(client_id, oidc_login_url, list(redirect_uris), **fields)
            registration.type_id = len(self.registrations) + 1
            self.registrations[client_id] = registration
            self._keysets.pop(client_id, None)
        return registration

    def registration(self, client_id: str) -> ToolRegistration | None:
        with self.lock:
            return self.registrations.get(client_id)

    def tool_keyset(self, registration: ToolRegistration) -> ToolKeySet:
        with self.lock:
            keyset = self._keysets.get(registration.client_id)
            if keyset is None:
                keyset = ToolKeySet(registration.tool_jwks_url, registration.tool_jwks)
                self._keysets[registration.client_id] = keyset
            return keyset

    # -- courses, links, line items -----------------------------------------------------------
    def add_course(
        self, title: str = "Algebra 101", label: str | None = None, *, sourcedid: str | None = None
    ) -> Course:
        with self.lock:
            course_id = next(self._ids)
            course = Course(course_id, title, label or f"ALG{course_id}", self, sourcedid=sourcedid)
            self.courses[course_id] = course
        return course

    def add_resource_link(
        self,
        course: Course,
        title: str,
        *,
        description: str = "",
        score_maximum: float | None = None,
        custom: dict[str, str] | None = None,
        url: str | None = None,
        client_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
        published: bool = True,
    ) -> ResourceLink:
        with self.lock:
            number = next(self._ids)
            link_id = str(number) if self.flavor == "moodle" else str(uuid.uuid4())
            link = ResourceLink(
                link_id,
                course.id,
                title,
                description,
                custom=dict(custom or {}),
                url=url,
                client_id=client_id,
            )
            course.resource_links[link.id] = link
            if score_maximum is not None:
                owner = client_id or self._only_registration().client_id
                item = self.create_line_item(
                    course,
                    client_id=owner,
                    label=title,
                    score_maximum=score_maximum,
                    resource_id=resource_id,
                    tag=tag,
                    resource_link_id=link.id,
                    coupled=True,
                    published=published,
                )
                link.line_item_id = item.id
        return link

    def create_line_item(
        self, course: Course, *, client_id: str, label: str, score_maximum: float, **fields: Any
    ) -> LineItem:
        with self.lock:
            item = LineItem(next(self._ids), course.id, client_id, label, score_maximum, **fields)
            self.line_items[item.id] = item
        return item

    def delete_line_item(self, item: LineItem) -> None:
        with self.lock:
            self.line_items.pop(item.id, None)
            self.gradebook.drop_line_item(item.id)
            for link in self.courses[item.course_id].resource_links.values():
                if link.line_item_id == item.id:
                    link.line_item_id = None

    def line_item(self, ref: LineItemRef) -> LineItem:
        with self.lock:
            return self.line_items[line_item_id(ref)]

    def lineitem_url(self, item: LineItem, suffix: str = "") -> str:
        registration = self.registrations[item.client_id]
        return self.urls.lineitem(item.course_id, item.id, registration.type_id, suffix)

    def publish(self, ref: LineItemRef) -> None:
        with self.lock:
            self.line_item(ref).published = True

    def teacher_override(self, ref: LineItemRef, sub: str, grade: float | None) -> None:
        """A teacher edits the grade in the LMS: Moodle's timemodified moves to now."""
        with self.lock:
            entry = self.gradebook.entry(line_item_id(ref), sub)
            entry.grade = grade
            entry.time_modified = time.time()

    # -- launches -----------------------------------------------------------------------------
    def _only_registration(self) -> ToolRegistration:
        with self.lock:
            if len(self.registrations) != 1:
                raise ValueError("several (or no) tools are registered: say which client_id")
            return next(iter(self.registrations.values()))

    def start_launch(
        self,
        user: User,
        course: Course | None = None,
        resource_link: ResourceLink | None = None,
        *,
        client_id: str | None = None,
        deployment_id: str | None = None,
        message_type: str = RESOURCE_LINK_REQUEST,
        roles: list[str] | None = None,
        custom: dict[str, str] | None = None,
        target_link_uri: str | None = None,
        locale: str | None = None,
        document_target: str = "iframe",
        return_url: str | None = None,
        deep_linking: DeepLinkingSettings | None = None,
        placement: str | None = None,
        lti1p1: bool = False,
        omit: tuple[str, ...] = (),
        extra_claims: dict[str, Any] | None = None,
        defects: LaunchDefects | None = None,
    ) -> LoginInitiation:
        """Prepare a launch and return the login-initiation request the browser sends to the tool."""
        registration = self.registration(client_id) if client_id else self._only_registration()
        if registration is None:
            raise ValueError(f"unknown client_id {client_id!r}")
        deployment = deployment_id or registration.deployment_ids[0]
        if deployment not in registration.deployment_ids:
            raise ValueError(f"deployment {deployment!r} is not registered; forge it with LaunchDefects")
        if message_type == RESOURCE_LINK_REQUEST and resource_link is None:
            raise ValueError("a resource link launch needs a resource_link")
        defects = defects or LaunchDefects()
        spec = LaunchSpec(
            registration=registration,
            deployment_id=deployment,
            user=user,
            course=course,
            resource_link=resource_link,
            message_type=message_type,
            roles=self._launch_roles(user, course, roles),
            target_link_uri=target_link_uri
            or (resource_link.url if resource_link and resource_link.url else None)
            or str(registration.target_link_uri),
            custom=dict(custom or {}),
            locale=locale,
            document_target=document_target,
            return_url=return_url,
            lti1p1=lti1p1,
            omit=frozenset(omit),
            placement=placement
            or ("link_selection" if message_type == DEEP_LINKING_REQUEST else "course_navigation"),
            extra_claims=dict(extra_claims or {}),
        )
        session_id = None
        if course is not None:
            spec.lineitems_url = self.urls.lineitems(course.id, registration.type_id)
            spec.memberships_url = self.urls.memberships(course.id, registration.type_id)
            if resource_link is not None and resource_link.line_item_id is not None:
                spec.lineitem_url = self.lineitem_url(self.line_items[resource_link.line_item_id])
            if message_type == DEEP_LINKING_REQUEST:
                spec.deep_linking = deep_linking or DeepLinkingSettings.for_flavor(
                    self.flavor, spec.placement
                )
                session_id = secrets.token_urlsafe(12)
                spec.deep_link_return_url = self.urls.deep_link_return(
                    course.id, registration.type_id, session_id
                )
                with self.lock:
                    self.deep_link_sessions[session_id] = DeepLinkSession(
                        session_id, registration.client_id, deployment, course.id, spec.deep_linking
                    )
        hint = self._message_hint(course, resource_link)
        with self.lock:
            self._pending[hint] = PendingLaunch(hint, user.sub, spec, defects, session_id)
        params = {
            "iss": self.issuer,
            "login_hint": user.sub,
            "target_link_uri": spec.target_link_uri,
            "lti_message_hint": hint,
            "client_id": registration.client_id,
            "lti_deployment_id": defects.deployment_id or deployment,
        }
        if self.flavor == "canvas":
            params.update(
                canvas_region="not_configured",
                canvas_environment="prod",
                lti_storage_target="post_message_forwarding",
            )
        return LoginInitiation(registration.oidc_login_url, params)

    def _launch_roles(self, user: User, course: Course | None, roles: list[str] | None) -> list[str]:
        if roles is None:
            enrollment = course.member(user.sub) if course else None
            if course is not None and enrollment is None:
                raise ValueError(
                    f"user {user.sub} is not enrolled in course {course.id}: enroll or pass roles="
                )
            course_roles: list[str] = list(enrollment.roles) if enrollment else []
            return launch_roles(
                self.flavor, course_roles, is_admin=user.is_admin, is_test_user=user.is_test_student
            )
        mapped = (
            launch_roles(
                self.flavor,
                [r for r in roles if r in COURSE_ROLES],
                is_admin=user.is_admin,
                is_test_user=user.is_test_student,
            )
            if any(r in COURSE_ROLES for r in roles)
            else []
        )
        return mapped + [r for r in roles if r not in COURSE_ROLES]

    def _message_hint(self, course: Course | None, link: ResourceLink | None) -> str:
        token = secrets.token_urlsafe(16)
        if self.flavor == "moodle":
            return json.dumps({"cmid": link.id if link else "", "launchid": f"ltilaunch_{token}"})
        claims = {
            "verifier": token,
            "canvas_domain": urlsplit(self.base_url).netloc,
            "context_type": "Course",
            "context_id": str(course.id) if course else "",
            "exp": int(time.time()) + 600,
        }
        return self.keys.current.sign(claims)

    def take_pending_launch(self, hint: str, login_hint: str, client_id: str) -> PendingLaunch:
        """The launch an auth request refers to; each launch can be completed once."""
        with self.lock:
            pending = self._pending.get(hint)
            if pending is None:
                raise AuthRequestError("lti_message_hint does not match any pending launch")
            if pending.spec.registration.client_id != client_id:
                raise AuthRequestError("client_id does not match the launch")
            if pending.login_hint != login_hint:
                raise AuthRequestError("login_hint does not match the launch's user")
            del self._pending[hint]
        return pending

    def record_id_token(self, issued: IssuedIdToken) -> None:
        with self.lock:
            self.issued_id_tokens.append(issued)

    # -- deep linking ---------------------------------------------------------------------------
    def record_deep_linking(self, result: DeepLinkingResult) -> None:
        with self.lock:
            self.deep_linking_results.append(result)

    def consume_deep_link_nonce(self, nonce: str, until: float) -> bool:
        with self.lock:
            now = time.time()
            self._dl_nonces = {key: exp for key, exp in self._dl_nonces.items() if exp > now}
            if nonce in self._dl_nonces:
                return False
            self._dl_nonces[nonce] = until
            return True

    # -- HTTP -----------------------------------------------------------------------------------
    def requests_matching(self, pattern: str, method: str | None = None) -> list[LoggedRequest]:
        regex = re.compile(pattern)
        with self.lock:
            return [
                entry
                for entry in self.request_log
                if (method is None or entry.method == method)
                and regex.search(entry.path + ("?" + entry.query_string if entry.query_string else ""))
            ]

    def _log(self, request: Request, status: int | None, fault: bool = False) -> None:
        with self.lock:
            self.request_log.append(
                LoggedRequest(
                    request.method,
                    request.path,
                    request.query_string,
                    request.headers,
                    request.body,
                    status,
                    fault,
                )
            )

    def handle(self, request: Request) -> Response | None:
        """Answer one request; None means: close the connection without answering."""
        target = request.path + ("?" + request.query_string if request.query_string else "")
        action = self.faults.take(request.method, target)
        if action is not None:
            if action.fault.hang:
                self.wake.wait(action.fault.hang)
            if action.fault.drop:
                self._log(request, None, fault=True)
                return None
            if action.response is not None:
                self._log(request, action.response.status, fault=True)
                return action.response
        try:
            response = self._dispatch(request)
        except Exception:  # a bug in the platform must be visible, not a hung test
            response = text_response(500, traceback.format_exc())
        self._log(request, response.status)
        return response

    def course_page_url(self, initiation: LoginInitiation, title: str = "WIMS") -> str:
        """A course page of this LMS framing the tool: it submits `initiation` into an iframe."""
        return course_page.register(self, initiation, title)

    def _dispatch(self, request: Request) -> Response:
        if request.path.startswith(course_page.PATH):
            return course_page.handle(self, request)
        route = self.urls.route(request.path, request.arg("type_id"))
        if route is None:
            return json_response(404, {"error": f"no such endpoint {request.path}"})
        if route.name == "jwks":
            return json_response(200, self.jwks())
        if route.name == "auth":
            return oidc.handle_authorization(self, request)
        if route.name == "token":
            return self.tokens.handle(request)
        if route.name == "lineitems":
            return lineitems.handle_container(self, request, route)
        if route.name == "lineitem":
            return lineitems.handle_item(self, request, route)
        if route.name == "scores":
            return scores.handle_scores(self, request, route)
        if route.name == "results":
            return scores.handle_results(self, request, route)
        if route.name == "memberships":
            return nrps.handle_memberships(self, request, route)
        return deep_linking.handle_return(self, request, route)
