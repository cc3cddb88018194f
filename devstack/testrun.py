"""``bin/test``: every check CI runs, against real PostgreSQL and Redis.

Before them, the browser journeys' tools: Debian's chromium (apt-get, as
root) and axe-core exactly as ``package-lock.json`` pins it (``npm ci``,
skipped while ``node_modules`` already holds that lock).

Steps, in order: ``ruff check``, ``ruff format --check``, ``mypy``,
``makemigrations --check --dry-run`` and ``pytest`` (extra arguments go to
pytest). All steps run even when one fails; the summary lists each with its
time, and the exit status is non-zero when any failed (pytest's "no tests
collected", exit 5, counts as a failure).

Services: PostgreSQL at ``DATABASE_URL`` (else ``PGHOST``/``PGPORT``/
``PGUSER``/``PGPASSWORD``, else 127.0.0.1:5432) and Redis at ``REDIS_URL``
(else ``REDIS_HOST``/``REDIS_PORT``, else 127.0.0.1:6379, database 15). When
one does not answer, an embedded one is started for the run and stopped after
(data under ``var/test-services/``). ``TEST_SERVICES=embedded`` forces that,
``TEST_SERVICES=system`` forbids it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import quote

from devstack.engines import (
    EmbeddedPostgres,
    EmbeddedRedis,
    EngineError,
    ensure_database,
    postgres_problem,
    postgres_url,
    redis_problem,
)

BASE_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
DEFAULT_TEST_DATABASE = "test_marketplace"
DEFAULT_REDIS_DB = 15


def log(message: str) -> None:
    sys.stdout.write(f"bin/test: {message}\n")
    sys.stdout.flush()


# --- chromium ---------------------------------------------------------------------


def _apt_get(*args: str) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], env=env, stdout=subprocess.DEVNULL, check=False).returncode == 0  # noqa: S603, S607


def ensure_chromium() -> None:
    """The browser journeys drive Debian's chromium; install it when we may.

    The one place that installs it: CI's ``.ci/run`` gets it through ``bin/test`` too.
    Idempotent: an installed chromium is left alone.
    """
    if CHROMIUM.exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing chromium (apt-get) for the browser tests ...")
        if not _apt_get("install", "-y", "-qq", "chromium"):
            _apt_get("update", "-qq")
            _apt_get("install", "-y", "-qq", "chromium")
    if not CHROMIUM.exists():
        log(
            f"{CHROMIUM} is missing, so the browser tests will fail. Install Debian's chromium "
            '(sudo apt-get install chromium), or skip them: bin/test -m "not browser"'
        )


# --- axe-core ----------------------------------------------------------------------


NODE_MODULES = BASE_DIR / "node_modules"
LOCKFILE = BASE_DIR / "package-lock.json"
# What the last ``npm ci`` installed, so a run whose lock has not changed skips it.
NPM_STAMP = NODE_MODULES / ".installed-from-lock"


def ensure_node_modules(*, runtime_only: bool = False) -> None:
    """Install the front-end packages exactly as package-lock.json pins them: pages load signature_pad and
    the handwriting font from node_modules, the browser journeys inject axe-core. ``runtime_only`` (bin/start)
    leaves the test tools out; a full install serves both."""
    if not LOCKFILE.exists():
        return
    wanted = hashlib.sha256(LOCKFILE.read_bytes()).hexdigest()
    installed = NPM_STAMP.read_text().split() if NPM_STAMP.exists() else []
    if installed[:1] == [wanted] and (runtime_only or installed[1:] != ["runtime"]):
        return
    if not shutil.which("npm") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing npm (apt-get) for the front-end packages ...")
        if not _apt_get("install", "-y", "-qq", "npm"):
            _apt_get("update", "-qq")
            _apt_get("install", "-y", "-qq", "npm")
    npm = shutil.which("npm")
    if npm is None:
        log(
            "npm is missing: pages offer no drawn signature and the browser tests cannot audit accessibility. "
            'Install Node.js and npm, then run npm ci; or skip the browser tests: bin/test -m "not browser"'
        )
        return
    what = "signature_pad and the handwriting font" if runtime_only else "signature_pad, the font and axe-core"
    log(f"installing {what} from package-lock.json (npm ci) ...")
    argv = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", *(["--omit=dev"] if runtime_only else [])]
    if subprocess.run(argv, cwd=BASE_DIR, check=False).returncode != 0:  # noqa: S603 - npm, our lockfile
        log("npm ci failed: node_modules does not match package-lock.json until it succeeds")
        return
    NPM_STAMP.write_text(wanted + (" runtime" if runtime_only else "") + "\n")


# --- services ------------------------------------------------------------------------


@dataclass
class Services:
    database_url: str
    redis_url: str
    description: list[str]


def _system_database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    return postgres_url(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD", ""),
        name="marketplace",
    )


def _system_redis_url() -> str:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"]
    host = os.environ.get("REDIS_HOST", "127.0.0.1")
    port = os.environ.get("REDIS_PORT", "6379")
    return f"redis://{quote(host)}:{port}/{DEFAULT_REDIS_DB}"


@contextmanager
def _state_dir() -> Iterator[tuple[Path, bool]]:
    """var/test-services (kept, so --reuse-db pays off), or a throwaway one when
    another bin/test in this checkout holds it."""
    shared = BASE_DIR / "var" / "test-services"
    shared.mkdir(parents=True, exist_ok=True)
    with open(shared / "lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            private = Path(tempfile.mkdtemp(prefix="mkt-test-"))
            try:
                yield private, False
            finally:
                shutil.rmtree(private, ignore_errors=True)
            return
        yield shared, True


@contextmanager
def services() -> Iterator[Services]:
    mode = os.environ.get("TEST_SERVICES", "auto")
    if mode not in {"auto", "system", "embedded"}:
        raise SystemExit("bin/test: TEST_SERVICES must be auto, system or embedded")
    database_url, redis_url = _system_database_url(), _system_redis_url()
    pg_problem = "TEST_SERVICES=embedded" if mode == "embedded" else postgres_problem(database_url)
    rd_problem = "TEST_SERVICES=embedded" if mode == "embedded" else redis_problem(redis_url)
    if mode == "system" and (pg_problem or rd_problem):
        raise SystemExit(f"bin/test: TEST_SERVICES=system but: {pg_problem or ''} {rd_problem or ''}".strip())
    description = []
    if not pg_problem:
        description.append(f"PostgreSQL {_redact(database_url)}")
    if not rd_problem:
        description.append(f"Redis {_redact(redis_url)}")
    if not (pg_problem or rd_problem):
        yield Services(database_url, redis_url, description)
        return

    with _state_dir() as (state, kept):
        postgres = redis = None
        try:
            if pg_problem:
                log(f"PostgreSQL not available ({pg_problem}); starting an embedded one")
                began = time.monotonic()
                postgres = EmbeddedPostgres(state / "pgdata", durable=False)
                postgres.start()
                database_url = postgres.url("marketplace")
                description.append(f"embedded PostgreSQL in {state / 'pgdata'} ({time.monotonic() - began:.1f}s)")
            if rd_problem:
                log(f"Redis not available ({rd_problem}); starting an embedded one")
                began = time.monotonic()
                redis = EmbeddedRedis(state / "redis", persistent=False)
                redis.start()
                redis_url = redis.url(DEFAULT_REDIS_DB)
                description.append(f"embedded Redis in {state / 'redis'} ({time.monotonic() - began:.1f}s)")
            if not kept:
                description.append("(throwaway data directory: another bin/test holds var/test-services)")
            yield Services(database_url, redis_url, description)
        finally:
            if redis is not None:
                redis.stop()
            if postgres is not None:
                postgres.stop()


def _redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    auth, host = rest.rsplit("@", 1)
    user = auth.split(":", 1)[0]
    return f"{scheme}://{user + '@' if user else ''}{host}" if ":" in auth else url


# --- steps -------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    code: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.code == 0

    @property
    def note(self) -> str:
        if self.name == "pytest" and self.code == 5:
            return "no tests were collected"
        return "" if self.ok else f"exit {self.code}"


def run_step(name: str, argv: list[str], env: dict[str, str]) -> Result:
    sys.stdout.write(f"\n=== {name}: {' '.join(argv)}\n")
    sys.stdout.flush()
    began = time.monotonic()
    code = subprocess.run(argv, cwd=BASE_DIR, env=env, check=False).returncode  # noqa: S603 - our own tools
    return Result(name, code, time.monotonic() - began)


def steps(pytest_args: list[str]) -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        ("ruff check", [python, "-m", "ruff", "check", "."]),
        ("ruff format", [python, "-m", "ruff", "format", "--check", "."]),
        ("mypy", [python, "-m", "mypy", "."]),
        ("migrations", [python, "manage.py", "makemigrations", "--check", "--dry-run"]),
        ("pytest", [python, "-m", "pytest", *pytest_args]),
    ]


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # so the embedded services are stopped on the way out


def main(argv: list[str] | None = None) -> int:
    pytest_args = sys.argv[1:] if argv is None else argv
    began = time.monotonic()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    ensure_chromium()
    ensure_node_modules()
    results: list[Result] = []
    try:
        with services() as found:
            try:
                # makemigrations --check reads the migration history of this database.
                ensure_database(found.database_url)
            except Exception as exc:  # no CREATEDB right, say: the check then warns, not fails
                log(f"could not create the database of DATABASE_URL ({exc}); continuing")
            env = dict(os.environ)
            env.update(
                DJANGO_ENV="test",
                DATABASE_URL=found.database_url,
                REDIS_URL=found.redis_url,
                PYTHONDONTWRITEBYTECODE="1",
            )
            env.setdefault("DATABASE_TEST_NAME", DEFAULT_TEST_DATABASE)
            env.pop("CELERY_BROKER_URL", None)  # derived from REDIS_URL by the settings
            for line in found.description:
                log(f"using {line}")
            for name, command in steps(pytest_args):
                results.append(run_step(name, command, env))
    except EngineError as exc:
        log(str(exc))
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130

    width = max(len(result.name) for result in results)
    sys.stdout.write("\n=== summary\n")
    for result in results:
        status = "ok  " if result.ok else "FAIL"
        sys.stdout.write(f"  {status}  {result.name:<{width}}  {result.seconds:6.1f}s  {result.note}\n".rstrip() + "\n")
    failed = [result.name for result in results if not result.ok]
    total = time.monotonic() - began
    sys.stdout.write(f"  {'FAILED: ' + ', '.join(failed) if failed else 'all passed'} in {total:.1f}s\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
