"""Real-browser fixtures: headless Debian Chromium driven by Selenium through /usr/bin/chromedriver,
the tool behind a TLS proxy on `https://localhost:PORT`, the dev LMS on `http://127.0.0.1:PORT`
(another site), screenshots in test-artifacts/."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from tests.browser.tls_proxy import TlsProxy
from tests.fixtures.lti_env import CLIENT_ID, LtiEnv, build_lti_env
from tests.fixtures.wims_servers import WimsTarget

CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--ignore-certificate-errors",  # the proxy's self-signed certificate
    "--window-size=1200,1000",
)


def _chromium() -> str:
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    pytest.fail(
        "Chromium is missing: apt-get install chromium chromium-driver (scripts/test does it as root)"
    )


@pytest.fixture
def browser() -> Iterator[Any]:
    if not os.access(CHROMEDRIVER, os.X_OK):
        pytest.fail("chromedriver is missing: apt-get install chromium-driver (scripts/test does it as root)")
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager download a driver or a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="wims-lti-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = _chromium()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot(browser: Any, request: pytest.FixtureRequest) -> Any:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        browser.save_screenshot(str(path))
        return path

    return save


@pytest.fixture
def tls_env(live_server: Any, emulator_target: WimsTarget) -> Iterator[LtiEnv]:
    """The LTI environment with the tool reached over HTTPS through the proxy, like in production."""
    proxy = TlsProxy(live_server.url).start()

    class _Public:
        url = proxy.url

    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), LTI_COOKIE_CHECK=True
    ):
        env = build_lti_env(_Public(), emulator_target)
        # The platform fetches the tool's JWKS server to server: the plain internal URL (no self-signed TLS).
        registration = env.platform.registration(CLIENT_ID)
        assert registration is not None
        registration.tool_jwks_url = live_server.url + "/lti/jwks/"
        try:
            yield env
        finally:
            env.server.stop()
            proxy.stop()
