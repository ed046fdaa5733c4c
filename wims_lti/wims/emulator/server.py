"""`EmulatorServer`: a threaded loopback HTTP server around a `WimsEmulator`, serving `/wims/wims.cgi`."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .emulator import WimsEmulator
from .faults import Fault, WimsFaults
from .params import parse_query

CGI_PATH = "/wims/wims.cgi"
CONTROL_PATH = "/_emulator/scores"
LOOPBACK = ("127.0.0.1", "::1")


class _Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _base_url(self, path: str) -> str:
        """Like WIMS: the cgi's directory + `/wims.cgi` (so `…/wims.cgi/` gives `…/wims.cgi/wims.cgi`)."""
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}{path.rsplit('/', 1)[0]}/wims.cgi"

    def _dispatch(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        if parts.path == CONTROL_PATH and self.command == "POST":
            self._control(body)
            return
        if not parts.path.startswith(CGI_PATH):
            self._send(404, "text/plain", b"Not Found\n")
            return
        params = parse_query(parts.query)
        if body:
            for name, value in parse_query(body.decode("latin-1")).items():
                params.setdefault(name, value)
        fault = (
            self.server.faults.current(params.get("job", "")) if params.get("module") == "adm/raw" else None
        )
        if fault is not None and fault[0].kind == "silent":
            self._hold_silently(*fault)
            return
        status, content_type, reply = self.server.emulator.handle(
            params,
            remote_addr=self.client_address[0],
            user_agent=self.headers.get("User-Agent", ""),
            base_url=self._base_url(parts.path),
        )
        if fault is not None:
            self._drip(status, content_type, reply, *fault)
            return
        self._send(status, content_type, reply)

    def _hold_silently(self, fault: Fault, released: threading.Event) -> None:
        """A WIMS that reads the request and never answers (the connection is closed when released)."""
        self.server.faults.hold(+1)
        try:
            released.wait(fault.seconds)
        finally:
            self.server.faults.hold(-1)
        self.close_connection = True

    def _drip(
        self, status: int, content_type: str, body: bytes, fault: Fault, released: threading.Event
    ) -> None:
        """The whole answer, status line included, one byte every `fault.interval` seconds."""
        head = (
            f"HTTP/1.1 {status} OK\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        data = head + body
        self.server.faults.hold(+1)
        try:
            for index in range(len(data)):
                if released.is_set():  # the fault was cleared: the rest at once
                    self.wfile.write(data[index:])
                    break
                self.wfile.write(data[index : index + 1])
                released.wait(fault.interval)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the client gave up
        finally:
            self.server.faults.hold(-1)
        self.close_connection = True

    def _control(self, body: bytes) -> None:
        """Loopback-only hook for a separate-process emulator: POST JSON
        `{"sheet": {"qclass","qsheet","quser","percent"|"points"}}` or `{"exam": {...score,attempts}}`."""
        if self.client_address[0] not in LOOPBACK:
            self._send(403, "text/plain", b"Forbidden\n")
            return
        try:
            order = json.loads(body or b"{}")
            emulator = self.server.emulator
            if "sheet" in order:
                emulator.set_sheet_score(**order["sheet"])
            if "exam" in order:
                emulator.set_exam_score(**order["exam"])
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            self._send(400, "application/json", json.dumps({"error": str(exc)}).encode())
            return
        self._send(200, "application/json", b'{"ok": true}')

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self._body())


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the stdlib's 5 resets connections under a burst of concurrent clients
    emulator: WimsEmulator
    faults: WimsFaults


class EmulatorServer:
    """The emulator on a loopback port: `EmulatorServer(ident, passwd).start()`, `.url`, `.stop()`."""

    def __init__(
        self,
        ident: str,
        passwd: str,
        agent: str = "python-requests",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self.emulator = WimsEmulator(ident, passwd, agent=agent, allowed_ips=LOOPBACK)
        self.faults = WimsFaults()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{CGI_PATH}"

    def start(self) -> EmulatorServer:
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.emulator = self.emulator
        httpd.faults = self.faults
        self.port = httpd.server_address[1]
        self.emulator.base_url = self.url
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, name="wims-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.faults.clear()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
