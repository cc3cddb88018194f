"""Suppliers' stored reply times (:class:`~marketplace.models.SupplierReplyTime`): kept after each answer
to a client, and refreshed nightly because the 90-day window slides."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

import structlog
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from core.outbox import enqueue
from marketplace.models import Message, SupplierReplyTime, Thread
from marketplace.selectors.messaging import REPLY_WINDOW, median_seconds, supplier_reply_seconds

log = structlog.get_logger(__name__)

#: Suppliers one job recomputes: each costs one read of at most ``REPLY_MESSAGES`` messages (a few
#: milliseconds), so a batch stays far inside ``CELERY_TASK_TIME_LIMIT``.
REFRESH_BATCH = 200


def refresh_reply_time(*, supplier_id: int) -> SupplierReplyTime:
    """Recompute and store one supplier's reply time from its messages now. Idempotent.

    The stored row is locked before the messages are read, so of two refreshes of one supplier
    running at once the later one reads what the earlier saw and more, and its figure stays.
    """
    with transaction.atomic():
        SupplierReplyTime.objects.bulk_create(
            [SupplierReplyTime(organization_id=supplier_id, computed_at=timezone.now())], ignore_conflicts=True
        )
        figure = SupplierReplyTime.objects.select_for_update().get(pk=supplier_id)
        seconds = supplier_reply_seconds(supplier_id=supplier_id)
        figure.replies, figure.median_seconds = len(seconds), median_seconds(seconds)
        figure.computed_at = timezone.now()
        figure.save(update_fields=["replies", "median_seconds", "computed_at"])
    return figure


def refresh_reply_times(*, supplier_ids: Iterable[int]) -> int:
    """:func:`refresh_reply_time` of each supplier; how many. A job of the outbox runs in one transaction
    (``core.jobs``), so a batch's rows stay locked until it ends: batches are small."""
    ids = sorted(set(supplier_ids))  # rows locked in one order: no deadlock with another batch
    existing = set(Organization.objects.filter(pk__in=ids).values_list("pk", flat=True))  # deleted since enqueued
    for supplier_id in ids:
        if supplier_id in existing:
            refresh_reply_time(supplier_id=supplier_id)
    return len(existing)


def refresh_after_answer(*, message: Message, thread: Thread) -> None:
    """After a supplier's message: when it answers a client, have its reply time recomputed after commit.

    Called by ``send_message`` inside its transaction, with the thread locked (so no other message
    slips in between). One indexed read of the thread's previous message in the window decides; a
    supplier's follow-ups and first words time nothing and enqueue nothing. The outbox row commits
    with the message and the job is idempotent, so a repeat or a late run only recomputes.
    """
    if message.sender_organization_id != thread.supplier_id:
        return
    previous = (
        Message.objects.filter(thread=thread, created_at__gte=timezone.now() - REPLY_WINDOW)
        .exclude(pk=message.pk)
        .order_by("-created_at", "-id")
        .values_list("sender_organization_id", flat=True)
        .first()
    )
    if previous is not None and previous != thread.supplier_id:
        enqueue("marketplace.refresh_reply_times", supplier_ids=[thread.supplier_id])


def suppliers_to_refresh() -> list[int]:
    """Ids of the suppliers whose stored reply time may have changed since it was computed: every
    supplier with a message in the window (a thread whose last message is recent) and every stored
    figure that still counts replies (they may have aged out of the window). Ascending ids."""
    since = timezone.now() - REPLY_WINDOW
    talking = Thread.objects.filter(last_message_at__gte=since).order_by().values_list("supplier_id", flat=True)
    counted = SupplierReplyTime.objects.filter(~Q(replies=0)).values_list("organization_id", flat=True)
    return sorted(set(talking.distinct()) | set(counted))


def schedule_reply_time_refresh(*, batch: int = REFRESH_BATCH) -> int:
    """Nightly: enqueue one job per ``batch`` suppliers of :func:`suppliers_to_refresh`; how many jobs.

    The jobs commit together in the outbox and run on however many workers there are; each is
    bounded by ``batch`` suppliers and every supplier's read by ``REPLY_MESSAGES`` messages.
    """
    jobs = 0
    suppliers = iter(suppliers_to_refresh())
    with transaction.atomic():
        while ids := list(islice(suppliers, batch)):
            enqueue("marketplace.refresh_reply_times", supplier_ids=ids)
            jobs += 1
    log.info("reply_times.scheduled", jobs=jobs, batch=batch)
    return jobs
