"""benchmarks/launch_vs_null.py works end to end (--quick, emulator only). Nothing here is timed: the
test checks that both tools launch, that the proxy counts the adm/raw budget (1 call for a returning
student, 2 for a first launch, none for a teacher), that every section is printed, and that the run
leaves no process and no work directory behind."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path_factory.mktemp("bench") / "figures.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "benchmarks/launch_vs_null.py", "--quick", "--targets", "emulator", "--db", "sqlite",
         "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result, json.loads(out.read_text())


def test_every_section_is_printed(quick_run: tuple[subprocess.CompletedProcess[str], dict]) -> None:
    stdout = quick_run[0].stdout
    for heading in (
        "== launch benchmark: bridge vs null tool ==",
        "== emulator WIMS (",
        "== emulator: bridge / null ==",
        "== emulator: adm/raw budget",
        "== breakdown: bridge-sqlite on emulator, sequential launches",
        "== failures: 0 ==",
    ):
        assert heading in stdout, stdout
    assert re.search(r"load average \(1/5/15 min\) at start [\d.]+ [\d.]+ [\d.]+, at end", stdout)
    for phase in ("returning", "first", "teacher"):
        for conc in (1, 8):
            for tool in ("bridge-sqlite", "null"):
                assert re.search(rf"^{phase}\s+{conc} {tool}\s+[\d.]+ / [\d.]+ / [\d.]+ ", stdout, re.M), (
                    phase, conc, tool, stdout,
                )  # fmt: skip
            assert re.search(rf"^{phase}\s+{conc} bridge-sqlite\s+[\d.]+x", stdout, re.M), stdout


def test_the_proxy_counts_the_adm_raw_budget(
    quick_run: tuple[subprocess.CompletedProcess[str], dict],
) -> None:
    stdout, figures = quick_run[0].stdout, quick_run[1]
    assert "returning  bridge-sqlite 1.00 (authuser 1.00); null 1.00 (authuser 1.00)" in stdout
    assert (
        "first      bridge-sqlite 2.00 (adduser 1.00, authuser 1.00); null 2.00 (adduser 1.00, authuser 1.00)"
        in stdout
    )
    assert "teacher    bridge-sqlite 0; null 0" in stdout
    expected = {"returning": {"authuser": 8}, "first": {"adduser": 8, "authuser": 8}, "teacher": {}}
    samples = figures["samples"]
    assert len(samples) == 3 * 2 * 2
    for sample in samples:
        assert sample["launches"] == 8 and sample["failures"] == 0, sample
        assert sample["calls"] == expected[sample["phase"]], sample
        assert len(sample["tool_ms"]) == 8


def test_the_breakdown_sees_sql_redis_and_http(
    quick_run: tuple[subprocess.CompletedProcess[str], dict],
) -> None:
    (breakdown,) = quick_run[1]["breakdowns"]
    launches = {entry["label"]: entry for entry in breakdown["launches"]}
    assert set(launches) == {"returning student", "first student", "teacher first launch"}
    for entry in launches.values():
        assert entry["ok"], entry
        assert entry["sql"]["count"] > 0 and entry["redis"]["commands"] > 0, entry
        assert entry["db_connect"]["count"] >= 1 and entry["cpu_ms"] > 0
    assert [c["job"] for c in launches["returning student"]["http"]["calls"]] == ["authuser"]
    assert [c["job"] for c in launches["first student"]["http"]["calls"]] == ["adduser", "authuser"]
    assert launches["teacher first launch"]["http"]["calls"] == []
    assert [r["status"] for r in launches["teacher first launch"]["requests"]] == [302, 302, 200]


def test_nothing_is_left_running(quick_run: tuple[subprocess.CompletedProcess[str], dict]) -> None:
    result, figures = quick_run
    pids = [pid for group in figures["pids"].values() for pid in group]
    assert len(figures["pids"]["clients"]) == 8 and len(pids) > 8
    assert [pid for pid in pids if _alive(pid)] == []
    work = re.search(r"work directory: (\S+)", result.stderr)
    assert work and not Path(work.group(1)).exists()
