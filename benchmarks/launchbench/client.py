"""A lean LTI 1.3 platform client: what an LMS and a browser do in a launch, and nothing else.

Each launch is the tool's two requests: the login initiation (form POST, the tool answers with a
redirect to the platform's auth endpoint carrying state and nonce) and the id_token form POST to the
`redirect_uri` (with the tool's state cookie), signed here with the dev platform's RS256 key. The claims
are built beforehand by the dev platform (`wims_lti.lti.devplatform`, Moodle flavour), so both tools
receive what a Moodle launch carries; only `nonce`, `iat` and `exp` are filled in at launch time. The
platform's own auth endpoint is skipped (it is the LMS's work, not the tool's); the tool still fetches
the platform's JWKS from the dev platform server.

Clients run in separate processes (`ClientPool`), one sequential stream of launches each, over
http.client with TCP_NODELAY, so the driver's GIL never caps the tools' throughput; each process reports
the CPU it used. `tool_s` of a launch is the time spent in the tool's HTTP exchanges (signing excluded).
"""

from __future__ import annotations

import cProfile
import http.client
import io
import multiprocessing as mp
import queue
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urljoin, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization

_STALE = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    http.client.CannotSendRequest,
)


@dataclass(frozen=True)
class LaunchJob:
    """One launch: where to send the login initiation, the claims to sign, and what must come out."""

    login_url: str
    login_params: dict[str, str]
    claims: dict[str, Any]  # nonce, iat and exp are set at launch time
    lifetime: int
    auth_login_url: str  # the platform's OIDC auth endpoint the tool must redirect to
    expect: str  # "wims": a redirect into WIMS (to one of wims_prefixes); "page": a 200 HTML page of the tool
    wims_prefixes: tuple[str, ...] = ()


@dataclass
class LaunchResult:
    ok: bool
    tool_s: float = 0.0
    start: float = 0.0
    end: float = 0.0
    error: str = ""
    location: str = ""
    final_url: str = ""
    body: str = ""
    cookies: dict[str, str] = field(default_factory=dict)


class Signer:
    def __init__(self, private_pem: str, kid: str) -> None:
        self.key = serialization.load_pem_private_key(private_pem.encode(), password=None)
        self.kid = kid

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})  # type: ignore[arg-type]


class Http:
    """Keep-alive connections per (host, port), reopened when the server closed them."""

    def __init__(self, timeout: float = 200.0) -> None:
        self.timeout = timeout
        self.conns: dict[tuple[str, int], http.client.HTTPConnection] = {}

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        parts = urlsplit(url)
        key = (parts.hostname or "127.0.0.1", parts.port or 80)
        path = parts.path + ("?" + parts.query if parts.query else "")
        for attempt in (1, 2):
            conn = self.conns.get(key)
            if conn is None:
                conn = self.conns[key] = http.client.HTTPConnection(*key, timeout=self.timeout)
            try:
                conn.request(method, path, body=body, headers=headers or {})
                response = conn.getresponse()
                data = response.read()
            except _STALE:
                conn.close()
                del self.conns[key]
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                conn.close()
                del self.conns[key]
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()
        self.conns.clear()


class WsgiHttp:
    """`Http`'s interface, answered by calling a WSGI application in this thread (no socket): for
    measuring inside the tool's process (breakdown.py) and for tests."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        netloc: str,
        *,
        on_request: Callable[[int], None] | None = None,
    ) -> None:
        self.app = app
        self.on_request = on_request
        self.netloc = netloc
        self.requests: list[dict[str, Any]] = []
        self.profiler: cProfile.Profile | None = None

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        parts = urlsplit(url)
        if parts.netloc != self.netloc:
            raise RuntimeError(f"the breakdown only calls the bridge ({self.netloc}), not {url}")
        host, _, port = self.netloc.partition(":")
        data = body or b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(parts.path, encoding="latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": host,
            "SERVER_PORT": port or "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "40000",
            "HTTP_HOST": self.netloc,
            "HTTP_USER_AGENT": "wims-lti-benchmark",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if data:
            environ["CONTENT_LENGTH"] = str(len(data))
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
        captured: dict[str, Any] = {}

        def start_response(
            status: str, response_headers: list[tuple[str, str]], exc_info: Any = None
        ) -> None:
            captured["status"], captured["headers"] = status, response_headers

        if self.on_request is not None:
            self.on_request(len(self.requests) + 1)
        cpu, started = time.process_time(), time.perf_counter()
        if self.profiler is not None:
            self.profiler.enable()
        try:
            iterable = self.app(environ, start_response)
            try:
                content = b"".join(iterable)
            finally:
                close = getattr(iterable, "close", None)
                if close is not None:
                    close()
        finally:
            if self.profiler is not None:
                self.profiler.disable()
        wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        message = http.client.HTTPMessage()
        for name, value in captured["headers"]:
            message[name] = value
        status = int(captured["status"].split()[0])
        self.requests.append(
            {
                "method": method,
                "path": parts.path,
                "status": status,
                "wall_ms": round(wall_s * 1000, 3),
                "cpu_ms": round(cpu_s * 1000, 3),
            }
        )
        return status, message, content


def _cookies(headers: http.client.HTTPMessage, jar: dict[str, str]) -> None:
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]


def _cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def run_launch(job: LaunchJob, signer: Signer, http_: Http, *, keep_body: bool = False) -> LaunchResult:
    """Run one launch; `ok` says whether it ended as `job.expect` requires."""
    jar: dict[str, str] = {}
    result = LaunchResult(ok=False, start=time.perf_counter())
    tool_s = 0.0

    def send(
        method: str, url: str, form: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        nonlocal tool_s
        headers = {**_cookie_header(jar), **(FORM if form is not None else {})}
        body = urlencode(form).encode() if form is not None else None
        started = time.perf_counter()
        status, response_headers, data = http_.request(method, url, body=body, headers=headers)
        tool_s += time.perf_counter() - started
        _cookies(response_headers, jar)
        return status, response_headers, data

    try:
        status, headers, data = send("POST", job.login_url, job.login_params)
        location = headers.get("Location", "")
        if status not in (302, 303) or not location.startswith(job.auth_login_url):
            raise RuntimeError(f"login initiation answered {status} {location!r}: {data[:300]!r}")
        auth = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        for name in ("state", "nonce", "redirect_uri"):
            if not auth.get(name):
                raise RuntimeError(f"the auth redirect has no {name}: {location!r}")
        now = int(time.time())
        claims = {**job.claims, "nonce": auth["nonce"], "iat": now, "exp": now + job.lifetime}
        token = signer.sign(claims)
        url = auth["redirect_uri"]
        status, headers, data = send("POST", url, {"id_token": token, "state": auth["state"]})
        tool_host = urlsplit(url).netloc
        for _ in range(4):
            location = headers.get("Location", "")
            if status in (301, 302, 303) and location:
                target = urljoin(url, location)
                if job.wims_prefixes and target.startswith(tuple(job.wims_prefixes)):
                    result.location = target
                    break
                if urlsplit(target).netloc != tool_host:
                    raise RuntimeError(f"redirect out of the tool, not into WIMS: {target!r}")
                url = target
                status, headers, data = send("GET", url)
                continue
            break
        result.final_url = url
        if keep_body:
            result.body = data.decode("utf-8", "replace")
        if job.expect == "wims":
            result.ok = bool(result.location)
        else:
            result.ok = status == 200 and "html" in headers.get("Content-Type", "") and not result.location
        if not result.ok:
            location = headers.get("Location", "")
            result.error = f"{job.expect}: ended with HTTP {status} at {url} {location!r}: {data[:300]!r}"
    except (OSError, http.client.HTTPException, RuntimeError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    result.end = time.perf_counter()
    result.tool_s = tool_s
    result.cookies = jar
    return result


# --- the pool of client processes -----------------------------------------------------------------


@dataclass
class PhaseRun:
    results: list[LaunchResult]
    wall_s: float
    client_cpu_s: float


def _worker(commands: Any, results: Any, counter: Any, private_pem: str, kid: str) -> None:
    signer = Signer(private_pem, kid)
    while True:
        command = commands.get()
        if command is None:
            return
        jobs, start_at = command
        http_ = Http()
        while time.time() < start_at:
            time.sleep(0.002)
        cpu = time.process_time()
        done: list[tuple[int, LaunchResult]] = []
        while True:
            with counter.get_lock():
                index = counter.value
                counter.value += 1
            if index >= len(jobs):
                break
            done.append((index, run_launch(jobs[index], signer, http_)))
        http_.close()
        results.put((done, time.process_time() - cpu))


class ClientPool:
    """`size` client processes (spawned, so they inherit nothing); `run(jobs, concurrency)` uses the
    first `concurrency` of them, which take launches from a shared counter until none is left."""

    def __init__(self, size: int, private_pem: str, kid: str) -> None:
        context = mp.get_context("spawn")
        self.counter = context.Value("i", 0)
        self.results = context.Queue()
        self.commands = [context.Queue() for _ in range(size)]
        self.processes = [
            context.Process(
                target=_worker,
                args=(commands, self.results, self.counter, private_pem, kid),
                name=f"launch-client-{n}",
                daemon=True,
            )
            for n, commands in enumerate(self.commands)
        ]
        for process in self.processes:
            process.start()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def run(self, jobs: list[LaunchJob], concurrency: int, timeout: float = 1800.0) -> PhaseRun:
        if concurrency > len(self.processes):
            raise ValueError(f"concurrency {concurrency} > {len(self.processes)} client processes")
        with self.counter.get_lock():
            self.counter.value = 0
        start_at = time.time() + 0.2  # every client starts at the same instant
        for commands in self.commands[:concurrency]:
            commands.put((jobs, start_at))
        collected: list[tuple[int, LaunchResult]] = []
        cpu = 0.0
        deadline = time.monotonic() + timeout
        for _ in range(concurrency):
            try:
                done, used = self.results.get(timeout=max(1.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError(
                    f"client processes did not finish {len(jobs)} launches in {timeout}s"
                ) from None
            collected.extend(done)
            cpu += used
        results = [r for _, r in sorted(collected, key=lambda item: item[0])]
        wall = max(r.end for r in results) - min(r.start for r in results) if results else 0.0
        return PhaseRun(results, wall, cpu)

    def close(self) -> None:
        for commands in self.commands:
            commands.put(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
