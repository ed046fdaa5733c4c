"""The least adm/raw client that does the job: one keep-alive HTTP connection per thread, TCP_NODELAY.

Used by the null tool (its one `authuser`, or `adduser` + `authuser`) and by the benchmark harness to
create and delete its own classes. It is deliberately not `wims_lti.wims.client`: the null tool is the
floor the bridge is measured against, so it does nothing the wire does not need (no retries of
replies, no metrics, no logging). A request that fails on a connection the server had closed while
it was idle (keep-alive timeout) is sent once more on a fresh connection.
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
from typing import Any
from urllib.parse import quote, urlsplit

# WIMS compares the first word of the User-Agent with the connection file's `ident_agent`.
USER_AGENT = "python-requests/2 wims-lti-null-tool"
_STALE = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    http.client.CannotSendRequest,
)


class AdmRawError(Exception):
    """WIMS answered ERROR (or something that is not an adm/raw reply)."""


def _encode(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(
        f"{quote(k, safe='')}={quote(v.encode('latin-1', 'replace'), safe='')}" for k, v in pairs
    ).encode("ascii")


class AdmRaw:
    def __init__(self, url: str, ident: str, passwd: str, *, timeout: float = 150.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"an http:// URL is expected, got {url!r}")
        self.url = url
        self.host, self.port = parts.hostname, parts.port or 80
        self.path = parts.path or "/"
        self.ident, self._passwd = ident, passwd
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            # http.client sets TCP_NODELAY on connect.
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def call(self, job: str, **params: str) -> dict[str, Any]:
        code = secrets.token_hex(6)
        body = _encode(
            [
                ("module", "adm/raw"),
                ("ident", self.ident),
                ("passwd", self._passwd),
                ("code", code),
                ("job", job),
                *params.items(),
            ]
        )
        headers = {
            "User-Agent": USER_AGENT,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("POST", self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except _STALE:
                self._drop()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self._drop()
            break
        if response.status == 450:
            # WIMS's "overloaded" page: the load average is above `threshold1` of its wims.conf.
            raise AdmRawError(
                f"{job}: WIMS is overloaded (HTTP 450): the machine's load is above its threshold"
            )
        try:
            reply: dict[str, Any] = json.loads(data.decode("latin-1"))
        except ValueError as exc:
            raise AdmRawError(f"{job}: not a JSON reply (HTTP {response.status}): {data[:200]!r}") from exc
        if reply.get("status") != "OK" or reply.get("code") != code:
            raise AdmRawError(f"{job}: {reply.get('message') or reply}")
        return reply

    def close(self) -> None:
        self._drop()
