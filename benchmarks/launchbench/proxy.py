"""A counting TCP proxy in front of a WIMS server: it forwards bytes as they come and counts adm/raw jobs.

    python -m benchmarks.launchbench.proxy --upstream http://127.0.0.1:7777/wims/wims.cgi

Prints one JSON line `{"url": <the proxied CGI URL>, "pid": ...}` once it listens on a free loopback
port, then answers commands read on stdin, one per line: `stats` prints a JSON line with the counters
since start (`jobs`: {job: calls}, `requests`, `wims_ms`: {job: summed time from the end of a request to
the first byte of its reply}); `quit` (or end of input) stops it.

Each direction is a plain copy of the bytes received (TCP_NODELAY on both sides, nothing buffered or
rewritten, so it adds no latency beyond one loopback hop); only the client-to-WIMS direction is parsed,
on the side, to find where each HTTP request ends and which `job` it carries (query or urlencoded body).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import threading
import time
from collections import Counter
from urllib.parse import parse_qsl, urlsplit


class Stats:
    def __init__(self) -> None:
        self.jobs: Counter[str] = Counter()
        self.wims_s: dict[str, float] = {}
        self.requests = 0
        self.lock = threading.Lock()

    def snapshot(self) -> dict[str, object]:
        with self.lock:
            return {
                "requests": self.requests,
                "jobs": dict(self.jobs),
                "wims_ms": {job: round(s * 1000, 3) for job, s in self.wims_s.items()},
            }


class RequestParser:
    """Splits a client's byte stream into HTTP/1.1 requests (Content-Length bodies) and names their job."""

    MAX_KEPT = 1 << 16

    def __init__(self) -> None:
        self.buffer = b""
        self.head: bytes | None = None
        self.remaining = 0
        self.body = b""

    def feed(self, data: bytes) -> list[str]:
        """The jobs of the requests completed by `data`."""
        done: list[str] = []
        self.buffer += data
        while True:
            if self.head is None:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return done
                self.head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
                self.remaining = 0
                for line in self.head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        self.remaining = int(value.strip() or 0)
                self.body = b""
            take = min(self.remaining, len(self.buffer))
            if len(self.body) < self.MAX_KEPT:
                self.body += self.buffer[:take]
            self.buffer = self.buffer[take:]
            self.remaining -= take
            if self.remaining:
                return done
            done.append(self._job())
            self.head = None

    def _job(self) -> str:
        assert self.head is not None
        target = self.head.split(b"\r\n", 1)[0].split(b" ")[1] if b" " in self.head else b""
        params = dict(parse_qsl(urlsplit(target.decode("latin-1")).query))
        params.update(dict(parse_qsl(self.body.decode("latin-1"))))
        return params.get("job", "?") if params.get("module", "adm/raw") == "adm/raw" else "(page)"


def _nodelay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def _pipe_up(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Stats, pending: list[tuple[str, float]]
) -> None:
    parser = RequestParser()
    try:
        while data := await reader.read(65536):
            writer.write(data)
            for job in parser.feed(data):
                now = time.perf_counter()
                with stats.lock:
                    stats.requests += 1
                    stats.jobs[job] += 1
                pending.append((job, now))
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _pipe_down(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Stats, pending: list[tuple[str, float]]
) -> None:
    try:
        while data := await reader.read(65536):
            if pending:  # the first bytes of the reply to the oldest request still waiting
                job, sent = pending.pop(0)
                with stats.lock:
                    stats.wims_s[job] = stats.wims_s.get(job, 0.0) + time.perf_counter() - sent
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(upstream: tuple[str, int], stats: Stats, ready: asyncio.Future[int]) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*upstream)
        except OSError:
            client_writer.close()
            return
        _nodelay(client_writer)
        _nodelay(up_writer)
        pending: list[tuple[str, float]] = []
        await asyncio.gather(
            _pipe_up(client_reader, up_writer, stats, pending),
            _pipe_down(up_reader, client_writer, stats, pending),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=512)
    ready.set_result(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--upstream", required=True, help="the WIMS CGI URL, e.g. http://127.0.0.1:7777/wims/wims.cgi"
    )
    args = parser.parse_args()
    parts = urlsplit(args.upstream)
    stats = Stats()
    loop = asyncio.new_event_loop()
    ready: asyncio.Future[int] = loop.create_future()
    task = loop.create_task(serve((parts.hostname or "127.0.0.1", parts.port or 80), stats, ready))
    port = loop.run_until_complete(ready)
    url = f"http://127.0.0.1:{port}{parts.path}"
    print(json.dumps({"url": url, "pid": os.getpid()}), flush=True)
    threading.Thread(target=loop.run_until_complete, args=(task,), daemon=True).start()
    for line in sys.stdin:
        command = line.strip()
        if command == "stats":
            print(json.dumps(stats.snapshot()), flush=True)
        elif command == "quit":
            break
    loop.call_soon_threadsafe(task.cancel)


if __name__ == "__main__":
    main()
