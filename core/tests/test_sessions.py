"""Sessions: rows in the database, read through a short-lived copy in the cache (core/sessions.py)."""

from __future__ import annotations

import pytest
import redis
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.tests.test_cache import cache_on_private_redis, kill, private_redis  # noqa: F401 - fixtures
from tests.factories import UserFactory

PAGE = "/saved-searches/"  # signed-in only: anonymous visitors are sent to the login page


def session_queries(client: Client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(PAGE).status_code
    return status, [query["sql"] for query in queries.captured_queries if "django_session" in query["sql"]]


@pytest.fixture
def signed_in(db) -> Client:
    client = Client()
    client.force_login(UserFactory())
    client.get(PAGE)  # the first page stores the acting organization in the session
    return client


def test_a_signed_in_request_reads_its_session_from_the_cache_not_the_database(signed_in):
    assert session_queries(signed_in) == (200, [])


def test_the_database_stays_the_truth_when_the_cache_loses_the_copy(signed_in):
    from django.core.cache import cache

    from core.sessions import SessionStore

    cache.delete(SessionStore.cache_key_prefix + signed_in.cookies["sessionid"].value)
    status, queries = session_queries(signed_in)
    assert status == 200
    assert len(queries) == 1  # read from its row, then kept again
    assert session_queries(signed_in) == (200, [])


def test_signing_out_ends_the_session_for_its_cookie(signed_in):
    cookie = signed_in.cookies["sessionid"].value
    signed_in.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(PAGE).status_code == 302


def test_the_cached_copy_lives_a_minute_at_most(cache_on_private_redis, db, settings):  # noqa: F811
    client = Client()
    client.force_login(UserFactory())
    assert client.get(PAGE).status_code == 200
    server = redis.Redis.from_url(cache_on_private_redis.url(0))
    keys = [key for key in server.keys("*") if b"core.sessions" in key]
    assert len(keys) == 1
    assert 0 < server.ttl(keys[0]) <= settings.SESSION_CACHE_SECONDS == 60


def test_sessions_keep_working_when_the_cache_redis_dies(cache_on_private_redis, db):  # noqa: F811
    client = Client()
    client.force_login(UserFactory())
    assert client.get(PAGE).status_code == 200

    kill(cache_on_private_redis)

    assert client.get(PAGE).status_code == 200  # still signed in: the row is read instead
    client.post(reverse("account_logout"))
    assert client.get(PAGE).status_code == 302
