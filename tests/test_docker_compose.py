"""docker-compose.yml, Dockerfile and .env.example, checked without a Docker engine.

The YAML is parsed and each service is checked against the code it runs: commands name real modules,
health checks exist, start order goes through health checks, and the environment compose builds from
.env.example boots settings.production. The health-check script runs against a live server.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", "web", "worker", "beat")
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "POSTGRES_PASSWORD")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def healthcheck_command(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL"), test
    return " ".join(test[1:])


def container_path(path: str) -> Path:
    """The image is WORKDIR /app with `COPY . .`: /app/X is X in the repository."""
    assert path.startswith("/app/"), path
    return ROOT / path.removeprefix("/app/")


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem.replace(".", "_"), path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- services ----------------------------------------------------------------------------------


def test_the_services(services: dict[str, Any]) -> None:
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_every_long_running_service_has_a_health_check(services: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        check = services[name]["healthcheck"]
        assert healthcheck_command(services[name]), name
        assert {"interval", "timeout", "retries"} <= set(check), name
    assert services["migrate"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["restart"] == "no"


def test_infrastructure_images_and_persistence(compose: dict[str, Any], services: dict[str, Any]) -> None:
    redis, postgres = services["redis"], services["postgres"]
    assert redis["image"] == "redis:7"
    assert redis["command"][:3] == ["redis-server", "--appendonly", "yes"]
    assert healthcheck_command(redis) == "redis-cli ping"
    assert "redis-data:/data" in redis["volumes"]
    assert postgres["image"] in ("postgres:15", "postgres:16")
    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert healthcheck_command(postgres).startswith("pg_isready")
    assert "POSTGRES_PASSWORD" in postgres["environment"]
    assert set(compose["volumes"]) == {"postgres-data", "redis-data", "beat-data"}


def test_app_services_share_image_settings_and_env_file(services: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == "."
        assert service["env_file"] == ".env"
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "settings.production"
        assert "DATABASE_URL" in service["environment"]
        assert "REDIS_URL" in service["environment"]
        assert service["init"] is True


def test_start_order_goes_through_health_checks(services: dict[str, Any]) -> None:
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name


def test_migrate_runs_the_real_migrate_command(services: dict[str, Any]) -> None:
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert (ROOT / "manage.py").is_file()


def test_web_runs_gunicorn_on_the_wsgi_application(services: dict[str, Any]) -> None:
    command = services["web"]["command"]
    assert command[0] == "gunicorn"
    module_name, attribute = command[1].split(":")
    assert (module_name, attribute) == ("wims_lti.wsgi", "application")
    wsgi = importlib.import_module(module_name)
    assert callable(getattr(wsgi, attribute))
    config = load_module(container_path(command[command.index("--config") + 1]))
    assert config.bind == "0.0.0.0:8000"
    assert config.workers >= 1
    assert any(port.endswith(":8000") for port in services["web"]["ports"])
    assert healthcheck_command(services["web"]) == "python /app/docker/healthcheck.py web"


def test_worker_and_beat_run_the_project_celery_app(services: dict[str, Any]) -> None:
    from celery import Celery

    import wims_lti

    assert isinstance(wims_lti.celery_app, Celery)
    worker, beat = services["worker"]["command"], services["beat"]["command"]
    assert worker[:4] == ["celery", "-A", "wims_lti", "worker"]
    assert beat[:4] == ["celery", "-A", "wims_lti", "beat"]
    assert "celery -A wims_lti inspect ping" in healthcheck_command(services["worker"])
    assert "celery@$$HOSTNAME" in healthcheck_command(services["worker"])  # compose turns $$ into $
    assert services["worker"]["stop_grace_period"]


def test_exactly_one_beat_with_a_persistent_schedule(services: dict[str, Any]) -> None:
    beat = services["beat"]
    assert beat["deploy"]["replicas"] == 1
    schedule = beat["command"][beat["command"].index("-s") + 1]
    volume_target = next(v.split(":")[1] for v in beat["volumes"] if v.startswith("beat-data:"))
    assert Path(schedule).parent == Path(volume_target)
    assert healthcheck_command(beat) == "python /app/docker/healthcheck.py beat"
    for name in ("web", "worker"):
        assert "deploy" not in services[name] or services[name]["deploy"].get("replicas") != 1


def test_health_check_scripts_exist(services: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        for word in healthcheck_command(services[name]).split():
            if word.startswith("/app/"):
                assert container_path(word).is_file(), word


# --- environment -------------------------------------------------------------------------------


def env_example() -> dict[str, str]:
    """Variables of .env.example, active (KEY=value) or documented as commented-out (# KEY=value)."""
    found: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(\S*)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} (nested) and ${VAR:?error}; $$ is a literal $."""

    def expand(text: str, start: int) -> tuple[str, int]:
        out, i = [], start
        while i < len(text):
            if text.startswith("$$", i):
                out.append("$")
                i += 2
            elif text.startswith("${", i):
                j = i + 2
                while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                    j += 1
                name, op = text[i + 2 : j], text[j : j + 2]
                if text[j] == "}":
                    out.append(env.get(name, ""))
                    i = j + 1
                    continue
                inner, end = expand(text, j + 2)
                if op == ":-":
                    out.append(env.get(name) or inner)
                elif op == ":?":
                    if not env.get(name):
                        raise KeyError(f"{name}: {inner}")
                    out.append(env[name])
                else:
                    raise AssertionError(f"unsupported interpolation {op!r} in {text!r}")
                i = end
            elif text[i] == "}" and start:
                return "".join(out), i + 1
            else:
                out.append(text[i])
                i += 1
        return "".join(out), i

    return expand(value, 0)[0]


def compose_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))


def test_every_compose_variable_is_documented_in_env_example() -> None:
    assert compose_variables() <= set(env_example())


def test_env_example_documents_only_variables_something_reads() -> None:
    readers = "\n".join(
        p.read_text()
        for p in [
            *sorted((ROOT / "settings").glob("*.py")),
            ROOT / "docker-compose.yml",
            *sorted((ROOT / "docker").iterdir()),
        ]
        if p.is_file()
    )
    unread = [name for name in env_example() if name not in readers]
    assert not unread, f".env.example documents variables nothing reads: {unread}"


# Read by settings but not for production deployments: development switches and image internals.
NOT_FOR_DEPLOYMENT = {"DEBUG", "WIMS_LTI_ENV_FILE", "WIMS_LTI_VAR_DIR", "STATIC_ROOT"}


def test_every_variable_settings_read_is_documented_in_env_example() -> None:
    text = "\n".join(p.read_text() for p in sorted((ROOT / "settings").glob("*.py")))
    read = set(re.findall(r"\benv(?:\.[a-z]+|\(\))\.?[a-z]*\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= read  # the scan itself works
    undocumented = sorted(read - set(env_example()) - NOT_FOR_DEPLOYMENT)
    assert not undocumented, f"add these to .env.example (and docs/deployment.md): {undocumented}"


def test_env_example_has_every_required_variable_active() -> None:
    text = (ROOT / ".env.example").read_text()
    for name in REQUIRED_IN_PRODUCTION:
        assert re.search(rf"^{name}=", text, re.M), name
    for name in ("USE_X_FORWARDED_PROTO", "TRUSTED_PROXY_COUNT", "WIMS_READ_TIMEOUT", "WIMS_CONNECT_TIMEOUT"):
        assert name in env_example(), name


def test_a_filled_env_example_boots_production_with_the_compose_wiring(
    services: dict[str, Any], tmp_path: Path
) -> None:
    """What `docker compose up` hands to the containers, given .env.example with its blanks filled in."""
    dotenv = {
        k: v
        for k, v in env_example().items()
        if re.search(rf"^{k}=", (ROOT / ".env.example").read_text(), re.M)
    }
    dotenv.update(
        SECRET_KEY="0123456789abcdefghijklmnopqrstuvwxyzABCD",
        FIELD_ENCRYPTION_KEYS="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        POSTGRES_PASSWORD="s3cr3tpassw0rd",
    )
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        interpolate(services["postgres"]["environment"]["POSTGRES_PASSWORD"], {})
    container_env = {
        **dotenv,
        **{k: interpolate(v, dotenv) for k, v in services["web"]["environment"].items()},
    }
    assert container_env["DATABASE_URL"] == "postgres://wims_lti:s3cr3tpassw0rd@postgres:5432/wims_lti"
    assert container_env["REDIS_URL"] == "redis://redis:6379/0"
    script = (
        "import django, json; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps([db['HOST'], db['NAME'], db['USER'], settings.REDIS_URL, settings.ALLOWED_HOSTS]))"
    )
    env = {"PATH": os.environ["PATH"], "WIMS_LTI_ENV_FILE": "", **container_env}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout) == [
        "postgres",
        "wims_lti",
        "wims_lti",
        "redis://redis:6379/0",
        ["lti.example.org"],
    ]


# --- Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_base_image_user_and_command(services: dict[str, Any]) -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    users = [arg for op, arg in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    workdir = [arg for op, arg in instructions if op == "WORKDIR"]
    assert workdir == ["/app"]
    assert ("COPY", ". .") in instructions
    cmd = yaml.safe_load(next(arg for op, arg in instructions if op == "CMD"))
    assert cmd == services["web"]["command"]


def test_dockerfile_collectstatic_step_works(tmp_path: Path) -> None:
    """Runs the Dockerfile's collectstatic RUN line, with exactly its build-time environment."""
    run = next(arg for op, arg in dockerfile_instructions() if op == "RUN" and "collectstatic" in arg)
    words = shlex.split(run)
    assignments = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    command = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
    assert command[:3] == ["python", "manage.py", "collectstatic"]
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "settings.production",  # the image's ENV
        "WIMS_LTI_ENV_FILE": "",
        "STATIC_ROOT": str(tmp_path / "static"),
        **assignments,
    }
    result = subprocess.run(
        [sys.executable, *command[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "var", ".git"):
        assert entry in ignored, entry
    assert "!.env.example" in ignored


# --- docker/healthcheck.py ---------------------------------------------------------------------


@pytest.fixture
def healthcheck() -> ModuleType:
    return load_module(ROOT / "docker" / "healthcheck.py")


@pytest.mark.django_db(transaction=True)
def test_web_healthcheck_against_a_live_server(
    healthcheck: ModuleType, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = live_server.url.rsplit(":", 1)[1]
    monkeypatch.setenv("GUNICORN_BIND", f"0.0.0.0:{port}")
    monkeypatch.setenv("ALLOWED_HOSTS", ".localhost,127.0.0.1")
    assert healthcheck.probe_host() == "localhost"
    assert healthcheck.check_web() is None
    assert healthcheck.main(["healthcheck.py", "web"]) == 0


def test_web_healthcheck_reports_a_dead_server(
    healthcheck: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wims_lti.devstack.redis_server import free_port

    monkeypatch.setenv("GUNICORN_BIND", f"0.0.0.0:{free_port()}")
    assert "unreachable" in healthcheck.check_web()
    assert healthcheck.main(["healthcheck.py", "web"]) == 1
    assert healthcheck.main(["healthcheck.py"]) == 2


def test_beat_healthcheck(healthcheck: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from wims_lti.devstack.redis_server import free_port

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("WIMS_LTI_VAR_DIR", str(tmp_path))
    assert "no celerybeat-schedule" in healthcheck.check_beat()  # REDIS_URL: the session's real Redis
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"")
    assert healthcheck.check_beat() is None
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert "does not answer" in healthcheck.check_beat()
