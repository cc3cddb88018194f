"""docker-compose.yml describes the production stack: PostgreSQL, Redis, web, worker, beat."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def _command(service: dict) -> str:
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def _depends_on(service: dict) -> dict:
    depends = service.get("depends_on", {})
    return {name: {} for name in depends} if isinstance(depends, list) else depends


def test_the_stack_has_postgres_redis_web_worker_and_beat(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_web_runs_gunicorn_on_the_wsgi_app(services):
    assert _command(services["web"]).startswith("gunicorn config.wsgi")
    assert "8000" in " ".join(services["web"]["ports"])


def test_worker_and_beat_run_celery_for_the_config_app(services):
    assert _command(services["worker"]).startswith("celery -A config worker")
    assert _command(services["beat"]).startswith("celery -A config beat")


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_containers_wait_for_healthy_postgres_and_redis_and_migrations(services, name):
    depends = _depends_on(services[name])

    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_migrations_run_once_before_the_app_starts(services):
    assert _command(services["migrate"]).startswith("sh -c python manage.py migrate --noinput && ")
    assert set(_depends_on(services["migrate"])) == {"postgres", "redis"}


@pytest.mark.parametrize("name", ["web", "worker"])
def test_web_and_worker_share_the_one_signing_pair_that_migrate_makes(services, name):
    # The worker seals contract PDFs and web's /verify/ accepts only that certificate: one pair for both.
    assert "ensure_signing_certificate" in _command(services["migrate"])
    for service in (services[name], services["migrate"]):
        assert "signing:/app/var/signing" in service["volumes"]
        assert service["environment"]["CONTRACT_SIGNING_CERT"].endswith("/app/var/signing/cert.pem}")
        assert service["environment"]["CONTRACT_SIGNING_KEY"].endswith("/app/var/signing/key.pem}")


def test_the_cache_has_a_redis_of_its_own_that_evicts_while_the_brokers_never_does(services):
    cache, broker = _command(services["cache"]), _command(services["redis"])

    assert services["cache"]["image"].startswith("redis:")
    assert "--maxmemory-policy allkeys-lru" in cache
    assert "--maxmemory ${CACHE_MAXMEMORY:-512mb}" in cache
    assert "maxmemory" not in broker  # queued jobs are never evicted
    assert "--appendonly yes" in broker
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["CACHE_URL"] == "redis://cache:6379/0"
        assert _depends_on(services[name])["cache"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["postgres", "redis", "cache"])
def test_data_services_report_health(services, name):
    assert services[name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", ["migrate", "web", "worker", "beat"])
def test_app_containers_build_the_dockerfile_and_run_in_production_mode(services, name):
    service = services[name]
    environment = service["environment"]

    assert service["build"] == "."
    assert environment["DJANGO_ENV"] == "production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert "DJANGO_SECRET_KEY" in environment


def test_the_dockerfile_installs_the_lock_weasyprint_libraries_and_collects_static():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install -r requirements/base.txt" in dockerfile
    assert "libpango-1.0-0" in dockerfile
    assert "collectstatic --noinput" in dockerfile


def test_the_docker_context_leaves_out_local_state():
    ignored = set((BASE_DIR / ".dockerignore").read_text().split())

    assert {".git", ".venv", "var", ".env"} <= ignored


HOST_MEMORY = 24 * 2**30  # the host docker-compose.yml's comment sizes PostgreSQL for


def _postgres_settings(service: dict) -> dict[str, str]:
    """The ``-c name=value`` settings of the postgres command, ``${VAR:-default}`` read as its default."""
    command = service["command"]
    assert command[0] == "postgres"
    assert all(flag == "-c" for flag in command[1::2]), "every setting is given as -c name=value"
    settings = {}
    for setting in command[2::2]:
        name, _, value = setting.partition("=")
        match = re.fullmatch(r"\$\{(\w+):-([^}]+)\}", value)
        settings[name] = match.group(2) if match else value
    return settings


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(kB|MB|GB)", size).groups()  # type: ignore[union-attr]
    return int(number) * {"kB": 2**10, "MB": 2**20, "GB": 2**30}[unit]


def test_postgres_memory_is_sized_for_the_host(services):
    settings = _postgres_settings(services["postgres"])
    shared_buffers, cache = _bytes(settings["shared_buffers"]), _bytes(settings["effective_cache_size"])
    work_mem, connections = _bytes(settings["work_mem"]), int(settings["max_connections"])

    # Far above the 128 MB default (the search's indexes alone are about 1 GB at a million
    # tasks), at most the usual quarter of the host, which also runs the app containers.
    assert 2**30 <= shared_buffers <= HOST_MEMORY // 4
    assert shared_buffers < cache <= HOST_MEMORY * 3 // 4
    # The search's bitmaps need 32 MB to stay exact; every connection sorting at once fits beside the cache.
    assert work_mem >= 32 * 2**20
    assert shared_buffers + connections * work_mem <= HOST_MEMORY // 2
    assert _bytes(settings["maintenance_work_mem"]) >= 256 * 2**20
    # Docker's 64 MB /dev/shm is too small for parallel queries' shared memory.
    assert _bytes(services["postgres"]["shm_size"].replace("gb", "GB").replace("mb", "MB")) >= 256 * 2**20


def test_postgres_reads_ahead_on_ssd_and_warms_up_after_a_restart(services):
    settings = _postgres_settings(services["postgres"])

    assert int(settings["effective_io_concurrency"]) >= 100
    # The search's plans were tuned at the default cost of a random read, and measured worse at 1.1.
    assert float(settings["random_page_cost"]) == 4
    assert settings["jit"] == "off"
    assert "pg_prewarm" in settings["shared_preload_libraries"].split(",")
    assert settings["pg_prewarm.autoprewarm"] == "on"


def test_postgres_memory_settings_can_be_overridden_per_host(services):
    command = " ".join(services["postgres"]["command"])

    for variable in ("POSTGRES_SHARED_BUFFERS", "POSTGRES_EFFECTIVE_CACHE_SIZE", "POSTGRES_WORK_MEM"):
        assert "${" + variable + ":-" in command
