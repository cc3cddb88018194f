"""Jobs run once per outbox message, however often Redis delivers them.

Redis hands a job out again when its worker died before acking it (after the
visibility timeout, see ``CELERY_BROKER_TRANSPORT_OPTIONS``), and the outbox
may publish one message twice (the broker took it, then the commit marking it
sent failed). Every job published by :func:`core.outbox.publish` carries its
outbox message in its Celery task id, and :class:`OutboxTask`, the base of
every task of the app, runs it inside one transaction that first locks that
message and ends by stamping ``completed_at``: the job's database effect and
the record that it happened commit together, and a second delivery finds the
stamp and does nothing. A delivery that arrives while the first still runs
waits on the row lock, then finds the stamp.

Emails cannot join a database transaction. The send happens inside the job's
transaction, so a failed send rolls the stamp back and the retry sends again;
a worker killed after the mail server accepted a message but before the
commit (a few milliseconds) makes the redelivered job send it once more. That
is the guarantee: every email at least once, a second copy only after a crash
in that window, and then with the same ``Message-ID`` (:func:`message_id`),
by which mail clients and servers recognise the duplicate.

Jobs not sent through the outbox (beat's periodic jobs, ``.delay()`` in a
shell) have no message to stamp and run as they are: each of those must be
idempotent on its own (the digests and the attachment sweep are).
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import urlparse

import structlog
from celery import Task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

log = structlog.get_logger(__name__)

_TASK_ID = re.compile(r"outbox-(?P<message_id>\d+)-[0-9a-f]{32}")


def task_id_for(message_id: int) -> str:
    """A fresh Celery task id naming the outbox message; each publish gets its own."""
    return f"outbox-{message_id}-{uuid.uuid4().hex}"


def outbox_message_id(task_id: str | None) -> int | None:
    """The outbox message a job was published from, or None for jobs sent otherwise."""
    match = _TASK_ID.fullmatch(task_id or "")
    return int(match["message_id"]) if match else None


def message_id(task: Task) -> str | None:
    """An email ``Message-ID`` that stays the same when the job is delivered again; None outside a worker."""
    if not task.request.id:
        return None
    return f"<{task.request.id}@{urlparse(settings.SITE_URL).hostname or 'localhost'}>"


class OutboxTask(Task):
    """Base of the app's tasks (``task_cls``): an outbox job's effect commits once, with its record."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        message_id = outbox_message_id(self.request.id)
        if message_id is None:
            return super().__call__(*args, **kwargs)
        from core.models import OutboxMessage

        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
            if message is not None and message.completed_at is not None:
                log.info("job.already_done", task=self.name, message_id=message_id, task_id=self.request.id)
                return None
            # The tracer already pushed this delivery's request: call run, not Task.__call__,
            # which would push an empty one (no id, no retries).
            result = self.run(*args, **kwargs)
            if message is not None:
                message.completed_at = timezone.now()
                message.save(update_fields=["completed_at"])
            return result
