"""Background jobs of the marketplace (Celery)."""

from __future__ import annotations

from celery import shared_task

from marketplace import digests, files


@shared_task(name="marketplace.send_saved_search_digests")
def send_saved_search_digests() -> dict[str, int]:
    """Beat job (hourly): email each saved search's new matches. Idempotent: a rerun sends nothing new."""
    return digests.send_due_digests().as_dict()


@shared_task(name="marketplace.sweep_orphan_attachments")
def sweep_orphan_attachments() -> dict[str, int]:
    """Beat job (daily): delete stored attachment files left by rolled-back uploads. Idempotent."""
    return files.sweep_orphan_attachments().as_dict()
