"""What to fix when WIMS refuses the bridge's adm/raw connection, in words an administrator can act on:
the line of `.connections/IDENT` at fault (wims/ident_check.py), or the URL. Used by
`manage.py wims_server check` (English) and the demo's "real WIMS" form (the visitor's language)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from wims_lti.wims.errors import WimsError
from wims_lti.wims.ident_check import CONNECTIONS_DIR, IdentProblem, ident_problem


@dataclass(frozen=True)
class ConnectionAdvice:
    problem: IdentProblem
    file: str  # the connection file on the WIMS server
    text: str  # what is wrong and what to change, one paragraph

    @property
    def line(self) -> str:
        return self.problem.line


def _agent_word(user_agent: str) -> str:
    for sep in "./,;":
        user_agent = user_agent.split(sep, 1)[0]
    words = user_agent.split()
    return words[0] if words else ""


def wims_connection_advice(
    *, error: WimsError, url: str, ident: str, user_agent: str | None = None
) -> ConnectionAdvice:
    """The advice for a failed `checkident` of (url, ident); `user_agent` defaults to WIMS_USER_AGENT."""
    problem = ident_problem(error)
    path = f"{CONNECTIONS_DIR}/{ident}"
    ours = _agent_word(user_agent or settings.WIMS_USER_AGENT)
    host = urlsplit(url).hostname or url
    values = {"file": path, "ident": ident, "seen": problem.seen, "ours": ours, "url": url, "host": host}
    texts = {
        "no_json_ident": _(
            "WIMS has no connection file of type json for the ident “%(ident)s”: check that the file "
            "%(file)s exists on the WIMS server (the ident is the file's name, letters and digits) and "
            "that it has the line ident_type=json."
        ),
        "password": _(
            "The password is not the one of the line ident_password= in %(file)s. Use letters and digits "
            "only (WIMS drops any other character); a * in that line disables the ident."
        ),
        "site": _(
            "WIMS sees this bridge connect from %(seen)s, and the line ident_site= of %(file)s does not "
            "list that address: add it (addresses separated by spaces, no wildcard). Behind a NAT or a "
            "proxy, WIMS sees that machine's address."
        ),
        "agent": _(
            "WIMS saw the User-Agent word “%(seen)s”, and the line ident_agent= of %(file)s asks for "
            "another: set ident_agent=%(ours)s (the first word of the bridge's User-Agent, setting "
            "WIMS_USER_AGENT), or leave the line empty to turn this check off."
        ),
        "protocol": _(
            "The line ident_protocol=https of %(file)s refuses requests that do not come over https: use "
            "the https:// address of WIMS (recommended), or set ident_protocol=http."
        ),
        "type": _(
            "WIMS accepted the connection but answered in another format than JSON: set ident_type=json "
            "in %(file)s."
        ),
        "illegal_job": _(
            "The line ident_allow= or ident_deny= of %(file)s forbids the job checkident. Leave "
            "ident_allow= empty (or list every job the bridge uses) and deny only jobs you never want "
            "the bridge to run."
        ),
        "refused": _(
            "Nothing accepts connections at %(url)s (connection refused): check the address and the "
            "port, and that the web server of WIMS is running."
        ),
        "dns": _("The name %(host)s is unknown to this machine's DNS: check the address %(url)s."),
        "tls": _(
            "The TLS (https) connection to %(host)s failed: its certificate is not valid for this machine "
            "(expired, self-signed or for another name)."
        ),
        "timeout": _(
            "%(host)s did not answer in time: check the address, and that no firewall between this "
            "machine and WIMS drops the connection."
        ),
        "busy": _(
            "WIMS at %(host)s answered that it is overloaded (“We are too busy”): its load is over its "
            "limit. Try again in a moment; if it lasts, the WIMS administrator can look at the server's load."
        ),
        "http_error": _("The web server at %(url)s answered with a server error: look at its error log."),
        "unreachable": _("%(url)s cannot be reached from this machine."),
        "not_wims": _(
            "%(url)s answered, but not as WIMS's adm/raw interface: the address must be WIMS's CGI, "
            "usually ending in /wims/wims.cgi."
        ),
    }
    text = texts.get(problem.code) or _("WIMS refused the connection: %(message)s") % {
        "message": problem.detail
    }
    if problem.code in texts:
        text = text % values
    if problem.code == "agent" and problem.seen != ours:
        text += " " + _(
            "This bridge sends “%(ours)s”: something between it and WIMS (a proxy) rewrites the User-Agent."
        ) % {"ours": ours}
    return ConnectionAdvice(problem=problem, file=path, text=text)
