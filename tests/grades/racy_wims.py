"""A loopback HTTP proxy in front of the WIMS emulator that answers score reads the way WIMS 4.29a does
when two of them overlap on one class.

The real server rebuilds a class's `.userlist` on every `getsheetscores`/`getexamscores`; two overlapping
calls then answer "There is no user in this class", or list students twice or not at all (measured:
../shared/wims-server/README.md, Concurrency). The emulator answers under one lock and never does, so
this proxy holds every score read for `delay` seconds and corrupts the replies of reads that overlapped
another read of the same class (in turn: no user, a student missing, students listed twice). It can also
corrupt the next N reads, or every read, on purpose (`script`). It records the peak overlap per class.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import requests

READS = ("getsheetscores", "getexamscores")
Corruption = Callable[[dict[str, Any], str], dict[str, Any]]


def no_user(reply: dict[str, Any], job: str) -> dict[str, Any]:
    text = "There is no user in this class" if job == "getsheetscores" else "There's no user in this class"
    return {"status": "ERROR", "code": reply.get("code", ""), "message": text}


def drop(login: str | None = None) -> Corruption:
    """Leave out `login` (or the first student listed)."""

    def corrupt(reply: dict[str, Any], job: str) -> dict[str, Any]:
        rows = reply.get("data_scores")
        if not isinstance(rows, list) or not rows:
            if job == "getexamscores" and "class_user_cnt" in reply:
                reply["class_user_cnt"] = max(0, int(reply["class_user_cnt"]) - 1)
            return reply
        victim = login or rows[0].get("id")
        reply["data_scores"] = [r for r in rows if r.get("id") != victim]
        if job == "getexamscores":
            reply["class_user_cnt"] = max(0, int(reply.get("class_user_cnt", 1)) - 1)
        return reply

    return corrupt


def duplicate(reply: dict[str, Any], job: str) -> dict[str, Any]:
    rows = reply.get("data_scores")
    if isinstance(rows, list):
        reply["data_scores"] = rows + rows
    return reply


ROTATION: tuple[Corruption, ...] = (no_user, drop(), duplicate)


@dataclass
class RacyWims:
    upstream: str
    delay: float = 0.15
    port: int = 0
    overlaps: Counter[str] = field(default_factory=Counter)  # reads that overlapped another, per class
    peak: dict[str, int] = field(default_factory=dict)  # most concurrent reads of one class
    peak_any: int = 0  # most concurrent reads, all classes
    reads: Counter[str] = field(default_factory=Counter)
    corrupted: int = 0
    script: list[Corruption] = field(default_factory=list)  # corrupt the next reads, in order
    always: Corruption | None = None  # corrupt every read
    _inflight: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    _overlapped: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0
    _rotation: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/wims/wims.cgi"

    def start(self) -> RacyWims:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, ctype, payload = proxy._handle(body, self.headers.get("User-Agent", ""))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _forward(self, body: bytes, agent: str) -> requests.Response:
        return requests.post(
            self.upstream,
            data=body,
            headers={"User-Agent": agent, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=30,
        )

    def _handle(self, body: bytes, agent: str) -> tuple[int, str, bytes]:
        params = {k: v[0] for k, v in parse_qs(body.decode("latin-1"), keep_blank_values=True).items()}
        job, qclass = params.get("job", ""), params.get("qclass", "")
        if job not in READS:
            upstream = self._forward(body, agent)
            return upstream.status_code, upstream.headers.get("Content-Type", "text/plain"), upstream.content
        with self._lock:
            self._next += 1
            me = self._next
            inflight = self._inflight[qclass]
            inflight.add(me)
            if len(inflight) > 1:
                self._overlapped.update(inflight)
            self.peak[qclass] = max(self.peak.get(qclass, 0), len(inflight))
            self.peak_any = max(self.peak_any, sum(len(s) for s in self._inflight.values()))
            self.reads[qclass] += 1
        time.sleep(self.delay)
        upstream = self._forward(body, agent)
        with self._lock:
            inflight.discard(me)
            overlapped = me in self._overlapped
            self._overlapped.discard(me)
            corruption: Corruption | None = None
            if overlapped:
                self.overlaps[qclass] += 1
                corruption = ROTATION[self._rotation % len(ROTATION)]
                self._rotation += 1
            elif self.script:
                corruption = self.script.pop(0)
            elif self.always is not None:
                corruption = self.always
            if corruption is not None:
                self.corrupted += 1
        if corruption is None:
            return upstream.status_code, upstream.headers.get("Content-Type", ""), upstream.content
        reply = corruption(json.loads(upstream.content.decode("latin-1")), job)
        payload = json.dumps(reply).encode("latin-1")
        return 200, "application/json ; charset=iso-8859-1", payload
