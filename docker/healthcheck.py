"""Container health checks used by docker-compose.yml (and the image's HEALTHCHECK).

    python docker/healthcheck.py web     GET /health/ on this container (database, cache, broker): 200 = ok
    python docker/healthcheck.py beat    the broker (Redis) answers PING, the schedule file exists

Exit 0 when healthy, 1 otherwise (with the reason on stderr). Standard library + redis-py only.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path


def probe_host() -> str:
    """A Host header Django accepts: the first usable ALLOWED_HOSTS entry (no wildcard)."""
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def check_web() -> str | None:
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/health/",
        # As the TLS proxy would send it: no redirect to https if one is configured some day.
        headers={"Host": probe_host(), "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:  # noqa: S310 - fixed loopback URL
            if response.status == 200:
                return None
            return f"/health/ answered {response.status}"
    except urllib.error.HTTPError as exc:
        return f"/health/ answered {exc.code}: {exc.read()[:300].decode(errors='replace')}"
    except OSError as exc:
        return f"/health/ unreachable: {exc}"


def check_beat() -> str | None:
    import redis

    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
    if not url:
        return "neither CELERY_BROKER_URL nor REDIS_URL is set"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5).ping()
    except redis.RedisError as exc:
        return f"broker {url.split('@')[-1]} does not answer: {exc}"
    schedule = Path(os.environ.get("WIMS_LTI_VAR_DIR", "/app/var"))
    if not any(schedule.glob("celerybeat-schedule*")):
        return f"no celerybeat-schedule in {schedule}"
    return None


CHECKS = {"web": check_web, "beat": check_beat}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in CHECKS:
        print(f"usage: {argv[0]} {{{'|'.join(CHECKS)}}}", file=sys.stderr)
        return 2
    problem = CHECKS[argv[1]]()
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
