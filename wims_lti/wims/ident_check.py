"""Which line of WIMS's connection file a failed `checkident` points to.

WIMS reads the adm/raw connection from `WIMS_HOME/log/classes/.connections/IDENT` (the ident is the
file's name) and checks, in this order (`modules/adm/raw/var.check` of WIMS 4.29a):

1. `ident_allow` / `ident_deny`: the job must be allowed         → `illegal job`
2. `ident_type` set and `passwd` = `ident_password`               → `Identification Failure : bad login/pwd`
3. the caller's address in `ident_site`                           → `… : 'IP' is a bad IP`
4. the User-Agent's first word = `ident_agent` (if not empty)     → `… : 'AGENT' is a bad Agent`
5. `ident_protocol=https` → the request came over https           → `… : bad Protocol`

Errors come back in the ident's `ident_type`: JSON for `json`; an unknown ident (no file, so no type)
or another type answers in plain text, which tells "no JSON connection file" apart from a bad password.
An ident of another type that passes every check answers `OK <code>` in plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import (
    WimsBusy,
    WimsError,
    WimsErrorReply,
    WimsIdentificationFailure,
    WimsInvalidResponse,
    WimsTimeout,
    WimsUnreachable,
)

CONNECTIONS_DIR = "WIMS_HOME/log/classes/.connections"

_BAD_IP = re.compile(r"'([^']*)' is a bad IP")
_BAD_AGENT = re.compile(r"'([^']*)' is a bad Agent")

# How a transport failure reads in requests' message (the client keeps only the text).
_UNREACHABLE_CAUSES = (
    ("refused", re.compile(r"Connection refused|Errno 111|ECONNREFUSED", re.IGNORECASE)),
    (
        "dns",
        re.compile(
            r"Name or service not known|NameResolutionError|nodename nor servname|"
            r"Temporary failure in name resolution|getaddrinfo failed",
            re.IGNORECASE,
        ),
    ),
    ("tls", re.compile(r"SSL|CERTIFICATE|TLS", re.IGNORECASE)),
    ("http_error", re.compile(r"WIMS answered HTTP \d+")),
)


@dataclass(frozen=True)
class IdentProblem:
    """`code` names the cause; `line` is the connection file's line at fault ("" when the cause is the
    URL or the network); `seen` is what WIMS saw (the caller's IP or User-Agent word), when it says."""

    code: str
    line: str = ""
    seen: str = ""
    detail: str = ""


def ident_problem(exc: WimsError) -> IdentProblem:
    """The cause of a failed `checkident`, named after the connection file's line when it is one."""
    message = exc.message
    if isinstance(exc, WimsIdentificationFailure):
        if exc.plain_text:
            return IdentProblem("no_json_ident", "ident_type", detail=message)
        if found := _BAD_IP.search(message):
            return IdentProblem("site", "ident_site", seen=found.group(1), detail=message)
        if found := _BAD_AGENT.search(message):
            return IdentProblem("agent", "ident_agent", seen=found.group(1), detail=message)
        if "bad protocol" in message.lower():
            return IdentProblem("protocol", "ident_protocol", detail=message)
        return IdentProblem("password", "ident_password", detail=message)
    if isinstance(exc, WimsErrorReply) and message.strip() == "illegal job":
        return IdentProblem("illegal_job", "ident_allow / ident_deny", detail=message)
    if isinstance(exc, WimsTimeout):
        return IdentProblem("timeout", detail=message)
    if isinstance(exc, WimsBusy):
        return IdentProblem("busy", detail=message)
    if isinstance(exc, WimsUnreachable):
        for cause, pattern in _UNREACHABLE_CAUSES:
            if pattern.search(message):
                return IdentProblem(cause, detail=message)
        return IdentProblem("unreachable", detail=message)
    if isinstance(exc, WimsInvalidResponse):
        excerpt = exc.body_excerpt.lstrip()
        if "illegal job" in message:  # the same refusal, for an ident whose type is not json
            return IdentProblem("illegal_job", "ident_allow / ident_deny", detail=message)
        if excerpt.startswith("OK") or excerpt.startswith("<?xml"):
            return IdentProblem("type", "ident_type", detail=message)
        return IdentProblem("not_wims", detail=message)
    return IdentProblem("other", detail=message)
