"""A real Celery worker for the integration tests, on the test database.

The worker is a subprocess (``celery -A config worker``) with the same
settings as production code paths: the test database (pytest-django's,
committed data only, so tests use ``django_db(transaction=True)``), the
test Redis as broker, and its own queue so parallel test runs on one Redis
never take each other's jobs. Emails go to files in a temporary directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app as celery_app
from devstack.engines import postgres_url

BASE_DIR = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 60


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    queue: str
    mail_dir: Path
    log_file: Path

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def emails_to(self, address: str) -> list[str]:
        """Messages the worker wrote for ``address`` (the file backend writes one file per connection)."""
        texts = [path.read_text(errors="replace") for path in sorted(self.mail_dir.glob("*.log"))]
        return [text for text in texts if f"To: {address}" in text]

    def assert_alive(self) -> None:
        assert self.process.poll() is None, f"the worker exited ({self.process.returncode}):\n{self.log()}"


def _test_database_url() -> str:
    database = settings.DATABASES["default"]  # after django_db_setup: the test database
    return postgres_url(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or "",
        user=database["USER"] or "postgres",
        password=database["PASSWORD"] or "",
        name=database["NAME"],
    )


def start_worker(
    *, queue: str, workdir: Path, mail_dir: Path, env: dict[str, str] | None = None, include: str = ""
) -> Worker:
    """A ``celery worker`` subprocess on ``queue``, ready to take jobs (fails the test if it is not)."""
    log_file = workdir / f"worker-{uuid.uuid4().hex[:6]}.log"
    environment = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": _test_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",  # no idle connection keeps the test database busy
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "SITE_URL": settings.SITE_URL,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        queue,
        "-n",
        f"{queue}-{uuid.uuid4().hex[:6]}@%h",
        "--pool",
        "solo",
        "-l",
        "INFO",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        *(["--include", include] if include else []),
    ]
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    worker = Worker(process=process, queue=queue, mail_dir=mail_dir, log_file=log_file)
    deadline = time.monotonic() + READY_TIMEOUT
    while " ready." not in worker.log():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(worker)
            pytest.fail(f"the Celery worker did not get ready in {READY_TIMEOUT}s:\n{worker.log()}")
        time.sleep(0.1)
    return worker


def stop_worker(worker: Worker, *, sig: signal.Signals = signal.SIGTERM) -> None:
    """Stop the worker's whole process group: SIGTERM lets it finish its job, SIGKILL does not."""
    if worker.process.poll() is None:
        os.killpg(worker.process.pid, sig)
        try:
            worker.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()


def delete_queue(queue: str) -> None:
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, tmp_path_factory) -> Iterator[Worker]:
    queue = f"test-{uuid.uuid4().hex[:12]}"
    workdir = tmp_path_factory.mktemp("celery-worker")
    mail_dir = workdir / "mail"
    mail_dir.mkdir()
    worker = start_worker(queue=queue, workdir=workdir, mail_dir=mail_dir)
    try:
        yield worker
    finally:
        stop_worker(worker)
        delete_queue(queue)


@pytest.fixture
def published_to_worker(celery_worker, monkeypatch) -> Worker:
    """Jobs go through the broker to the worker instead of running in-process (the test default)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "task_default_queue", celery_worker.queue)
    return celery_worker


def wait_for(condition, *, timeout: float = 30, worker: Worker, what: str):
    """Poll ``condition`` until it returns something truthy; fail with the worker's log after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        worker.assert_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f}s; worker log:\n{worker.log()}")
        time.sleep(0.2)
