"""Fixtures for the development platform's tests: a platform per flavor wired to the mini tool."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.lti.minitool import MiniTool, ToolKey
from wims_lti.lti.devplatform import (
    ALL_SCOPES,
    Course,
    DevBrowser,
    DevPlatform,
    DevPlatformServer,
    ResourceLink,
    ToolRegistration,
    User,
    people,
)
from wims_lti.lti.devplatform.roles import INSTRUCTOR, LEARNER

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
CLIENT_ID = "wims-lti-dev"
EVERY_SCOPE = tuple(sorted(ALL_SCOPES))


@dataclass
class Lms:
    """One running platform, its registered mini tool, and a small course (teacher, student, graded link)."""

    platform: DevPlatform
    server: DevPlatformServer
    tool: MiniTool
    key: ToolKey
    registration: ToolRegistration
    course: Course
    teacher: User
    student: User
    link: ResourceLink

    @property
    def flavor(self) -> str:
        return self.platform.flavor

    def launch(self, user: User, link: ResourceLink | None = None, **kwargs: Any) -> requests.Response:
        initiation = self.platform.start_launch(user, self.course, link or self.link, **kwargs)
        return DevBrowser().launch(initiation, platform_url=self.server.url)

    def assertion(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": CLIENT_ID,
            "sub": CLIENT_ID,
            "aud": self.platform.auth_token_url,
            "iat": now - 5,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        }
        kid = overrides.pop("kid", None)
        signer = overrides.pop("signer", self.key)
        claims.update(overrides)
        return signer.sign({k: v for k, v in claims.items() if v is not None}, kid=kid or self.key.kid)

    def request_token(self, scopes: list[str] | tuple[str, ...] = EVERY_SCOPE, **overrides: Any):
        return requests.post(
            self.platform.auth_token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self.assertion(**overrides),
                "scope": " ".join(scopes),
            },
            timeout=10,
        )

    def access_token(self, scopes: list[str] | tuple[str, ...] = EVERY_SCOPE) -> str:
        response = self.request_token(scopes)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def lineitem_url(self, link: ResourceLink | None = None) -> str:
        return self.platform.lineitem_url(self.platform.line_item(link or self.link))

    def post_score(
        self, token: str, user: User, *, url: str | None = None, content_type: str = SCORE_TYPE, **fields: Any
    ) -> requests.Response:
        body = {
            "userId": user.sub,
            "scoreGiven": 7,
            "scoreMaximum": 10,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "timestamp": fields.pop("timestamp", None) or _now_iso(),
        }
        body.update(fields)
        target = url or self.platform.lineitem_url(self.platform.line_item(self.link), "/scores")
        return requests.post(
            target,
            data=json.dumps({k: v for k, v in body.items() if v is not None}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            timeout=10,
        )


def _now_iso(offset: float = 0.0) -> str:
    return (
        datetime.fromtimestamp(time.time() + offset, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


@pytest.fixture(scope="session")
def tool_key() -> ToolKey:
    return ToolKey.generate()


@pytest.fixture
def make_lms(tool_key: ToolKey) -> Iterator[Callable[..., Lms]]:
    started: list[tuple[DevPlatformServer, MiniTool]] = []

    def make(flavor: str = "moodle", *, issuer: str | None = None, **registration: Any) -> Lms:
        platform = DevPlatform(flavor, issuer=issuer)  # type: ignore[arg-type]
        server = DevPlatformServer(platform).start()
        tool = MiniTool(tool_key).start()
        started.append((server, tool))
        registration.setdefault("tool_jwks_url", tool.url + "/jwks")
        reg = platform.register_tool(CLIENT_ID, tool.url + "/login", [tool.url + "/launch"], **registration)
        tool.configure(
            issuer=platform.issuer,
            client_id=CLIENT_ID,
            auth_login_url=platform.auth_login_url,
            jwks_url=platform.jwks_url,
        )
        course = platform.add_course("Algèbre linéaire", "ALG1")
        teacher = course.enroll(people.teacher(), INSTRUCTOR)
        student = course.enroll(people.student(), LEARNER)
        link = course.add_resource_link("Feuille 1", description="Exercices", score_maximum=10)
        return Lms(platform, server, tool, tool_key, reg, course, teacher, student, link)

    yield make
    for server, tool in started:
        server.stop()
        tool.stop()


@pytest.fixture(params=["moodle", "canvas"])
def lms(request: pytest.FixtureRequest, make_lms: Callable[..., Lms]) -> Lms:
    return make_lms(request.param)


@pytest.fixture
def moodle(make_lms: Callable[..., Lms]) -> Lms:
    return make_lms("moodle")


@pytest.fixture
def canvas(make_lms: Callable[..., Lms]) -> Lms:
    return make_lms("canvas")


now_iso = _now_iso
