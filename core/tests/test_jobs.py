"""An outbox job's effect commits once, with the record of it, however often the job is delivered."""

from __future__ import annotations

import pytest
from django.core import mail

from config.celery import app as celery_app
from core import jobs, outbox
from core.models import AuditEvent, OutboxMessage


@celery_app.task(name="core.tests.record_effect")
def record_effect(*, n: int, fail: bool = False) -> int:
    """A job whose effect is not idempotent by itself: each run appends an audit event."""
    AuditEvent.objects.create(action="test.effect", target_id=str(n))
    if fail:
        raise RuntimeError("the job failed after writing")
    return n


def deliver(message: OutboxMessage, task_id: str) -> object:
    """What a worker does with one delivery of the message's job."""
    task = celery_app.tasks[message.task_name]
    return task.apply(kwargs=message.kwargs, task_id=task_id, throw=True).get()


def effects(n: int) -> int:
    return AuditEvent.objects.filter(action="test.effect", target_id=str(n)).count()


@pytest.fixture
def job(db) -> OutboxMessage:
    return OutboxMessage.objects.create(task_name="core.tests.record_effect", kwargs={"n": 7})


def test_a_job_delivered_again_after_its_effect_committed_does_nothing(job):
    task_id = jobs.task_id_for(job.pk)

    assert deliver(job, task_id) == 7
    assert deliver(job, task_id) is None  # Redis handed it out again: a worker died before acking

    assert effects(7) == 1
    job.refresh_from_db()
    assert job.completed_at is not None


def test_a_message_published_twice_runs_its_job_once(job):
    # The broker took the first publish but the commit marking it sent failed, so it was published again.
    deliver(job, jobs.task_id_for(job.pk))
    deliver(job, jobs.task_id_for(job.pk))

    assert effects(7) == 1


def test_a_job_that_failed_leaves_no_record_so_its_retry_runs(job):
    task_id = jobs.task_id_for(job.pk)
    job.kwargs = {"n": 7, "fail": True}
    with pytest.raises(RuntimeError):
        deliver(job, task_id)
    job.refresh_from_db()
    assert job.completed_at is None
    assert effects(7) == 0  # rolled back with the missing record

    job.kwargs = {"n": 7}
    deliver(job, task_id)

    assert effects(7) == 1


def test_jobs_not_sent_through_the_outbox_run_every_time(db):
    record_effect.apply(kwargs={"n": 8})
    record_effect.apply(kwargs={"n": 8})

    assert effects(8) == 2


def test_a_republished_email_is_sent_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue("core.send_email", subject="Hello", body="Hi", to=["someone@example.test"])
    # As if the publish's commit had failed after the broker took the job.
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING)

    assert outbox.publish(message.pk) is True

    assert len(mail.outbox) == 1


def test_an_email_sent_again_after_a_crash_before_its_commit_keeps_its_message_id(db, monkeypatch):
    message = OutboxMessage.objects.create(
        task_name="core.send_email", kwargs={"subject": "Hello", "body": "Hi", "to": ["someone@example.test"]}
    )
    task_id = jobs.task_id_for(message.pk)
    real_save = OutboxMessage.save

    def die_before_commit(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["completed_at"]:
            raise SystemExit("the worker was killed")
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(OutboxMessage, "save", die_before_commit)
    with pytest.raises(SystemExit):
        deliver(message, task_id)
    monkeypatch.setattr(OutboxMessage, "save", real_save)
    deliver(message, task_id)

    # The one duplicate email can give: both copies carry one Message-ID, naming the job.
    assert len(mail.outbox) == 2
    ids = {sent.extra_headers["Message-ID"] for sent in mail.outbox}
    assert ids == {f"<{task_id}@127.0.0.1>"}
    message.refresh_from_db()
    assert message.completed_at is not None
