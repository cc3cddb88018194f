"""The outbox: a job exists exactly when its change commits, and a broker outage loses nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from core import outbox
from core.models import OutboxMessage
from core.tasks import drain_outbox

TASK = "core.send_email"
KWARGS = {"subject": "Hello", "body": "Hi there", "to": ["someone@example.test"]}


class FakeBroker:
    """Stands in for ``app.send_task``: records what was published, or fails like a dead broker."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list, dict]] = []
        self.down = False

    def send_task(self, name: str, args: list | None = None, kwargs: dict | None = None, **options: object) -> None:
        if self.down:
            raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")
        self.sent.append((name, list(args or []), dict(kwargs or {})))


@pytest.fixture
def broker(monkeypatch):
    fake = FakeBroker()
    # Publish for real (the test settings run tasks eagerly, in-process).
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app, "send_task", fake.send_task)
    return fake


def _age(message: OutboxMessage, seconds: int) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_enqueue_publishes_only_after_the_transaction_commits(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(TASK, **KWARGS)
        assert broker.sent == []  # still inside the transaction

    assert broker.sent == [(TASK, [], KWARGS)]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None


def _enqueue_in_a_change_that_fails() -> None:
    with transaction.atomic():
        outbox.enqueue(TASK, **KWARGS)
        raise RuntimeError("the change failed")


def test_enqueue_in_a_rolled_back_transaction_publishes_nothing_and_leaves_no_row(
    db, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        _enqueue_in_a_change_that_fails()

    assert callbacks == []
    assert broker.sent == []
    assert not OutboxMessage.objects.exists()


def test_a_failed_publish_keeps_the_message_pending_with_one_more_attempt(
    db, broker, django_capture_on_commit_callbacks
):
    broker.down = True

    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(TASK, **KWARGS)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.sent_at is None
    assert "Connection refused" in message.last_error
    assert broker.sent == []


def test_publish_returns_false_and_counts_each_failed_attempt(db, broker):
    message = OutboxMessage.objects.create(task_name=TASK, kwargs=KWARGS)
    broker.down = True

    assert outbox.publish(message.pk) is False
    assert outbox.publish(message.pk) is False

    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 2)


def test_drain_publishes_a_pending_message_once_even_when_run_twice(db, broker):
    broker.down = True
    message = OutboxMessage.objects.create(task_name=TASK, kwargs=KWARGS)
    outbox.publish(message.pk)
    _age(message, 120)
    broker.down = False

    first = outbox.drain(older_than_seconds=30)
    second = outbox.drain(older_than_seconds=30)

    assert (first, second) == (1, 0)
    assert broker.sent == [(TASK, [], KWARGS)]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 2


def test_drain_leaves_recent_messages_to_their_own_after_commit_publish(db, broker):
    OutboxMessage.objects.create(task_name=TASK, kwargs=KWARGS)

    assert outbox.drain(older_than_seconds=30) == 0
    assert broker.sent == []


def test_drain_publishes_oldest_first_and_skips_sent_ones(db, broker):
    older = OutboxMessage.objects.create(task_name=TASK, kwargs={**KWARGS, "subject": "older"})
    newer = OutboxMessage.objects.create(task_name=TASK, kwargs={**KWARGS, "subject": "newer"})
    done = OutboxMessage.objects.create(
        task_name=TASK, kwargs={**KWARGS, "subject": "done"}, status=OutboxMessage.Status.SENT
    )
    _age(older, 300)
    _age(newer, 200)
    _age(done, 400)

    assert outbox.drain(older_than_seconds=30) == 2
    assert [kwargs["subject"] for _name, _args, kwargs in broker.sent] == ["older", "newer"]


def test_the_beat_job_drains_messages_older_than_the_retry_delay(db, broker, settings):
    settings.OUTBOX_RETRY_AFTER_SECONDS = 30
    stale = OutboxMessage.objects.create(task_name=TASK, kwargs=KWARGS)
    OutboxMessage.objects.create(task_name=TASK, kwargs=KWARGS)  # fresh: its own publish is under way
    _age(stale, 60)

    assert drain_outbox() == 1
    assert len(broker.sent) == 1


def test_drain_outbox_runs_every_minute_in_the_beat_schedule(settings):
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "core.drain_outbox"]

    assert len(entries) == 1
    assert entries[0]["schedule"] == 60.0


def test_in_eager_mode_enqueue_runs_the_task_in_process_after_commit(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(TASK, **KWARGS)
        assert mailoutbox == []

    assert [mail.subject for mail in mailoutbox] == ["Hello"]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_messages_whose_job_completed_long_ago_are_pruned_daily(db, settings):
    now = timezone.now()
    old_done = [OutboxMessage.objects.create(task_name=TASK, status="sent", completed_at=now - timedelta(days=8))]
    old_done.append(OutboxMessage.objects.create(task_name=TASK, status="sent", completed_at=now - timedelta(days=30)))
    kept = [
        OutboxMessage.objects.create(task_name=TASK, status="sent", completed_at=now - timedelta(days=6)),
        OutboxMessage.objects.create(task_name=TASK, status="pending"),
        OutboxMessage.objects.create(task_name=TASK, status="failed"),
        OutboxMessage.objects.create(task_name=TASK, status="sent"),  # sent, never finished: looked into
    ]
    OutboxMessage.objects.filter(pk__in=[m.pk for m in kept[1:]]).update(created_at=now - timedelta(days=60))

    from core.tasks import prune_outbox

    assert prune_outbox() == 2
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {m.pk for m in kept}
    assert outbox.prune(kept_days=7, batch=1) == 0
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "core.prune_outbox"]
    assert [entry["schedule"] for entry in entries] == [86400.0]


def test_pruning_works_in_batches(db):
    done = timezone.now() - timedelta(days=10)
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name=TASK, status="sent", completed_at=done) for _ in range(25)
    )

    assert outbox.prune(kept_days=7, batch=10) == 25
    assert not OutboxMessage.objects.exists()
