"""Redis down: the API, the login page and token exchange keep working (throttles fail open).

The cache is pointed at a private redis-server that the test really kills;
the shared Redis of the machine is never touched.
"""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Organization
from core.cache import FailOpenRedisCache
from devstack.engines import EmbeddedRedis
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def private_redis(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", persistent=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cache_on_private_redis(settings, private_redis) -> EmbeddedRedis:
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": private_redis.url(0)}}
    return private_redis


def kill(server: EmbeddedRedis) -> None:
    assert server.pid is not None
    os.kill(server.pid, signal.SIGKILL)
    assert server.process is not None
    server.process.wait(10)


def cache_warnings(caplog) -> list[dict]:
    return [record.msg for record in caplog.records if record.name == "core.cache" and record.levelname == "WARNING"]


@pytest.fixture
def member(db):
    return UserFactory()


def api_and_login_calls(member) -> dict[str, int]:
    """The calls that read throttles or rate limits from the cache, with the status each answered."""
    organization = Organization.objects.get(is_personal=True, memberships__user=member)
    _token, secret = services.create_api_token(actor=member, organization=organization, name="test")
    with_token = APIClient()
    with_token.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    anonymous = APIClient()
    browser = APIClient()
    return {
        "api as a member": with_token.get("/api/v1/me/").status_code,
        "api task search, anonymous": anonymous.get("/api/v1/tasks/").status_code,
        "token exchange": anonymous.post(
            TOKEN_URL, {"email": member.email, "password": PASSWORD}, format="json"
        ).status_code,
        "token exchange, wrong password": anonymous.post(
            TOKEN_URL, {"email": member.email, "password": "wrong"}, format="json"
        ).status_code,
        "login page": browser.post(reverse("account_login"), {"login": member.email, "password": PASSWORD}).status_code,
        "login page, wrong password": APIClient()
        .post(reverse("account_login"), {"login": member.email, "password": "wrong"})
        .status_code,
    }


EXPECTED = {
    "api as a member": 200,
    "api task search, anonymous": 200,
    "token exchange": 201,
    "token exchange, wrong password": 401,
    "login page": 302,
    "login page, wrong password": 200,
}


def test_api_and_login_keep_working_when_the_cache_redis_dies(cache_on_private_redis, member, caplog):
    server = cache_on_private_redis
    assert api_and_login_calls(member) == EXPECTED
    # The throttles and rate limits really lived in this Redis.
    keys = redis.Redis.from_url(server.url(0)).keys("*")
    assert any(b"throttle_" in key for key in keys)
    assert any(b":allauth:rl:" in key for key in keys)

    kill(server)
    began = time.monotonic()
    answers = api_and_login_calls(member)
    elapsed = time.monotonic() - began

    assert answers == EXPECTED
    assert elapsed < 5, f"requests waited on the dead Redis for {elapsed:.1f}s"
    # One warning for the outage, with what failed and where; not one per cache call.
    warnings = cache_warnings(caplog)
    assert len(warnings) == 1
    assert warnings[0]["event"] == "cache.unavailable"
    assert warnings[0]["location"] == f"unix://{server.socket_path}"
    assert "ConnectionError" in warnings[0]["error"]


def test_the_cache_degrades_to_misses_and_dropped_writes_then_recovers(cache_on_private_redis, monkeypatch):
    server = cache_on_private_redis
    monkeypatch.setattr(FailOpenRedisCache, "RETRY_AFTER", 0.2)
    cache.set("kept", "value")
    assert cache.get("kept") == "value"

    kill(server)

    assert cache.get("kept", "fallback") == "fallback"
    assert cache.get_many(["kept"]) == {}
    assert cache.set("kept", "other") is None
    assert cache.add("lock", True) is True  # a lock or a first hit: the request goes through
    assert cache.incr("counter", 3) == 3
    assert cache.get_or_set("computed", lambda: 42) == 42
    assert cache.delete("kept") is False
    with pytest.raises(redis.ConnectionError):
        cache.ping()  # the health check sees the outage

    # Redis is back (empty, as after a crash without persistence); after the retry window the cache works again.
    server.start()
    time.sleep(0.3)
    cache.set("kept", "again")
    assert cache.get("kept") == "again"


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: a Redis hung or behind a dropped route."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def test_a_redis_that_stops_answering_costs_a_request_half_a_second_once(settings, silent_server, member, caplog):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": silent_server}}

    began = time.monotonic()
    answers = api_and_login_calls(member)
    elapsed = time.monotonic() - began

    assert answers == EXPECTED
    # The first cache call waits out the socket timeout; the others skip Redis while it is believed down.
    assert elapsed < 3, f"requests hung on the silent Redis for {elapsed:.1f}s"
    [warning] = cache_warnings(caplog)
    assert "Timeout" in warning["error"]
