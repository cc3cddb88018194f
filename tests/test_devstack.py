"""The helpers bin/start and bin/test share: URLs that round-trip through the settings, test tools."""

from __future__ import annotations

import subprocess

import environ
import pytest

from config.devstack import testrun
from config.devstack.engines import postgres_url
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
