"""Transport-neutral request/response values and the error bodies each LMS flavor sends."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

JSON = "application/json"


@dataclass
class Request:
    """One HTTP request as the platform sees it (headers keyed in lower case)."""

    method: str
    path: str
    query_string: str
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def form(self) -> dict[str, str]:
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    def params(self) -> dict[str, str]:
        """Query parameters, overridden by form fields on a form POST (OIDC accepts both)."""
        merged = {key: values[0] for key, values in self.query.items()}
        if self.method == "POST" and (self.header("content-type") or "").startswith(
            "application/x-www-form-urlencoded"
        ):
            merged.update(self.form())
        return merged

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def bearer_token(self) -> str | None:
        value = self.header("authorization") or ""
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    reason: str | None = None  # Moodle puts its error message in the HTTP reason phrase

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_response(
    status: int,
    data: Any,
    *,
    content_type: str = JSON,
    headers: list[tuple[str, str]] | None = None,
    reason: str | None = None,
) -> Response:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status, body, [("Content-Type", content_type), *(headers or [])], reason)


def html_response(status: int, html: str) -> Response:
    return Response(status, html.encode("utf-8"), [("Content-Type", "text/html; charset=utf-8")])


def text_response(status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, text.encode("utf-8"), [("Content-Type", "text/plain"), *(headers or [])])


def empty_response(status: int, reason: str | None = None) -> Response:
    return Response(status, b"", [], reason)


def moodle_error(request: Request, status: int, reason: str) -> Response:
    """Moodle's `response::send` body: the reason is also the HTTP reason phrase."""
    body = {
        "status": status,
        "reason": reason,
        "request": {
            "method": request.method,
            "url": request.url,
            "accept": request.header("accept") or "",
            "contentType": request.header("content-type") or "",
        },
    }
    return json_response(status, body, reason=reason.splitlines()[0][:200] if reason else None)


def canvas_error(status: int, message: str, error_type: str = "bad_request") -> Response:
    return json_response(status, {"errors": {"type": error_type, "message": message}})
