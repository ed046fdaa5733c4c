"""`DevBrowser`: a cookie-keeping client that walks a launch like a browser (redirects, auto-submit forms)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from .launch import LoginInitiation

_JS_REDIRECT = re.compile(r"""(?:window\.)?location(?:\.href)?\s*(?:=|\.replace\()\s*["']([^"']+)["']""")


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    id: str | None = None


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = Form(
                values.get("action", ""), values.get("method", "get").upper(), id=values.get("id")
            )
            self.forms.append(self._current)
        elif tag in ("input", "textarea", "button") and self._current is not None:
            name = values.get("name")
            if name and values.get("type", "text").lower() not in ("submit", "button", "image", "reset"):
                self._current.fields[name] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def auto_submit_form(html: str) -> Form | None:
    """The form a page submits by script on load (an LTI auto-post), if any."""
    forms = parse_forms(html)
    if not forms or ".submit()" not in html:
        return None
    for form in forms:
        if form.id and form.id in html.split("<script", 1)[-1]:
            return form
    return forms[0]


class DevBrowser:
    """Walks login initiation → platform auth → id_token POST → the tool's answer.

    Redirects and auto-submitted forms are followed only between the hosts of the launch (the tool's
    and the platform's) unless `follow_external=True`; the first response that needs a human is returned.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: float = 10.0,
        max_hops: int = 12,
        follow_external: bool = False,
        allowed_hosts: tuple[str, ...] = (),
    ) -> None:
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "wims-lti-devbrowser/1.0")
        self.timeout = timeout
        self.max_hops = max_hops
        self.follow_external = follow_external
        self.allowed_hosts = set(allowed_hosts)
        self.history: list[requests.Response] = []

    def _allowed(self, url: str) -> bool:
        return self.follow_external or urlsplit(url).netloc in self.allowed_hosts

    def _send(self, method: str, url: str, data: dict[str, str] | None = None) -> requests.Response:
        if method == "POST":
            response = self.session.post(url, data=data, timeout=self.timeout, allow_redirects=False)
        else:
            response = self.session.get(url, params=data, timeout=self.timeout, allow_redirects=False)
        self.history.append(response)
        return response

    def launch(self, initiation: LoginInitiation, *, platform_url: str | None = None) -> requests.Response:
        """Send the login initiation and follow the flow to the tool's final answer."""
        self.allowed_hosts.add(urlsplit(initiation.url).netloc)
        if platform_url:
            self.allowed_hosts.add(urlsplit(platform_url).netloc)
        iss = initiation.params.get("iss", "")
        if iss.startswith("http://127.0.0.1") or iss.startswith("http://localhost"):
            self.allowed_hosts.add(urlsplit(iss).netloc)
        return self.follow(self._send(initiation.method, initiation.url, initiation.params))

    def follow(self, response: requests.Response) -> requests.Response:
        for _ in range(self.max_hops):
            step = self._next_step(response)
            if step is None:
                return response
            method, url, data = step
            response = self._send(method, url, data)
        raise RuntimeError(f"more than {self.max_hops} hops: {[r.url for r in self.history[-4:]]}")

    def _next_step(self, response: requests.Response) -> tuple[str, str, dict[str, str] | None] | None:
        if response.is_redirect and response.headers.get("Location"):
            target = urljoin(response.url, response.headers["Location"])
            method = "GET" if response.status_code in (301, 302, 303) else response.request.method or "GET"
            return (method, target, None) if self._allowed(target) else None
        if response.status_code != 200 or "html" not in response.headers.get("Content-Type", ""):
            return None
        form = auto_submit_form(response.text)
        if form is not None:
            target = urljoin(response.url, form.action)
            return (form.method, target, form.fields) if self._allowed(target) else None
        match = _JS_REDIRECT.search(response.text)
        if match:
            target = urljoin(response.url, match.group(1))
            return ("GET", target, None) if self._allowed(target) else None
        return None
