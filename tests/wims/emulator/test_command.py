"""`manage.py wims_emulator`: refuses non-loopback hosts; serves adm/raw until stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command

from wims_lti.devstack.redis_server import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_refuses_a_non_loopback_host() -> None:
    with pytest.raises(CommandError, match="non-loopback"):
        call_command("wims_emulator", "--host", "192.0.2.1")


def test_serves_checkident_until_interrupted() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "wims_emulator", "--port", str(port), "--passwd", "cmdsecret1"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/wims/wims.cgi"
        params = {
            "module": "adm/raw",
            "ident": "lti",
            "passwd": "cmdsecret1",
            "code": "k1",
            "job": "checkident",
        }
        deadline = time.monotonic() + 30
        while True:
            try:
                reply = requests.post(url, data=params, timeout=2).json()
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.2)
        assert reply["message"] == "Connection accepted"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0
