"""API throttles count requests in fixed windows, atomically, with counters that expire."""

from __future__ import annotations

import threading

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from core.api.throttling import FixedWindowRateThrottle, count_hit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, set by the test: a minute window starts at 6,000,000."""
    now = [6_000_000.0]
    monkeypatch.setattr(FixedWindowRateThrottle, "timer", lambda self: now[0])
    return now


def test_a_window_admits_its_rate_then_429_until_it_ends(user, monkeypatch, clock):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "3/min")
    client = APIClient()
    client.force_login(user)
    clock[0] += 30  # halfway through the window 6,000,000 to 6,000,060

    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    clock[0] += 10
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "20"  # when the window ends, not a minute after the first request

    clock[0] += 20  # the next window: a new allowance, though the first three are 30 s old
    assert client.get("/api/v1/me/").status_code == 200


def test_each_user_has_a_count_of_their_own(user, monkeypatch, clock):
    other_user = UserFactory()
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "1/min")
    first, second = APIClient(), APIClient()
    first.force_login(user)
    second.force_login(other_user)

    assert first.get("/api/v1/me/").status_code == 200
    assert first.get("/api/v1/me/").status_code == 429
    assert second.get("/api/v1/me/").status_code == 200


def test_the_counter_is_one_integer_that_expires_with_its_window(user, clock):
    client = APIClient()
    client.force_login(user)
    client.get("/api/v1/me/")
    client.get("/api/v1/me/")

    server = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    keys = [key for key in server.keys("*throttle_user_*") if key.decode().endswith(f"_w{6_000_000 // 60}")]
    assert len(keys) == 1, "one counter per user and window, no list of timestamps"
    assert server.get(keys[0]) == b"2"
    assert 0 < server.ttl(keys[0]) <= 61


def test_concurrent_hits_are_all_counted():
    key = "throttle_test_concurrent"
    barrier = threading.Barrier(8)
    seen: list[int] = []

    def hammer() -> None:
        barrier.wait()
        seen.extend(count_hit(cache, key, 60) for _ in range(50))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(seen) == list(range(1, 401)), "every hit got its own number: none lost, none repeated"


def test_other_cache_backends_count_too(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import caches

    local = caches.create_connection("default")

    assert [count_hit(local, "k", 60) for _ in range(3)] == [1, 2, 3]
