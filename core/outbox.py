"""Enqueue Celery tasks after commit without losing them when the broker is down.

``enqueue("accounts.send_invitation_email", invitation_id=...)`` writes an
:class:`~core.models.OutboxMessage` inside the caller's transaction (so the job
exists exactly when the change does), then publishes it once the transaction
commits. A publish that fails leaves the row pending; the beat job
``core.drain_outbox`` retries it. A job can be delivered twice (its worker
died before acking it, or a publish was repeated); its task id names the
message, and ``core.jobs.OutboxTask`` runs its effect once per message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from django.db import transaction
from django.utils import timezone

from core.jobs import task_id_for
from core.models import OutboxMessage

log = structlog.get_logger(__name__)


def enqueue(task_name: str, /, **kwargs: Any) -> OutboxMessage:
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(message_id: int) -> bool:
    """Send one pending outbox message to the broker; True when it was sent."""
    from config.celery import app

    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxMessage.Status.PENDING)
            .first()
        )
        if message is None:
            return False
        task = app.tasks.get(message.task_name)
        if task is not None and app.conf.task_always_eager:
            # Tests and one-off scripts run jobs in-process; errors propagate.
            task.apply(args=message.args, kwargs=message.kwargs, task_id=task_id_for(message.pk), throw=True)
        else:
            try:
                app.send_task(
                    message.task_name, args=message.args, kwargs=message.kwargs, task_id=task_id_for(message.pk)
                )
            except Exception as exc:  # the broker may be down in any number of ways
                message.attempts += 1
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                message.save(update_fields=["attempts", "last_error"])
                log.warning("outbox.publish_failed", message_id=message.pk, task=message.task_name, error=str(exc))
                return False
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.attempts += 1
        message.save(update_fields=["status", "sent_at", "attempts"])
        return True


def drain(*, older_than_seconds: int, limit: int = 500) -> int:
    """Publish pending messages that waited longer than ``older_than_seconds``."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for message_id in ids if publish(message_id))


def prune(*, kept_days: int, batch: int = 10_000) -> int:
    """Delete the messages whose job completed more than ``kept_days`` ago; how many went.

    A completed message is what stops a late second delivery of its job from
    acting again (``core.jobs.OutboxTask``), so it is kept far longer than any
    delivery can come late (the broker's visibility timeout is minutes, an
    email's retries hours). Pending, failed and sent-but-unfinished messages
    stay for the drain job and for staff to look into. Deleted in batches of
    ``batch``, oldest first, so no statement holds many locks for long.
    """
    cutoff = timezone.now() - timedelta(days=kept_days)
    gone = 0
    while True:
        ids = list(
            OutboxMessage.objects.filter(completed_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        deleted, _ = OutboxMessage.objects.filter(pk__in=ids).delete()
        gone += deleted
    if gone:
        log.info("outbox.pruned", deleted=gone, kept_days=kept_days)
    return gone
