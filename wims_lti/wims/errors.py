"""Typed errors of the adm/raw client.

Two families, which the `manage.py wims` command maps to exit codes:
- `WimsErrorReply` (exit 1): WIMS answered `status: ERROR`; subclasses name the cause, from the
  exact messages a real WIMS 4.29a sends;
- `WimsProtocolError` (exit 2): WIMS could not be reached, or answered something that is not a
  valid adm/raw reply (HTML error page, plain text, bad JSON, wrong `code` echo).
`WimsValidationError` (exit 2) is raised before anything is sent, when a value breaks WIMS's limits.

No exception here ever carries the adm/raw password: only the job name and WIMS's message.
"""

from __future__ import annotations


class WimsError(Exception):
    """Base class of every error of the adm/raw client."""

    def __init__(self, message: str, *, job: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.job = job

    def __str__(self) -> str:
        return f"{self.job}: {self.message}" if self.job else self.message


class WimsValidationError(WimsError, ValueError):
    """A value breaks WIMS's limits; raised before sending anything."""

    def __init__(self, message: str, *, job: str | None = None, field: str | None = None) -> None:
        super().__init__(message, job=job)
        self.field = field


# --- transport / protocol (exit code 2) ----------------------------------------------------


class WimsProtocolError(WimsError):
    """WIMS was not reached or did not answer a valid adm/raw reply."""


class WimsUnreachable(WimsProtocolError):
    """Connection refused, DNS failure, timeout or an HTTP 5xx."""


class WimsTimeout(WimsUnreachable):
    """WIMS did not answer within the configured timeout."""


class WimsBusy(WimsUnreachable):
    """WIMS's page "We are too busy" (HTTP 450): it refused the request before running it, because the
    server's load is over its limit. Transient, like an unreachable server (read-only jobs are retried)."""


class WimsInvalidResponse(WimsProtocolError):
    """The reply is not the JSON adm/raw reply expected (HTML page, plain text, bad JSON, bad code)."""

    def __init__(
        self,
        message: str,
        *,
        job: str | None = None,
        status_code: int | None = None,
        content_type: str | None = None,
        body_excerpt: str = "",
    ) -> None:
        super().__init__(message, job=job)
        self.status_code = status_code
        self.content_type = content_type
        self.body_excerpt = body_excerpt


class WimsUnbalancedBrackets(WimsInvalidResponse):
    """WIMS's HTML page 'We have detected unmatched parentheses in your request'."""


class WimsCodeMismatch(WimsInvalidResponse):
    """The `code` echoed by WIMS is not the one sent with the request."""


# --- WIMS answered ERROR (exit code 1) -----------------------------------------------------


class WimsErrorReply(WimsError):
    """WIMS answered `status: ERROR`; `message` is WIMS's own message."""


class WimsUntrustedRecord(WimsErrorReply):
    """WIMS refused to read one of its own files ('In file ..., line N: not_trusted', HTTP 550): a value
    stored there starts with `!`, which WIMS runs as a command. Every job reading the class's users
    fails while the record is there; `quser` names the user whose record it is (None for a class file).
    """

    def __init__(
        self, message: str, *, job: str | None = None, path: str = "", quser: str | None = None
    ) -> None:
        super().__init__(message, job=job)
        self.path = path
        self.quser = quser


class WimsIdentificationFailure(WimsErrorReply):
    """Bad ident, password, IP or User-Agent ('Identification Failure : ...').

    `plain_text`: WIMS answered in plain text, not JSON, so it found no connection file of type json
    for this ident (unknown ident, or no `ident_type=json` line)."""

    plain_text = False


class WimsConnectionRefused(WimsErrorReply):
    """'connection refused by requested class': the class does not declare ident/rclass."""


class WimsClassNotFound(WimsErrorReply):
    """'class N not existing'."""


class WimsUserNotFound(WimsErrorReply):
    """'user X not in this class (N)'."""


class WimsUserExists(WimsErrorReply):
    """'user already exists in this class (N)'."""


class WimsDeletedUserExists(WimsUserExists):
    """'Deleted user found. Use Recuser instead.' (the login is in the class's trash)."""


class WimsItemNotFound(WimsErrorReply):
    """'element #N of type sheet|exam does not exist in this class (N)'."""


class WimsNotActive(WimsErrorReply):
    """'Sheet #N must be active' / 'Exam #N must be active': no score yet, not a failure."""


class WimsNoUserInClass(WimsErrorReply):
    """'There is no user in this class' / "There's no user in this class"."""


class WimsInvalidField(WimsErrorReply):
    """WIMS refused a value ('data cl_description too short (<2)', 'login name must not be ...')."""


class WimsNothingDone(WimsErrorReply):
    """'nothing done': unknown keys or unchanged values in a mod* job."""


class WimsUnknownJob(WimsErrorReply):
    """'wrong request: no job'."""
