"""docker-compose.yml describes the production stack: PostgreSQL, Redis, web, worker, beat."""

from __future__ import annotations

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
    assert _command(services["migrate"]) == "python manage.py migrate --noinput"
    assert set(_depends_on(services["migrate"])) == {"postgres", "redis"}


@pytest.mark.parametrize("name", ["postgres", "redis"])
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
