"""Background jobs of the marketplace (Celery)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from marketplace import digests, files
from marketplace.services import replies


@shared_task(name="marketplace.send_saved_search_digests")
def send_saved_search_digests() -> dict[str, int]:
    """Beat job (hourly): email each saved search's new matches. Idempotent: a rerun sends nothing new."""
    return digests.send_due_digests().as_dict()


@shared_task(name="marketplace.sweep_orphan_attachments")
def sweep_orphan_attachments() -> dict[str, int]:
    """Beat job (daily): delete stored attachment files left by rolled-back uploads. Idempotent."""
    return files.sweep_orphan_attachments().as_dict()


# A lost connection or a deadlock is worth another try; the job only recomputes.
@shared_task(
    name="marketplace.refresh_reply_times", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def refresh_reply_times(*, supplier_ids: list[int]) -> int:
    """Recompute these suppliers' stored reply times (after an answer; nightly in batches). Idempotent:
    a rerun recomputes the same figures from the messages."""
    return replies.refresh_reply_times(supplier_ids=supplier_ids)


@shared_task(name="marketplace.schedule_reply_time_refresh")
def schedule_reply_time_refresh() -> int:
    """Beat job (daily): the 90-day window slides, so every supplier that talked in it is recomputed,
    in batched jobs. Idempotent: a second run enqueues jobs that recompute the same figures."""
    return replies.schedule_reply_time_refresh()
