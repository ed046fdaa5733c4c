"""A loopback HTTP server that answers canned replies, for the client's transport tests.

Each request takes the next canned reply from a queue (a reply may be built from the request,
to echo its random `code`) and is recorded with its raw body, so tests can check what was sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

JSON_TYPE = "application/json ; charset=iso-8859-1"
PLAIN_TYPE = "text/plain ; charset=iso-8859-1"
HTML_TYPE = "text/html; charset=windows-1252"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        """The form fields, decoded as WIMS does (Latin-1)."""
        parsed = parse_qs(self.body.decode("ascii"), keep_blank_values=True, encoding="latin-1")
        return {key: values[0] for key, values in parsed.items()}


Body = bytes | Callable[[RecordedRequest], bytes]


@dataclass
class Canned:
    body: Body = b""
    status: int = 200
    content_type: str = JSON_TYPE
    delay: float = 0.0

    def render(self, request: RecordedRequest) -> bytes:
        return self.body(request) if callable(self.body) else self.body


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("latin-1")


def ok(*, delay: float = 0.0, **fields: Any) -> Canned:
    """An OK reply echoing the request's code and job (sent after `delay` seconds)."""
    return Canned(
        delay=delay,
        body=lambda r: _json({"status": "OK", "code": r.form.get("code"), "job": r.form.get("job")} | fields),
    )


def error(message: str) -> Canned:
    """An ERROR reply echoing the request's code."""
    return Canned(lambda r: _json({"status": "ERROR", "code": r.form.get("code"), "message": message}))


def wrong_code() -> Canned:
    return Canned(
        lambda r: _json({"status": "OK", "code": "x" + r.form.get("code", ""), "job": "checkident"})
    )


def raw(body: bytes | str, *, status: int = 200, content_type: str = JSON_TYPE, delay: float = 0.0) -> Canned:
    data = body.encode("latin-1") if isinstance(body, str) else body
    return Canned(data, status=status, content_type=content_type, delay=delay)


@dataclass
class ReplayServer:
    host: str = "127.0.0.1"
    replies: deque[Canned] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}/wims/wims.cgi"

    def enqueue(self, *replies: Canned) -> ReplayServer:
        self.replies.extend(replies)
        return self

    def start(self) -> ReplayServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                request = RecordedRequest(self.command, self.path, dict(self.headers), body)
                owner.requests.append(request)
                canned = owner.replies.popleft() if owner.replies else raw("replay: nothing left", status=418)
                if canned.delay:
                    time.sleep(canned.delay)
                body = canned.render(request)
                try:
                    self.send_response(canned.status)
                    self.send_header("Content-Type", canned.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="wims-replay", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
