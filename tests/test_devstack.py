"""The helpers bin/start and bin/test share: URLs that round-trip through the settings, the embedded Redis."""

from __future__ import annotations

import os
import signal

import environ
import pytest
import redis

from config.devstack.engines import EmbeddedRedis, postgres_url
from config.settings import _celery_redis_url


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            {"host": "/work/var/pgdata", "name": "marketplace"},
            {"HOST": "/work/var/pgdata", "PORT": "", "NAME": "marketplace", "USER": "postgres"},
        ),
        (
            {"host": "/tmp/a b+c", "name": "test_x", "port": 5433},
            {"HOST": "/tmp/a b+c", "PORT": 5433, "NAME": "test_x", "USER": "postgres"},
        ),
        (
            {"host": "127.0.0.1", "port": "5432", "name": "marketplace", "user": "app", "password": "p@ss:w/rd"},
            {"HOST": "127.0.0.1", "PORT": 5432, "NAME": "marketplace", "USER": "app", "PASSWORD": "p@ss:w/rd"},
        ),
    ],
)
def test_postgres_url_round_trips_through_django_environ(parts, expected):
    config = environ.Env.db_url_config(postgres_url(**parts))

    for key, value in expected.items():
        assert config[key] == value


def test_a_unix_socket_redis_url_becomes_kombus_form_keeping_the_database():
    # Kombu ignores ?db= on a socket URL and reads the database from virtual_host.
    assert _celery_redis_url("unix:///var/redis.sock?db=15") == "redis+socket:///var/redis.sock?virtual_host=15"
    assert _celery_redis_url("unix:///var/redis.sock") == "redis+socket:///var/redis.sock"
    assert _celery_redis_url("redis://127.0.0.1:6379/2") == "redis://127.0.0.1:6379/2"


# --- the embedded Redis of bin/start keeps queued jobs across a crash --------------


@pytest.fixture
def embedded_redis(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis")
    yield server
    server.stop()


def _client(server: EmbeddedRedis) -> redis.Redis:
    return redis.Redis.from_url(server.url(0))


def _kill(server: EmbeddedRedis) -> None:
    """As a crash or an OOM kill would: no chance to write a snapshot on the way out."""
    assert server.pid is not None
    assert server.process is not None
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait(10)
    server.pid = server.process = None


def test_the_embedded_redis_keeps_every_acknowledged_write_when_it_is_killed(embedded_redis):
    embedded_redis.start()
    _client(embedded_redis).lpush("marketplace", "a queued job")

    _kill(embedded_redis)
    embedded_redis.start()

    assert _client(embedded_redis).lrange("marketplace", 0, -1) == [b"a queued job"]
    assert _client(embedded_redis).config_get("appendonly") == {"appendonly": "yes"}


def test_data_kept_only_in_a_snapshot_survives_switching_the_append_only_file_on(embedded_redis):
    # A var/redis from before the append-only file: a snapshot and nothing else.
    embedded_redis.start()
    _client(embedded_redis).lpush("marketplace", "an old job")
    _client(embedded_redis).save()
    _kill(embedded_redis)
    (embedded_redis.directory / "appendonly.aof").unlink()

    embedded_redis.start()
    assert _client(embedded_redis).lrange("marketplace", 0, -1) == [b"an old job"]
    _client(embedded_redis).lpush("marketplace", "a new job")
    _kill(embedded_redis)
    embedded_redis.start()

    assert _client(embedded_redis).lrange("marketplace", 0, -1) == [b"a new job", b"an old job"]
