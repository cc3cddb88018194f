"""Background jobs of the marketplace (Celery)."""

from __future__ import annotations

from celery import shared_task

from marketplace import digests


@shared_task(name="marketplace.send_saved_search_digests")
def send_saved_search_digests() -> dict[str, int]:
    """Beat job (hourly): email each saved search's new matches. Idempotent: a rerun sends nothing new."""
    return digests.send_due_digests().as_dict()
