"""What bin/start and bin/test set up: URLs that round-trip through the settings, the embedded Redis, debug off,
the Procfile honcho runs, no process left behind, test tools installed in one place."""

from __future__ import annotations

import ast
import fcntl
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import environ
import psutil
import psycopg2
import pytest
import redis
from django.conf import settings
from psycopg2 import sql

from config.settings import _celery_redis_url
from devstack import start, testrun
from devstack.engines import EmbeddedRedis, postgres_url
from devstack.start import BASE_DIR, DevStack


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
    env = DevStack(host="127.0.0.1", port=8000, seed=False).environment()
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


# --- bin/start hands web, worker and beat to honcho --------------------------------------


def test_the_procfile_names_the_processes_bin_start_runs():
    processes = start.procfile_processes()

    assert list(processes) == ["web", "worker", "beat"]
    assert "manage.py runserver" in processes["web"]
    assert "${PORT" in processes["web"]
    assert "celery -A config worker" in processes["worker"]
    assert "celery -A config beat" in processes["beat"]


def test_the_procfile_runs_this_venvs_python_on_the_address_bin_start_was_given(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")

    env = DevStack(host="127.0.0.1", port=8123, seed=False).environment()

    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert (env["WEB_HOST"], env["PORT"]) == ("127.0.0.1", "8123")


def _tagged_sleeper(checkout: Path, owner: str) -> subprocess.Popen[str]:
    """A process as the Procfile starts them: tagged with its checkout and the bin/start that owns it."""
    env = {**os.environ, start.CHECKOUT_TAG: str(checkout), start.OWNER_TAG: owner, start.PROCESS_TAG: "worker"}
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(120)"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # exec'd: its environment is the tagged one now
    return process


def test_the_next_bin_start_stops_what_a_killed_one_left_running_and_nothing_of_a_live_one(tmp_path):
    orphan = _tagged_sleeper(tmp_path, "999999999:0.0")  # its bin/start is gone (killed with SIGKILL)
    alive = _tagged_sleeper(tmp_path, start._owner_tag(psutil.Process()))  # this test plays the live bin/start
    elsewhere = _tagged_sleeper(tmp_path / "another-checkout", "999999999:0.0")
    try:
        stopped = start.reap_leftovers(base_dir=tmp_path)

        assert stopped == ["worker"]
        assert orphan.wait(5) is not None
        assert alive.poll() is None
        assert elsewhere.poll() is None
    finally:
        for process in (orphan, alive, elsewhere):
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_owned_by(pid: int) -> list[psutil.Process]:
    owned = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(start.OWNER_TAG, "").startswith(f"{pid}:"):
                owned.append(process)
        except psutil.Error:
            continue
    return owned


@pytest.fixture
def start_database():
    """A database of its own for a real bin/start on the test server, dropped after."""
    database = settings.DATABASES["default"]
    name = f"test_devstack_start_{uuid.uuid4().hex[:8]}"
    parts = {"host": database["HOST"] or "127.0.0.1", "port": database["PORT"] or "", "user": database["USER"]}
    yield postgres_url(name=name, password=database["PASSWORD"] or "", **parts)
    connection = psycopg2.connect(
        dbname="postgres",
        host=parts["host"],
        port=parts["port"] or None,
        user=parts["user"],
        password=database["PASSWORD"],
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    connection.close()


@pytest.mark.slow
def test_ctrl_c_stops_every_process_bin_start_ran(start_database):
    run_dir = BASE_DIR / "var" / "run"
    run_dir.mkdir(parents=True, exist_ok=True)  # a fresh clone has none until its first bin/start
    with open(run_dir / "start.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(lock, fcntl.LOCK_UN)
        except BlockingIOError:
            pytest.skip("a bin/start is running in this checkout")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "DATABASE_TEST"))}
    env.update(
        DATABASE_URL=start_database,
        REDIS_URL=settings.REDIS_URL,
        CELERY_QUEUE=f"devstack-{uuid.uuid4().hex[:8]}",  # no job of a parallel run reaches this worker
        PORT=str(port),
    )
    env.pop("CELERY_BROKER_URL", None)
    # Its own session, as a terminal's foreground job is: Ctrl-C is SIGINT to the whole group.
    run = subprocess.Popen(
        [sys.executable, "-m", "devstack.start", "--no-seed"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert run.stdout is not None
        for line in run.stdout:
            output.append(line)
            if "start  | ready in" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(150), "".join(output[-40:])
        owned = _processes_owned_by(run.pid)
        assert {process.environ()[start.PROCESS_TAG] for process in owned} == {"web", "worker", "beat"}

        os.killpg(run.pid, signal.SIGINT)

        assert run.wait(60) == 0, "".join(output[-40:])
        psutil.wait_procs(owned, timeout=5)
        assert _processes_owned_by(run.pid) == []
        assert not any(process.is_running() for process in owned)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
        start.reap_leftovers()
        reader.join(5)


# --- bin/test: the browser journeys' tools, installed in one place ---------------------


def test_chromium_is_installed_in_one_place_the_test_runner():
    """CI (.ci/run) and developers both reach it through bin/test."""
    sources = [BASE_DIR / "Dockerfile", BASE_DIR / "conftest.py"]
    for folder in ("bin", ".ci", "scripts", "devstack", "tests"):
        sources += [path for path in (BASE_DIR / folder).rglob("*") if path.suffix in {"", ".py", ".sh"}]
    installs = re.compile(r"apt.get\W.*install.*chromium")  # apt-get ... or _apt_get("install", ..., "chromium")
    installers = {
        str(path.relative_to(BASE_DIR))
        for path in sources
        if path.is_file() and path.name != "test_devstack.py"
        for line in path.read_text(errors="replace").splitlines()
        if installs.search(line)
    }

    assert installers == {"devstack/testrun.py"}


class TestChromiumInstall:
    @pytest.fixture
    def apt_get(self, tmp_path, monkeypatch):
        browser = tmp_path / "chromium"
        monkeypatch.setattr(testrun, "CHROMIUM", browser)
        monkeypatch.setattr(testrun.os, "geteuid", lambda: 0)
        monkeypatch.setattr(testrun.shutil, "which", lambda name: f"/usr/bin/{name}")
        calls = []

        def apt_get(*args: str) -> bool:
            calls.append(args)
            if args[0] == "install":
                browser.touch()  # what the package leaves behind
            return True

        monkeypatch.setattr(testrun, "_apt_get", apt_get)
        return browser, calls

    def test_a_missing_chromium_is_installed_once(self, apt_get):
        _browser, calls = apt_get

        testrun.ensure_chromium()
        testrun.ensure_chromium()

        assert calls == [("install", "-y", "-qq", "chromium")]

    def test_an_installed_chromium_is_left_alone(self, apt_get):
        browser, calls = apt_get
        browser.touch()

        testrun.ensure_chromium()

        assert calls == []


def test_nothing_in_the_product_imports_devstack():
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=BASE_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    product = [
        path
        for path in tracked
        if not path.startswith(("devstack/", "tests/", "scripts/"))
        and "/tests/" not in path
        and not path.endswith("conftest.py")
    ]
    importers = []
    for path in product:
        for node in ast.walk(ast.parse((BASE_DIR / path).read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name == "devstack" or name.startswith("devstack.") for name in names):
                importers.append(path)

    assert product
    assert importers == []


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

    def test_bin_start_installs_the_runtime_packages_and_bin_test_adds_the_tools(self, checkout):
        _root, calls = checkout

        testrun.ensure_node_modules(runtime_only=True)
        testrun.ensure_node_modules(runtime_only=True)
        testrun.ensure_node_modules()
        testrun.ensure_node_modules(runtime_only=True)

        assert [argv[-1] for argv in calls] == ["--omit=dev", "--loglevel=error"]

    def test_a_changed_lock_installs_again(self, checkout):
        root, calls = checkout
        testrun.ensure_node_modules()

        (root / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}')
        testrun.ensure_node_modules()

        assert len(calls) == 2
