"""WIMS servers: storing them and getting the adm/raw client of each (one HTTP session per server)."""

from __future__ import annotations

import threading

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from wims_lti.models import WimsServer
from wims_lti.wims.client import WimsClient

_clients: dict[int, tuple[tuple[str, str, str], WimsClient]] = {}
_clients_lock = threading.Lock()


@sensitive_variables("passwd", "server")
def wims_server_create(
    *, name: str, url: str, ident: str, passwd: str, rclass: str = "wimslti", max_concurrency: int = 4
) -> WimsServer:
    server = WimsServer(
        name=name, url=url, ident=ident, passwd=passwd, rclass=rclass, max_concurrency=max_concurrency
    )
    server.full_clean()
    server.save()
    return server


@sensitive_variables("fields", "value")
def wims_server_update(*, server: WimsServer, **fields: object) -> WimsServer:
    for key, value in fields.items():
        if value is not None:
            setattr(server, key, value)
    server.full_clean()
    server.save()
    return server


def wims_server_get(*, name: str) -> WimsServer:
    try:
        return WimsServer.objects.get(name=name)
    except WimsServer.DoesNotExist as exc:
        raise ValidationError(f"No WIMS server named {name!r}.") from exc


@sensitive_variables("identity", "cached")
def wims_client_for(server: WimsServer) -> WimsClient:
    """The server's client, reused across calls so its HTTP session (keep-alive) is shared."""
    identity = (server.url, server.ident, server.passwd)
    with _clients_lock:
        cached = _clients.get(server.pk)
        if cached is not None and cached[0] == identity:
            return cached[1]
        client = WimsClient.from_settings(server.url, server.ident, server.passwd)
        _clients[server.pk] = (identity, client)
        return client


def client_passwords() -> list[str]:
    """The adm/raw passwords of the clients in memory: what error reports must never show."""
    with _clients_lock:
        return [identity[2] for identity, _client in _clients.values()]
