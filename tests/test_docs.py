"""The docs say what the code does: the README's test steps are the script's, both deployment docs give
the proxy the same timeout (longer than gunicorn's), no doc puts the adm/raw password on a command line,
every doc link resolves."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
SCRIPT = (ROOT / "scripts" / "test").read_text()
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n### ", start + len(title))
    return text[start : end if end != -1 else None]


def test_the_readme_lists_every_step_and_package_of_scripts_test() -> None:
    section = _section(README, "### Test: `scripts/test`")
    steps = [s for s in re.findall(r'^\s*(?:step|record) "([^"]+)"', SCRIPT, re.MULTILINE) if "$" not in s]
    assert len(set(steps)) == 5, steps
    for name in steps:
        assert f"`{name}`" in section, name
    packages = re.search(r"^TEST_DEBIAN_PACKAGES=\(([^)]*)\)", SCRIPT, re.MULTILINE)
    assert packages is not None
    assert f"`{packages.group(1).strip()}`" in section


def _timeouts(path: Path) -> list[int]:
    return [int(v) for v in re.findall(r"proxy_read_timeout\s+(\d+)s", path.read_text())]


def test_the_deployment_docs_give_the_proxy_one_timeout_longer_than_gunicorns() -> None:
    docker, debian = _timeouts(ROOT / "docs/deployment.md"), _timeouts(ROOT / "docs/deployment-debian.md")
    assert docker and debian and set(docker) == set(debian), (docker, debian)
    conf = (ROOT / "docker" / "gunicorn.conf.py").read_text()
    gunicorn = re.search(r'"GUNICORN_TIMEOUT",\s*"(\d+)"', conf)
    assert gunicorn is not None
    assert docker[0] > int(gunicorn.group(1))


def test_no_doc_puts_the_adm_raw_password_on_the_command_line() -> None:
    for path in DOCS:
        for line in path.read_text().splitlines():
            if re.search(r"\b(wims_server|manage\.py wims|python manage\.py wims)\b", line):
                assert "--passwd" not in line, f"{path.relative_to(ROOT)}: {line}"


def test_relative_links_of_the_docs_resolve() -> None:
    for path in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (path.parent / target).exists(), f"{path.relative_to(ROOT)} -> {target}"
