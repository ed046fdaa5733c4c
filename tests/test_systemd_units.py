"""The systemd units of docs/deployment-debian.md: well-formed, and running what the project provides."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def test_three_units_web_worker_beat() -> None:
    assert [p.name for p in UNITS] == [
        "wims-lti-beat.service",
        "wims-lti-web.service",
        "wims-lti-worker.service",
    ]


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_unit_is_complete_and_points_at_real_things(path: Path) -> None:
    unit = _unit(path)
    service = unit["Service"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    assert service["User"] == "wims-lti" and service["EnvironmentFile"] == "/etc/wims-lti/env"
    assert service["Environment"] == "DJANGO_SETTINGS_MODULE=settings.production"
    assert service["Restart"] == "on-failure" and service["NoNewPrivileges"] == "true"
    argv = shlex.split(service["ExecStart"])
    program = Path(argv[0]).name
    if program == "gunicorn":
        assert argv[1] == "wims_lti.wsgi:application"
        assert (ROOT / argv[argv.index("--config") + 1]).is_file()
        assert service["Type"] == "notify"  # gunicorn's arbiter sends READY=1
    else:
        assert program == "celery" and argv[1:3] == ["-A", "wims_lti"]
        assert argv[3] in ("worker", "beat")
    for line in [service["ExecStart"], service.get("ExecStartPre", "")]:
        if "manage.py" in line:
            assert shlex.split(line)[2] in ("migrate",)


def test_guide_names_every_unit() -> None:
    guide = (ROOT / "docs" / "deployment-debian.md").read_text()
    for path in UNITS:
        assert path.name in guide or path.stem.rsplit("-", 1)[0] + "-*" in guide
    assert "beat" in guide and "ONE host" in guide
