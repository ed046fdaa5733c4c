"""`DevPlatformServer`: the platform on a loopback port, one daemon thread per connection."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .http import Request, Response
from .platform import DevPlatform


def _latin1(value: str) -> str:
    """Header text as raw bytes: PHP sends UTF-8 (Moodle's curly quotes) and http.server wants latin-1."""
    return value.encode("utf-8").decode("latin-1").replace("\r", " ").replace("\n", " ")


class _Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"{self.server.server_name}:{self.server.server_port}"
        request = Request(
            method=self.command,
            path=parts.path,
            query_string=parts.query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            url=f"http://{host}{self.path}",
        )
        response = self.server.platform.handle(request)
        if response is None:
            self.close_connection = True
            return
        self._write(response)

    def _write(self, response: Response) -> None:
        self.send_response(response.status, _latin1(response.reason) if response.reason else None)
        for key, value in response.headers:
            self.send_header(key, _latin1(value))
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    platform: DevPlatform


class DevPlatformServer:
    """`DevPlatformServer(platform).start()`; `.url` is the base URL; `.stop()` frees the port."""

    def __init__(self, platform: DevPlatform, host: str = "127.0.0.1", port: int = 0) -> None:
        self.platform = platform
        self.host, self.port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> DevPlatformServer:
        server = _Server((self.host, self.port), _Handler)
        server.platform = self.platform
        self._server = server
        self.platform.wake.clear()
        self.platform.bind(self.url)
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="devplatform", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.platform.wake.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> DevPlatformServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
