"""Helpers of the teacher-page tests: a teacher's browser session on the tool, forms as submitted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests

from tests.fixtures.lti_env import BROWSER_TIMEOUT, LtiEnv, html_forms
from wims_lti.lti.devplatform import DevBrowser
from wims_lti.lti.devplatform.model import ResourceLink, User

PUTEXO = {"module": "classes/en", "params": "exo=addition&qnum=1", "points": "10", "title": "Addition"}


def token_of(url: str) -> str:
    match = re.search(r"/teacher/([^/]+)/", url)
    assert match, url
    return match.group(1)


@dataclass
class TeacherSession:
    env: LtiEnv
    page: requests.Response
    browser: DevBrowser = field(default_factory=lambda: DevBrowser(timeout=BROWSER_TIMEOUT))

    @property
    def token(self) -> str:
        return token_of(self.page.url)

    def url(self, path: str = "") -> str:
        return f"{self.env.tool_url}/teacher/{self.token}/{path}"

    def get(self, path: str = "", **kwargs: Any) -> requests.Response:
        self.page = self.browser.session.get(self.url(path), timeout=BROWSER_TIMEOUT, **kwargs)
        return self.page

    def post(self, path: str, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        response = self.browser.session.post(self.url(path), data=data, timeout=BROWSER_TIMEOUT, **kwargs)
        if response.status_code == 200:
            self.page = response
        return response

    def form(self, action_suffix: str, page: requests.Response | None = None) -> dict[str, str]:
        page = page or self.page
        form = next(f for f in html_forms(page.text) if f.action.endswith(action_suffix))
        return dict(form.fields)

    def submit(self, action_suffix: str, **fields: str) -> requests.Response:
        """Submit the current page's form as the browser would, with `fields` changed."""
        form = next(f for f in html_forms(self.page.text) if f.action.endswith(action_suffix))
        response = self.browser.session.post(
            urljoin(self.page.url, form.action), data={**form.fields, **fields}, timeout=BROWSER_TIMEOUT
        )
        self.page = response
        return response


def teacher_session(
    env: LtiEnv, user: User | None = None, link: ResourceLink | None = None, **kwargs: Any
) -> TeacherSession:
    """An instructor's launch, left wherever the tool put them (the linking page on a new course)."""
    browser = DevBrowser(timeout=BROWSER_TIMEOUT)
    initiation = env.platform.start_launch(
        user or env.teacher, kwargs.pop("course", None) or env.course, link or env.link, **kwargs
    )
    page = browser.launch(initiation, platform_url=env.server.url)
    assert page.status_code == 200 and "/teacher/" in page.url, (page.status_code, page.url, page.text[:500])
    return TeacherSession(env, page, browser)


def linked_session(env: LtiEnv, **kwargs: Any) -> TeacherSession:
    session = teacher_session(env, **kwargs)
    if "/course/" in session.page.url:
        response = session.submit("/course/create/")
        assert response.status_code == 200 and "/course/" not in response.url, response.text[:1000]
    return session


def add_sheets(env: LtiEnv, *titles: str, activate: bool = True) -> None:
    """Sheets in the course's class through adm/raw, each with one exercise (activated unless told)."""
    from wims_lti.models import Course

    course = Course.objects.get(platform=env.registration, context_id=str(env.course.id))
    client = env.wims.client()
    for title in titles:
        number = client.addsheet(course.qclass, course.rclass, {"title": title})["sheet_id"]
        client.putexo(course.qclass, course.rclass, number, PUTEXO)
        if activate:
            client.modsheet(course.qclass, course.rclass, number, {"status": 1})
