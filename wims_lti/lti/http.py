"""Outbound HTTP for LTI (platform JWKS, token and service calls): every request has a timeout."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from wims_lti import __version__


class TimeoutSession(requests.Session):
    def __init__(self, timeout: tuple[float, float] | None = None) -> None:
        super().__init__()
        self.timeout = timeout or (settings.LTI_HTTP_CONNECT_TIMEOUT, settings.LTI_HTTP_READ_TIMEOUT)
        self.headers["User-Agent"] = f"wims-lti/{__version__}"

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)
