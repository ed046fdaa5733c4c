"""`/health/`: database, cache and broker status as JSON (200 when all are up, 503 otherwise).

Each stored WIMS server is also asked `checkident` (short timeout, answers cached a few seconds) and
reported under `wims`, without changing the status code: a WIMS outage is not the bridge's fault and
must not get the web container restarted by its health check (docs/operations.md)."""

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_safe

from wims_lti.celery import app as celery_app
from wims_lti.models import WimsServer
from wims_lti.wims.client import WimsClient

WIMS_CACHE_KEY = "health:wims"


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    cache.set("health:probe", "1", timeout=10)
    if cache.get("health:probe") != "1":
        raise RuntimeError("cache did not return the value just written")


def _check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
}


def run_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever its kind
            results[name] = {"ok": False, "error": exc.__class__.__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


@sensitive_variables("server", "client")
def _probe_wims(server: WimsServer) -> dict[str, object]:
    timeout = settings.HEALTH_WIMS_TIMEOUT
    client = WimsClient(
        server.url,
        server.ident,
        server.passwd,
        connect_timeout=timeout,
        read_timeout=timeout,
        total_timeout=timeout,  # a WIMS dripping bytes must not hold the health check either
        read_retries=0,
    )
    started = time.perf_counter()
    try:
        client.checkident()
    except Exception as exc:  # reported, whatever it is (unreachable, refused ident, bad reply)
        result: dict[str, object] = {"ok": False, "error": exc.__class__.__name__}
    else:
        result = {"ok": True}
    finally:
        client.session.close()
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def wims_reachability() -> dict[str, dict[str, object]]:
    """`checkident` on every stored WIMS server, in parallel; cached HEALTH_WIMS_CACHE_SECONDS."""
    try:
        cached = cache.get(WIMS_CACHE_KEY)
    except Exception:  # the cache check reports the outage; probe without it
        cached = None
    if cached is not None:
        return cached
    servers = list(WimsServer.objects.all())
    results: dict[str, dict[str, object]] = {}
    if servers:
        with ThreadPoolExecutor(max_workers=min(8, len(servers))) as pool:
            for server, result in zip(servers, pool.map(_probe_wims, servers), strict=True):
                results[server.name] = result
    with contextlib.suppress(Exception):  # a cache outage is reported by the cache check
        cache.set(WIMS_CACHE_KEY, results, timeout=settings.HEALTH_WIMS_CACHE_SECONDS)
    return results


@never_cache
@require_safe  # GET, and HEAD for monitors that only look at the status
def health(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    ok = all(c["ok"] for c in checks.values())
    wims = wims_reachability() if checks["database"]["ok"] else {}
    return JsonResponse(
        {"status": "ok" if ok else "error", "checks": checks, "wims": wims}, status=200 if ok else 503
    )
