"""docker-compose.yml and the Dockerfile, kept correct without a container engine.

The first test reads the files: every long-running service has a health check, the API and the
workers wait for the migration to succeed and for PostgreSQL and Redis to be healthy, every
``BAKFIETS_*`` variable is a real setting, the production settings are accepted, the image
installs the locked dependencies and the fonts, and secrets have no default.

The second test starts each service's own command natively, exactly as the compose file gives
it (command line, environment and health checks), with three translations a container engine
would make for us: the service hosts ``postgres`` and ``redis`` become the local servers
(a throwaway PostgreSQL database, a Redis database of its own), the bind-mounted extract and the
cache volume become their folders here, and the API's container port becomes a free port.
Then it plans a small real day through that API and that worker.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
import yaml
from sqlalchemy.engine import URL, make_url

from depot.settings import Settings
from depot.users import create_user
from models import Plan, Role
from models.session import make_engine, make_sessionmaker
from tests.api.plan_day import set_up_day, wait_done
from tests.dbfixtures import PG_ADMIN_DSN, ROOT, depot_today, shop_body
from tests.waiting import hang_guard

#: The compose file under test (a mutated copy can be named to watch the tests fail).
COMPOSE = Path(os.environ.get("BAKFIETS_COMPOSE_FILE", ROOT / "docker-compose.yml"))
DOCKERFILE = ROOT / "Dockerfile"
#: What an operator puts in .env (both are required: no default in the file).
DOT_ENV = {
    "POSTGRES_PASSWORD": "compose-test",
    "BAKFIETS_PUBLIC_URL": "https://bakfiets.example.dk",
}
APP_SERVICES = ("migrate", "api", "worker")
LONG_RUNNING = ("postgres", "redis", "api", "worker")
#: A Redis database no other test uses.
REDIS_DB = 15
_VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class MissingVariableError(Exception):
    """A ``${NAME:?message}`` whose variable is not set: compose refuses to start."""


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """Compose's variable substitution on every string of a loaded file: ``$$`` is a dollar,
    ``${NAME}``, ``${NAME:-default}``, ``${NAME-default}``, ``${NAME:?error}``."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        given = env.get(name)
        empty = given is None or (given == "" and op is not None and op.startswith(":"))
        if op in (":?", "?") and empty:
            raise MissingVariableError(f"{name}: {arg}")
        if op in (":-", "-") and empty:
            return arg
        return given or ""

    return _VARIABLE.sub(one, value)


def load_compose(env: Mapping[str, str]) -> dict[str, Any]:
    """The compose file as ``docker compose config`` would see it (anchors merged)."""
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return interpolate(loaded, env)


def _depends(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def test_the_compose_file_waits_on_health_and_migrations() -> None:
    """Health checks on every long-running service; migrate waits for a healthy PostgreSQL,
    the API and the workers for the migration's success and healthy PostgreSQL and Redis;
    every BAKFIETS_* variable is a setting and the whole set passes production's checks; the
    extract is mounted read-only; no secret has a default; the Dockerfile installs the locked
    tree, the fonts and every package."""
    for secret in DOT_ENV:  # no default: compose refuses to start without each
        with pytest.raises(MissingVariableError, match=secret):
            load_compose({k: v for k, v in DOT_ENV.items() if k != secret})
    compose = load_compose(DOT_ENV)
    services = compose["services"]
    assert set(services) == {*LONG_RUNNING, "migrate"}
    for name in LONG_RUNNING:
        check = services[name]["healthcheck"]
        assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name
        assert services[name]["restart"] == "unless-stopped", name
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["command"] == ["bakfiets", "db", "upgrade"]
    assert _depends(services["migrate"]) == {"postgres": "service_healthy"}
    for name in ("api", "worker"):
        assert _depends(services[name]) == {
            "migrate": "service_completed_successfully",
            "postgres": "service_healthy",
            "redis": "service_healthy",
        }, name
    declared = set(compose["volumes"])
    known = set(Settings.model_fields)
    for name in APP_SERVICES:
        service = services[name]
        env = service["environment"]
        fields = {k.removeprefix("BAKFIETS_").lower(): v for k, v in env.items()}
        unknown = [k for k, field in zip(env, fields, strict=True) if field not in known]
        assert not unknown, f"{name}: not settings: {unknown}"
        settings = Settings(_env_file=None, **fields)  # type: ignore[call-arg]
        assert settings.environment == "production" and settings.broker_url
        url = make_url(settings.database_url)
        postgres = services["postgres"]["environment"]
        assert (url.host, url.username, url.password, url.database) == (
            "postgres",
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_PASSWORD"],
            postgres["POSTGRES_DB"],
        )
        assert make_url(settings.broker_url).host == "redis"
        mounts = [m.split(":") for m in service["volumes"]]
        osm = [m for m in mounts if settings.osm_file and str(settings.osm_file).startswith(m[1])]
        assert len(osm) == 1 and osm[0][2:] == ["ro"], service["volumes"]
        assert {m[0] for m in mounts if not m[0].startswith((".", "/"))} <= declared
    assert "8000" in services["api"]["command"] and services["api"]["ports"] == ["8000:8000"]
    worker = services["worker"]
    assert {"--pool=prefork", "--concurrency=1"} <= set(worker["command"])  # one plan a machine
    assert worker["environment"]["BAKFIETS_PLAN_PROCESSES"] == "0"  # ... on every core

    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert "fonts-dejavu-core" in dockerfile
    assert re.search(r"pip install -r requirements\.lock", dockerfile)
    copied = {line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")}
    for source in copied:
        assert (ROOT / source).exists(), source
    assert {"planner", "maps", "models", "depot", "api", "requirements.lock"} <= copied


# --- the services' own commands, started natively ----------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Native:
    """The compose services as local processes: their environment translated, their commands
    run from a scratch folder with the virtualenv's programs first on the PATH."""

    def __init__(self, compose: dict[str, Any], *, database: str, api_port: int, work: Path):
        self.services = compose["services"]
        self.database = database
        self.api_port = api_port
        self.work = work
        self.started: list[subprocess.Popen[bytes]] = []

    def path(self, service: str, value: str) -> str:
        """A container path under a mount, as the folder here: bind mounts (relative to the
        compose file) and named volumes (the repository's var/, so built caches are shared)."""
        for mount in self.services[service]["volumes"]:
            source, target = mount.split(":")[:2]
            if value == target or value.startswith(target + "/"):
                local = (COMPOSE.parent / source) if source.startswith((".", "/")) else ROOT / "var"
                return str(local.resolve()) + value[len(target) :]
        return value

    def environment(self, service: str) -> dict[str, str]:
        """The service's environment with the hosts and mounts translated."""
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "HOME": str(self.work),
            "HOSTNAME": socket.gethostname(),
            "LANG": "C.UTF-8",
        }
        for key, value in self.services[service]["environment"].items():
            env[key] = self.path(service, str(value))
        database = make_url(env["BAKFIETS_DATABASE_URL"])
        assert database.host in self.services, database.host
        env["BAKFIETS_DATABASE_URL"] = URL.create(
            database.drivername, username="postgres", host="127.0.0.1", database=self.database
        ).render_as_string(hide_password=False)
        broker = make_url(env["BAKFIETS_BROKER_URL"])
        assert broker.host in self.services, broker.host
        env["BAKFIETS_BROKER_URL"] = f"redis://127.0.0.1:{broker.port}/{REDIS_DB}"
        return env

    def _port(self, words: list[str]) -> list[str]:
        return [w.replace("127.0.0.1:8000", f"127.0.0.1:{self.api_port}") for w in words]

    def command(self, service: str) -> list[str]:
        """The service's command line (the API on the free port)."""
        words = [str(w) for w in self.services[service]["command"]]
        if "--port" in words:
            words[words.index("--port") + 1] = str(self.api_port)
        return words

    def healthy(self, service: str) -> bool:
        """Run the service's health check here; True when it exits 0."""
        test = self.services[service]["healthcheck"]["test"]
        if test[0] == "CMD-SHELL":
            argv = ["sh", "-c", self._port([test[1]])[0]]
        else:
            argv = self._port([str(w) for w in test[1:]])
        env = self.environment(service) if service in APP_SERVICES else dict(os.environ)
        timeout = _seconds(self.services[service]["healthcheck"].get("timeout", "30s"))
        try:
            done = subprocess.run(
                argv, env=env, cwd=self.work, capture_output=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0

    def run(self, service: str, *extra: str) -> subprocess.CompletedProcess[str]:
        """Run a one-shot command (the service's own, or ``extra`` in its environment)."""
        argv = list(extra) or self.command(service)
        return subprocess.run(
            argv,
            env=self.environment(service),
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def start(self, service: str) -> subprocess.Popen[bytes]:
        """Start a long-running service (its own process group); its log under the work dir."""
        log = (self.work / f"{service}.log").open("wb")
        process = subprocess.Popen(
            self.command(service),
            env=self.environment(service),
            cwd=self.work,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def wait_healthy(self, service: str, process: subprocess.Popen[bytes]) -> None:
        """Wait as compose would: the start period, then as many failed checks as allowed."""
        check = self.services[service]["healthcheck"]
        limit = _seconds(check.get("start_period", "0s")) + _seconds(
            check.get("interval", "30s")
        ) * int(check.get("retries", 3))
        deadline = time.monotonic() + limit
        while not self.healthy(service):
            log = (self.work / f"{service}.log").read_text(errors="replace")[-3000:]
            assert process.poll() is None, f"{service} exited {process.returncode}:\n{log}"
            hang_guard(deadline, f"{service} never healthy:\n{log}")
            time.sleep(1.0)

    def stop(self) -> None:
        """SIGTERM each started process group (as ``docker compose stop``), then wait."""
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _seconds(text: str) -> float:
    """``"15s"``, ``"2m"`` or ``"1m30s"`` in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", str(text))
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * scale[unit] for n, unit in parts)


@pytest.fixture
def native(osm_path: Path, tmp_path: Path) -> Iterator[Native]:
    """The compose file's services, ready to start here on a throwaway database."""
    name = f"bakfiets_compose_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(PG_ADMIN_DSN + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()
    env = {**DOT_ENV, "BAKFIETS_OSM_DIR": str(osm_path.parent), "BAKFIETS_OSM_NAME": osm_path.name}
    services = Native(load_compose(env), database=name, api_port=_free_port(), work=tmp_path)
    try:
        yield services
    finally:
        services.stop()
        with psycopg.connect(PG_ADMIN_DSN + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}").flushdb()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_each_service_starts_natively_and_plans_a_day(native: Native) -> None:
    """PostgreSQL's and Redis's health checks pass on the local servers; the migration step
    migrates; uvicorn serves and its health check passes; the Celery worker answers its
    ``inspect ping`` health check; a small real day set up through that API is planned by a
    child of that worker, searching in one process per core (no fallback note); its manifest
    comes back as a PDF from the API."""
    assert native.healthy("postgres") and native.healthy("redis")
    migrated = native.run("migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "is at revision" in migrated.stdout
    api = native.start("api")
    worker = native.start("worker")
    native.wait_healthy("api", api)
    native.wait_healthy("worker", worker)

    made = native.run("api", "bakfiets", "users", "create", "--role", "admin")
    assert made.returncode == 0, made.stdout + made.stderr
    admin_token = re.search(r"^token: (\S+)$", made.stdout, re.M)
    assert admin_token is not None, made.stdout
    base = f"http://127.0.0.1:{native.api_port}"
    engine = make_engine(native.environment("api")["BAKFIETS_DATABASE_URL"])
    sessions = make_sessionmaker(engine)
    opened: list[httpx.Client] = []

    def client(role: str, shop: str | None = None, name: str | None = None) -> httpx.Client:
        with sessions() as session:
            user, token = create_user(
                session=session, name=name or f"compose {role}", role=Role(role), shop_ref=shop
            )
        made = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"})
        made.user_id = user.id  # type: ignore[attr-defined]
        opened.append(made)
        return made

    try:
        admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin_token[1]}"})
        opened.append(admin)
        for ref in ("S001", "S002", "S003"):
            answer = admin.post("/api/v1/shops", json=shop_body(ref))
            assert answer.status_code == 201, answer.text
        depot = client("depot")
        day = set_up_day(depot, client, {}, depot_today() + timedelta(days=2))  # type: ignore[arg-type]
        asked = depot.post(
            "/api/v1/plans",
            json={"date": day.day.isoformat(), "kind": "deliveries", "time_limit_s": 2},
        )
        assert asked.status_code == 202, asked.text
        plan = wait_done(depot, asked.json()["status_url"])  # type: ignore[arg-type]
        assert plan["status"] == "done", plan["error"]
        assert plan["rounds"] and plan["attempts"] == 1
        with sessions() as session:
            row = session.get(Plan, plan["id"])
            assert row is not None and row.worker is not None
            child = int(row.worker.rsplit(":", 1)[1])
        parent = re.search(r"^PPid:\s+(\d+)$", Path(f"/proc/{child}/status").read_text(), re.M)
        assert parent is not None and int(parent[1]) == worker.pid  # a child of that worker
        cores = len(os.sched_getaffinity(0))
        log = (native.work / "worker.log").read_text(errors="replace")
        assert f"plan {plan['id']}: searching with {cores} process(es)" in log, log[-3000:]
        assert not [n for n in plan["summary"]["notes"] if "planned with 1 process" in n]
        first = plan["rounds"][0]["id"]
        paper = depot.get(f"/api/v1/plans/{plan['id']}/manifests/{first}.pdf")
        assert paper.status_code == 200 and paper.content.startswith(b"%PDF"), paper.text
    finally:
        for made_client in opened:
            made_client.close()
        engine.dispose()
