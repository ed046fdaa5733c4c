"""What an error report may show (Django's technical 500 page with DEBUG on, error e-mails): no secret.

Django's SafeExceptionReporterFilter hides settings named like secrets and what `sensitive_variables` /
`sensitive_post_parameters` mark. That leaves the locals of frames nobody can mark (requests, urllib3 and
http.client hold the whole adm/raw form, the WIMS password included) and secrets under innocent names
(a password inside a `redis://` URL). On top of Django's rules this filter hides:
- every local of the frames of the HTTP stack and of the adm/raw client (`wims_lti.wims`);
- any value whose text holds a WIMS password the process knows, an adm/raw `passwd=`/`password=` field,
  SECRET_KEY or a field-encryption key;
- the password of any URL setting (`scheme://user:password@host`);
- POST fields that are credentials whatever the view (id_token, oauth_signature, token, passwd...).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

# Frames whose locals are never shown: the transport of adm/raw and LMS calls, and the adm/raw client.
OPAQUE_MODULES = ("requests", "urllib3", "http.client", "ssl", "socket", "wims_lti.wims")
SECRET_FIELDS = re.compile(r"(passwd|password|qpasswd)=", re.IGNORECASE)
SECRET_POST_PARAMETERS = frozenset(
    {"id_token", "oauth_signature", "token", "passwd", "password", "secret", "lti11_secret", "client_secret"}
)
URL_PASSWORD = re.compile(r"(\w+://[^:/@\s]*:)([^@\s]+)(@)")
MIN_SECRET_LENGTH = 5  # shorter values would mask ordinary words


class SecretScrubbingFilter(SafeExceptionReporterFilter):
    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        if isinstance(cleansed, str) and "://" in cleansed:
            return URL_PASSWORD.sub(rf"\1{self.cleansed_substitute}\3", cleansed)
        return cleansed

    def get_post_parameters(self, request: Any) -> Any:
        params = super().get_post_parameters(request)
        if request is None or not hasattr(params, "copy"):
            return params
        params = params.copy()
        for name in list(params.keys()):
            if name.lower() in SECRET_POST_PARAMETERS:
                params[name] = self.cleansed_substitute
        return params

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        module = str(tb_frame.f_globals.get("__name__", ""))
        if any(module == name or module.startswith(name + ".") for name in OPAQUE_MODULES):
            return [(name, self.cleansed_substitute) for name, _value in variables]
        secrets = known_secrets()
        return [(name, self._scrub(value, secrets)) for name, value in variables]

    def _scrub(self, value: Any, secrets: Iterable[str]) -> Any:
        if value == self.cleansed_substitute:
            return value
        try:
            text = value if isinstance(value, str) else repr(value)
        except Exception:  # a repr that fails: show nothing of it
            return self.cleansed_substitute
        if isinstance(value, bytes):
            text = value.decode("latin-1")
        if SECRET_FIELDS.search(text) or any(secret in text for secret in secrets):
            return self.cleansed_substitute
        return value


def known_secrets() -> list[str]:
    """The secrets this process holds in memory (never a database query: the database may be down)."""
    found = [str(settings.SECRET_KEY), *map(str, getattr(settings, "FIELD_ENCRYPTION_KEYS", []))]
    with contextlib.suppress(Exception):  # an error report must never fail on this
        from wims_lti.services.servers import client_passwords

        found += client_passwords()
    return [s for s in found if len(s) >= MIN_SECRET_LENGTH]
