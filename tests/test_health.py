"""/health/ answers 200 when database, cache and broker work, 503 naming the part that does not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from core import health

# Nothing listens on port 1: connections are refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_cache(settings):
    # The product's own backend, which fails open for everyone but the health check.
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}


@pytest.fixture
def dead_broker(monkeypatch):
    # The Celery app read its settings once; point the app itself at the dead Redis.
    monkeypatch.setitem(celery_app.conf, "broker_url", DEAD_REDIS)
    monkeypatch.setitem(celery_app.conf, "broker_write_url", DEAD_REDIS)


def test_health_is_200_when_every_part_answers(client, db):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
        "failing": [],
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_naming_the_cache_when_its_redis_is_down(client, db, dead_cache):
    response = client.get(reverse("health"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"].startswith("error: ")
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"


def test_health_is_503_naming_the_broker_when_it_is_unreachable(client, db, dead_broker):
    response = client.get(reverse("health"))

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"].startswith("error: ")
    assert body["checks"]["cache"] == "ok"


def test_health_is_503_naming_a_check_that_raises(client, db, monkeypatch):
    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(health.CHECKS, "database", broken)

    response = client.get(reverse("health"))

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"] == "error: RuntimeError: disk on fire"


def test_health_is_public_and_never_redirected_to_https(client, db, settings):
    # Load balancers probe it over plain HTTP even when the site forces HTTPS.
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(reverse("health"))

    assert response.status_code == 200
