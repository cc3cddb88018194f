"""What bin/start and bin/test set up: URLs that round-trip through the settings, the embedded Redis, debug off,
test tools."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import environ
import pytest
import redis

from config.settings import _celery_redis_url
from devstack import testrun
from devstack.engines import EmbeddedRedis, postgres_url
from devstack.start import BASE_DIR, Supervisor


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


# --- bin/start runs the demo with debug off ----------------------------------------

_PAGES_SEEN_BY_A_VISITOR = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
missing = Client(raise_request_exception=False).get("/no-such-page/")
style = Client().get("/static/css/app.css")
print(json.dumps({
    "debug": settings.DEBUG,
    "404": missing.status_code,
    "product page": b"Page not found" in missing.content,
    "url patterns listed": b"URLconf" in missing.content,
    "stylesheet": style.status_code,
}))
"""


def _bin_start_sees(monkeypatch, **exported: str) -> dict[str, object]:
    """Settings and pages in the environment bin/start gives web, worker and beat."""
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")  # not queried
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    for name, value in exported.items():
        monkeypatch.setenv(name, value)
    env = Supervisor(host="127.0.0.1", port=8000, seed=False).environment()
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.pop("PYTEST_VERSION", None)
    result = subprocess.run(
        [sys.executable, "-c", _PAGES_SEEN_BY_A_VISITOR],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_bin_start_shows_the_products_404_page_and_still_serves_static_files(monkeypatch):
    assert _bin_start_sees(monkeypatch) == {
        "debug": False,
        "404": 404,
        "product page": True,
        "url patterns listed": False,
        "stylesheet": 200,
    }


def test_bin_start_keeps_djangos_debug_pages_behind_a_variable(monkeypatch):
    seen = _bin_start_sees(monkeypatch, DJANGO_DEBUG="true")

    assert seen["debug"] is True
    assert seen["url patterns listed"] is True


class TestAxeCoreInstall:
    """bin/test installs axe-core for the browser journeys exactly as package-lock.json pins it."""

    @pytest.fixture
    def checkout(self, tmp_path, monkeypatch):
        (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3}')
        monkeypatch.setattr(testrun, "BASE_DIR", tmp_path)
        monkeypatch.setattr(testrun, "LOCKFILE", tmp_path / "package-lock.json")
        monkeypatch.setattr(testrun, "NPM_STAMP", tmp_path / "node_modules" / ".installed-from-lock")
        monkeypatch.setattr(testrun.shutil, "which", lambda name: f"/usr/bin/{name}")
        calls = []

        def npm(argv, **kwargs):
            calls.append(argv)
            (tmp_path / "node_modules").mkdir(exist_ok=True)  # what npm ci leaves behind
            return subprocess.CompletedProcess(argv, 0)

        monkeypatch.setattr(testrun.subprocess, "run", npm)
        return tmp_path, calls

    def test_a_fresh_clone_runs_npm_ci_once(self, checkout):
        _root, calls = checkout

        testrun.ensure_node_modules()
        testrun.ensure_node_modules()

        assert [argv[:2] for argv in calls] == [["/usr/bin/npm", "ci"]]

    def test_a_changed_lock_installs_again(self, checkout):
        root, calls = checkout
        testrun.ensure_node_modules()

        (root / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}')
        testrun.ensure_node_modules()

        assert len(calls) == 2
