"""``bin/start``: the whole product on this machine, with demo data, until Ctrl-C.

Starts PostgreSQL and Redis (embedded, data under ``var/``; or the servers
named by exported ``DATABASE_URL`` / ``REDIS_URL``), migrates, seeds the demo
accounts, then hands the long-lived processes named in the top-level
``Procfile`` (web server, Celery worker, Celery beat) to honcho, which runs
each in its own session, prefixes their output in this terminal, and stops
them all on Ctrl-C or SIGTERM (or when one of them exits). The engines are
stopped after it returns: they outlive the app processes on both ends, which
a Procfile cannot say. A second run keeps the data.
``python -m devstack.start --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
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

import psutil
from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Message, Printer

from devstack.engines import EmbeddedPostgres, EmbeddedRedis, EngineError, ensure_database
from devstack.testrun import ensure_node_modules

BASE_DIR = Path(__file__).resolve().parents[1]
PROCFILE = BASE_DIR / "Procfile"
VAR = BASE_DIR / "var"
DATABASE_NAME = "marketplace"
# Set in the environment of every process the Procfile starts (and inherited by theirs), so the
# next run finds what a killed run (kill -9 leaves honcho no chance to stop them) left holding ports:
# the checkout, and the bin/start that owns them ("pid:start time", as pids are reused).
CHECKOUT_TAG = "DEVSTACK_CHECKOUT"
OWNER_TAG = "DEVSTACK_OWNER"
PROCESS_TAG = "DEVSTACK_PROCESS"  # the Procfile's name for it, to say what was stopped


class Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP arrived before honcho took over the signals."""


def procfile_processes(path: Path = PROCFILE) -> dict[str, str]:
    """The Procfile's processes, name -> command, in order, read by honcho's own parser."""
    return dict(parse_procfile(path.read_text()).processes)


class ReadinessPrinter(Printer):
    """honcho's printer, also noticing when the Celery worker says it is ready."""

    def __init__(self, output: IO[str]) -> None:
        super().__init__(output, width=len("worker"))
        self.lock = threading.Lock()  # honcho prints from its loop, the banner from our thread
        self.worker_ready = threading.Event()

    def write(self, message: Message) -> None:
        with self.lock:
            super().write(message)
        if message.name == "worker" and isinstance(message.data, bytes) and b" ready." in message.data:
            self.worker_ready.set()

    def raw(self, text: str) -> None:
        with self.lock:
            self.output.write(text)
            self.output.flush()


class DevStack:
    def __init__(self, *, host: str, port: int, seed: bool) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None
        self.printer = ReadinessPrinter(sys.stdout)
        self.not_ready: str | None = None  # why the readiness check gave up, if it did
        self.loop_done = threading.Event()

    def say(self, line: str) -> None:
        self.printer.write(Message("line", line + "\n", datetime.datetime.now(), "start", None))

    # --- signals ---------------------------------------------------------------

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
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
        # What the Procfile's commands read: `python` is this .venv's, the web server's address.
        env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
        env["WEB_HOST"] = self.host
        env["PORT"] = str(self.port)
        env["PYTHONUNBUFFERED"] = "1"
        env[CHECKOUT_TAG] = str(BASE_DIR)
        env[OWNER_TAG] = _owner_tag(psutil.Process())
        return env

    def start_engines(self) -> None:
        if "DATABASE_URL" in os.environ:
            self.say("PostgreSQL: using DATABASE_URL from the environment")
            ensure_database(os.environ["DATABASE_URL"])
        else:
            began = time.monotonic()
            self.postgres = EmbeddedPostgres(VAR / "pgdata")
            self.postgres.start()
            ensure_database(self.postgres.url(DATABASE_NAME))
            self.say(f"PostgreSQL (embedded, var/pgdata) up in {time.monotonic() - began:.1f}s")
        if "REDIS_URL" in os.environ:
            self.say("Redis: using REDIS_URL from the environment")
        else:
            began = time.monotonic()
            self.redis = EmbeddedRedis(VAR / "redis")
            self.redis.start()
            self.say(f"Redis (embedded, var/redis) up in {time.monotonic() - began:.1f}s")

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
        self.say(f"manage.py {args[0]} done in {time.monotonic() - began:.1f}s")
        return result.stdout

    def watch_readiness(self, began: float, banner: str, timeout: float = 90) -> None:
        """Print the banner once the web server answers /health/ and the worker is ready.

        Runs beside honcho's loop; when it gives up it sends this process SIGTERM, so
        honcho stops everything the way Ctrl-C would.
        """
        url = f"http://{self.host}:{self.port}/health/"
        deadline = time.monotonic() + timeout
        healthy = False
        while time.monotonic() < deadline and not self.loop_done.is_set():
            if not healthy:
                try:
                    with urllib.request.urlopen(url, timeout=2) as response:
                        healthy = response.status == 200
                except (urllib.error.URLError, OSError):
                    pass
            if healthy and self.printer.worker_ready.is_set():
                self.say(f"ready in {time.monotonic() - began:.1f}s")
                self.printer.raw(banner)
                return
            time.sleep(0.25)
        if not self.loop_done.is_set():
            self.not_ready = f"not ready after {timeout:.0f}s (health: {url}); see the output above"
            self.say(self.not_ready + "; stopping")
            os.kill(os.getpid(), signal.SIGTERM)

    def banner(self, seed_output: str, names: list[str]) -> str:
        url = f"http://{self.host}:{self.port}/"
        env = self.environment()
        lines = [
            "",
            "=" * 72,
            f"  Outsource marketplace is running: open {url}",
            f"  Admin: {url}admin/   API docs: {url}api/docs/   Health: {url}health/",
            f"  Emails are written to {env.get('EMAIL_FILE_PATH')}"
            if "filebased" in env.get("EMAIL_BACKEND", "")
            else "  Emails are printed by the worker",
        ]
        if seed_output.strip():
            lines += ["", *("  " + line for line in seed_output.strip().splitlines())]
        engines = [name for name, engine in (("Redis", self.redis), ("PostgreSQL", self.postgres)) if engine]
        lines += ["", f"  Ctrl-C stops everything ({', '.join(names + engines)}).", "=" * 72, ""]
        return "\n".join(lines) + "\n"

    def run_processes(self, env: dict[str, str], banner: str, began: float) -> int:
        """honcho runs the Procfile until Ctrl-C, SIGTERM or the exit of one process; its return code."""
        manager = Manager(self.printer)
        for name, command in procfile_processes().items():
            manager.add_process(name, command, env={**env, PROCESS_TAG: name}, cwd=str(BASE_DIR))
        watcher = threading.Thread(target=self.watch_readiness, args=(began, banner), daemon=True)
        # honcho installs its own SIGINT/SIGTERM handlers; a closed terminal (SIGHUP) stops as they do.
        signal.signal(signal.SIGHUP, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))
        try:
            watcher.start()
            manager.loop()
        finally:
            self.loop_done.set()
        return int(manager.returncode or 0)

    # --- run and stop ----------------------------------------------------------------

    def run(self) -> int:
        began = time.monotonic()
        self.install_signal_handlers()
        try:
            # signature_pad and the handwriting font the sign page loads, as package-lock.json pins them.
            ensure_node_modules(runtime_only=True)
            self.start_engines()
            env = self.environment()
            self.manage("migrate", "--noinput", env=env)
            # The key and certificate that seal contract PDFs (self-signed under var/signing/ unless configured).
            self.manage("ensure_signing_certificate", env=env)
            seed_output = self.manage("seed_demo", env=env) if self.seed else ""
            names = list(procfile_processes())
            code = self.run_processes(env, self.banner(seed_output, names), began)
            # honcho answers 130/143 when it was asked to stop; anything else means a process exited.
            return 1 if self.not_ready or code not in (0, 130, 143) else 0
        except Stop as stop:
            self.say(f"{stop.args[0]} received, stopping")
            return 0
        except EngineError as exc:
            self.say(str(exc))
            return 1
        except SystemExit as exc:
            self.say(str(exc.code))
            return 1
        finally:
            self.stop_engines()

    def stop_engines(self) -> None:
        # Stopping is bounded (pg_ctl's and Redis's timeouts): a second Ctrl-C must not cut it short.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        began = time.monotonic()
        if self.redis is not None:
            self.redis.stop()
        if self.postgres is not None:
            self.postgres.stop()
        self.say(f"stopped everything in {time.monotonic() - began:.1f}s")


def _owner_tag(process: psutil.Process) -> str:
    return f"{process.pid}:{process.create_time()}"


def _owner_alive(tag: str) -> bool:
    pid, _, _created = tag.partition(":")
    try:
        return _owner_tag(psutil.Process(int(pid))) == tag
    except (ValueError, psutil.Error):
        return False


def reap_leftovers(base_dir: Path = BASE_DIR) -> list[str]:
    """Stop what a killed run of this checkout left behind; the Procfile names of what was stopped.

    honcho stops its processes on Ctrl-C and SIGTERM, but a bin/start killed with
    SIGKILL leaves them running, holding the port, a second beat scheduling every
    job twice. They are found by the tags in their environment; a live run's are left alone.
    """
    leftovers = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            environ = process.environ()
            if environ.get(CHECKOUT_TAG) == str(base_dir) and not _owner_alive(environ.get(OWNER_TAG, "")):
                leftovers.append(process)
    described = set()
    for process in leftovers:
        with contextlib.suppress(psutil.Error):
            described.add(process.environ().get(PROCESS_TAG) or process.name())
            process.terminate()
    _gone, alive = psutil.wait_procs(leftovers, timeout=10)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=3)
    return sorted(described)


def _take_run_lock(*, wait: float = 0) -> IO[str]:
    """One bin/start per checkout: a second would fight over the same data directories.

    honcho's helper processes are forks of this one and hold the lock too: after a
    kill -9 they let go once the leftovers they were reading from are stopped.
    """
    (VAR / "run").mkdir(parents=True, exist_ok=True)
    handle = open(VAR / "run" / "start.lock", "a+")  # noqa: SIM115 - held for the life of the process
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                raise SystemExit(f"bin/start is already running here (pid {handle.read().strip() or '?'}).") from None
            time.sleep(0.2)
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
    stack = DevStack(host=args.host, port=args.port, seed=not args.no_seed)
    leftovers = reap_leftovers()  # only those of a dead bin/start: safe before the lock
    if leftovers:
        stack.say(f"stopped leftovers of an earlier run: {', '.join(leftovers)}")
    _lock = _take_run_lock(wait=10 if leftovers else 0)  # held (and released) for the life of the process
    if not _port_free(args.host, args.port):
        stack.say(f"port {args.port} on {args.host} is in use; pick another with PORT={args.port + 1} bin/start")
        return 1
    (VAR / "mail").mkdir(exist_ok=True)
    return stack.run()


if __name__ == "__main__":
    sys.exit(main())
