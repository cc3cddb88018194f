"""``bin/start``: the whole product on this machine, with demo data, until Ctrl-C.

Starts PostgreSQL and Redis (embedded, data under ``var/``; or the servers
named by exported ``DATABASE_URL`` / ``REDIS_URL``), migrates, seeds the demo
accounts, then runs a Celery worker, Celery beat and the web server, with their
output prefixed in this terminal. Ctrl-C or SIGTERM stops all of it, in order.
A second run keeps the data. ``python -m devstack.start --help``.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import IO

from devstack.engines import EmbeddedPostgres, EmbeddedRedis, EngineError, ensure_database
from devstack.procs import Child, ChildRegistry, print_lock, say

BASE_DIR = Path(__file__).resolve().parents[1]
VAR = BASE_DIR / "var"
DATABASE_NAME = "marketplace"


class Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP arrived."""


class Supervisor:
    def __init__(self, *, host: str, port: int, seed: bool) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None
        self.children: list[Child] = []
        self.registry = ChildRegistry(VAR / "run" / "children.json")
        self.worker_ready = threading.Event()
        self.stopping = False
        self.hurry = False

    # --- signals ---------------------------------------------------------------

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            self.hurry = True  # a second Ctrl-C: stop without waiting for graceful exits
            return
        raise Stop(signal.Signals(signum).name)

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    # --- steps -------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("DJANGO_ENV", "development")
        # The demo is what newcomers judge the product by: its own 404/403/500 pages, not
        # Django's debug page listing every URL. DJANGO_DEBUG=true bin/start brings that back.
        env.setdefault("DJANGO_DEBUG", "false")
        if "DATABASE_URL" not in os.environ:
            assert self.postgres is not None
            env["DATABASE_URL"] = self.postgres.url(DATABASE_NAME)
        if "REDIS_URL" not in os.environ:
            assert self.redis is not None
            env["REDIS_URL"] = self.redis.url(0)
            env.pop("CELERY_BROKER_URL", None)  # derived from REDIS_URL by the settings
        env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
        env.setdefault("EMAIL_FILE_PATH", str(VAR / "mail"))
        env.setdefault("MEDIA_ROOT", str(VAR / "media"))
        env.setdefault("SITE_URL", f"http://{self.host}:{self.port}")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start_engines(self) -> None:
        if "DATABASE_URL" in os.environ:
            say("start", "PostgreSQL: using DATABASE_URL from the environment")
            ensure_database(os.environ["DATABASE_URL"])
        else:
            began = time.monotonic()
            self.postgres = EmbeddedPostgres(VAR / "pgdata")
            self.postgres.start()
            ensure_database(self.postgres.url(DATABASE_NAME))
            say("start", f"PostgreSQL (embedded, var/pgdata) up in {time.monotonic() - began:.1f}s")
        if "REDIS_URL" in os.environ:
            say("start", "Redis: using REDIS_URL from the environment")
        else:
            began = time.monotonic()
            self.redis = EmbeddedRedis(VAR / "redis")
            self.redis.start()
            say("start", f"Redis (embedded, var/redis) up in {time.monotonic() - began:.1f}s")

    def manage(self, *args: str, env: dict[str, str]) -> str:
        """Run a management command to completion; its output on failure, else returned."""
        began = time.monotonic()
        result = subprocess.run(  # noqa: S603 - our own command
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            sys.stdout.write(result.stdout + result.stderr)
            raise SystemExit(f"bin/start: `manage.py {' '.join(args)}` failed (exit {result.returncode})")
        say("start", f"manage.py {args[0]} done in {time.monotonic() - began:.1f}s")
        return result.stdout

    def start_children(self, env: dict[str, str]) -> None:
        python = sys.executable

        def watch_worker(line: str) -> None:
            if " ready." in line:
                self.worker_ready.set()

        celery = [python, "-m", "celery", "-A", "config"]
        # One worker on a laptop: no need to look for (mingle) or chat with (gossip) others.
        worker = [*celery, "worker", "-l", "INFO", "--concurrency", "2", "--without-mingle", "--without-gossip"]
        self.children = [
            Child("worker", worker, on_line=watch_worker),
            Child("beat", [*celery, "beat", "-l", "INFO"]),
            Child("web", [python, str(BASE_DIR / "manage.py"), "runserver", f"{self.host}:{self.port}"]),
        ]
        for child in self.children:
            child.start(env=env, cwd=BASE_DIR)
        self.registry.record(self.children)

    def wait_until_ready(self, timeout: float = 90) -> None:
        url = f"http://{self.host}:{self.port}/health/"
        deadline = time.monotonic() + timeout
        healthy = False
        while time.monotonic() < deadline:
            self.check_children()
            if not healthy:
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        healthy = response.status == 200
                except (urllib.error.URLError, OSError):
                    pass
            if healthy and self.worker_ready.is_set():
                return
            time.sleep(0.25)
        raise SystemExit(f"bin/start: not ready after {timeout:.0f}s (health: {url}); see the output above")

    def check_children(self) -> None:
        for child in self.children:
            if not child.running():
                assert child.process is not None
                raise SystemExit(f"bin/start: {child.name} exited (code {child.process.returncode}); stopping")

    def banner(self, seed_output: str) -> None:
        url = f"http://{self.host}:{self.port}/"
        lines = [
            "",
            "=" * 72,
            f"  Outsource marketplace is running: open {url}",
            f"  Admin: {url}admin/   API docs: {url}api/docs/   Health: {url}health/",
            f"  Emails are written to {self.environment().get('EMAIL_FILE_PATH')}"
            if "filebased" in self.environment().get("EMAIL_BACKEND", "")
            else "  Emails are printed by the worker",
        ]
        if seed_output.strip():
            lines += ["", *("  " + line for line in seed_output.strip().splitlines())]
        lines += ["", "  Ctrl-C stops everything (web, worker, beat, Redis, PostgreSQL).", "=" * 72, ""]
        with print_lock:
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()

    # --- run and stop ----------------------------------------------------------------

    def run(self) -> int:
        began = time.monotonic()
        self.install_signal_handlers()
        try:
            self.start_engines()
            env = self.environment()
            self.manage("migrate", "--noinput", env=env)
            seed_output = self.manage("seed_demo", env=env) if self.seed else ""
            self.start_children(env)
            self.wait_until_ready()
            say("start", f"ready in {time.monotonic() - began:.1f}s")
            self.banner(seed_output)
            while True:
                time.sleep(0.5)
                self.check_children()
        except Stop as stop:
            say("start", f"{stop.args[0]} received, stopping")
            return 0
        except EngineError as exc:
            say("start", str(exc))
            return 1
        except SystemExit as exc:
            say("start", str(exc.code))
            return 1
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        self.stopping = True
        began = time.monotonic()
        # Web and beat first (no new work), the worker finishes what it holds.
        for child in self.children:
            if child.running():
                child.signal_group(signal.SIGTERM)
        for child in self.children:
            child.wait_stopped(timeout=20 if child.name == "worker" else 10, hurry=lambda: self.hurry)
        self.registry.clear()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()
        say("start", f"stopped everything in {time.monotonic() - began:.1f}s")


def _take_run_lock() -> IO[str]:
    """One bin/start per checkout: a second would fight over the same data directories."""
    (VAR / "run").mkdir(parents=True, exist_ok=True)
    handle = open(VAR / "run" / "start.lock", "a+")  # noqa: SIM115 - held for the life of the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        raise SystemExit(f"bin/start is already running here (pid {handle.read().strip() or '?'}).") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/start", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="web port (env PORT)")
    parser.add_argument("--host", default="127.0.0.1", help="address the web server binds to")
    parser.add_argument("--no-seed", action="store_true", help="do not load the demo accounts")
    args = parser.parse_args(argv)

    VAR.mkdir(exist_ok=True)
    _lock = _take_run_lock()  # held (and released) for the life of the process
    supervisor = Supervisor(host=args.host, port=args.port, seed=not args.no_seed)
    leftovers = supervisor.registry.reap_leftovers()
    if leftovers:
        say("start", f"stopped leftovers of an earlier run: {', '.join(leftovers)}")
    if not _port_free(args.host, args.port):
        say("start", f"port {args.port} on {args.host} is in use; pick another with PORT={args.port + 1} bin/start")
        return 1
    (VAR / "mail").mkdir(exist_ok=True)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
