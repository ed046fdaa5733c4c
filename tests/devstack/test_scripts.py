"""The shell entry points: syntax, shellcheck, the CI hook, and the venv stamp of scripts/lib.sh."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ["scripts/run", "scripts/test", "scripts/lib.sh", "scripts/demo-screenshots", ".ci/run"]
IN_CI = os.environ.get("CI", "") not in ("", "0", "false", "no")


@pytest.mark.parametrize("script", SCRIPTS)
def test_bash_syntax(script: str) -> None:
    subprocess.run(["bash", "-n", str(ROOT / script)], check=True, timeout=10)


@pytest.mark.parametrize("script", ["scripts/run", "scripts/test", "scripts/demo-screenshots", ".ci/run"])
def test_entry_points_are_executable_bash(script: str) -> None:
    path = ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    lines = path.read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines


def test_ci_runs_exactly_the_test_command() -> None:
    body = [line for line in (ROOT / ".ci/run").read_text().splitlines() if line and not line.startswith("#")]
    assert body == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', 'exec scripts/test "$@"']


def test_shellcheck_is_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        if IN_CI:
            pytest.fail("shellcheck is missing in CI (scripts/test installs it as root)")
        pytest.skip("shellcheck not installed (scripts/test installs it when run as root)")
    result = subprocess.run(
        [shellcheck, "-x", *SCRIPTS], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def _lib(tmp_path: Path, snippet: str) -> str:
    """Run `snippet` in bash with scripts/lib.sh sourced, in tmp_path."""
    script = f'set -euo pipefail\n. "{ROOT}/scripts/lib.sh"\n{snippet}\n'
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_requirement_files_follow_includes(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("Django==5.2\n")
    (tmp_path / "requirements-local.txt").write_text("# local\n-r requirements.txt\nredislite\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements-local.txt  # tests\npytest\n")
    out = _lib(tmp_path, "requirement_files requirements-dev.txt")
    assert out.split() == ["requirements-dev.txt", "./requirements-local.txt", "./requirements.txt"]


def test_requirements_hash_changes_with_an_included_file(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("Django==5.2\n")
    (tmp_path / "requirements-local.txt").write_text("-r requirements.txt\n")
    python = shutil.which("python3") or "python3"
    hash_cmd = f"requirements_hash requirements-local.txt {python}"
    first = _lib(tmp_path, hash_cmd)
    assert first == _lib(tmp_path, hash_cmd)
    (tmp_path / "requirements.txt").write_text("Django==5.2.1\n")
    assert _lib(tmp_path, hash_cmd) != first


def test_the_project_requirements_resolve(tmp_path: Path) -> None:
    out = _lib(ROOT, "requirement_files requirements-dev.txt")
    assert [Path(p).name for p in out.split()] == [
        "requirements-dev.txt",
        "requirements-local.txt",
        "requirements.txt",
    ]
