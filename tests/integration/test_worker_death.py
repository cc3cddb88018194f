"""A worker SIGKILLed in the middle of a batch: every job is done, and no effect happens twice.

Three hundred emails go through the outbox to a real worker. The worker is
killed while it holds one job whose email is written and whose completion is
committed but which it has not acked: the worst moment, when Redis still
thinks the job is undone. After the visibility timeout (3 s here, through the
settings' environment variable) a new worker gets that job again and does
nothing, and finishes the batch. Every address has exactly one email.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from collections import Counter

import pytest
from django.db import transaction

from config.celery import app as celery_app
from core import outbox
from core.models import OutboxMessage
from tests.integration.conftest import Worker, delete_queue, start_worker, stop_worker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

JOBS = 300
VISIBILITY_TIMEOUT = 3


def emails_by_address(worker: Worker) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in worker.mail_dir.glob("*.log"):
        counts.update(re.findall(r"^To: (\S+)$", path.read_text(errors="replace"), flags=re.MULTILINE))
    return counts


def wait_until(condition, *, timeout: float, what: str, worker: Worker | None = None):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f}s" + (f":\n{worker.log()}" if worker else ""))
        time.sleep(0.1)
    return result


def test_a_worker_killed_mid_batch_loses_no_job_and_repeats_no_email(django_db_setup, tmp_path, monkeypatch):
    queue = f"test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    marker = tmp_path / "held"
    addresses = [f"job{n}@example.test" for n in range(JOBS)]
    held_address = addresses[JOBS // 2]
    env = {
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_TASK_TIME_LIMIT": str(VISIBILITY_TIMEOUT - 1),
        "TEST_HOLD_ADDRESS": held_address,
        "TEST_HOLD_MARKER": str(marker),
    }
    hooks = "tests.integration.worker_hooks"
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "task_default_queue", queue)
    workers: list[Worker] = []
    try:
        workers.append(start_worker(queue=queue, workdir=tmp_path, mail_dir=mail_dir, env=env, include=hooks))
        with transaction.atomic():
            for address in addresses:
                outbox.enqueue("core.send_email", subject="Your job", body="Done.", to=[address])

        wait_until(marker.exists, timeout=60, what="the held job", worker=workers[0])
        stop_worker(workers[0], sig=signal.SIGKILL)
        killed_at = time.monotonic()
        held = OutboxMessage.objects.get(kwargs__to=[held_address])
        done_before_kill = held.completed_at
        sent_before_kill = emails_by_address(workers[0])
        assert done_before_kill is not None  # its effect had committed: Redis alone did not know
        assert sent_before_kill[held_address] == 1
        assert 0 < len(sent_before_kill) < JOBS  # killed in the middle of the batch

        # Past the visibility timeout the held job is handed out again, to the next worker that asks.
        time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        workers.append(start_worker(queue=queue, workdir=tmp_path, mail_dir=mail_dir, env=env, include=hooks))
        wait_until(
            lambda: not OutboxMessage.objects.filter(completed_at__isnull=True).exists(),
            timeout=60,
            what="every job completed",
            worker=workers[1],
        )
        wait_until(
            lambda: f"{marker.read_text()}] received" in workers[1].log(),
            timeout=30,
            what="the held job delivered again",
            worker=workers[1],
        )
        time.sleep(1)  # anything still in flight lands

        sent = emails_by_address(workers[1])
        assert set(sent) == set(addresses), "a job was lost"
        assert [address for address, count in sent.items() if count != 1] == []
        held.refresh_from_db()
        assert held.completed_at == done_before_kill  # the second delivery changed nothing
        assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == JOBS
    finally:
        for worker in workers:
            stop_worker(worker, sig=signal.SIGKILL)
        delete_queue(queue)
