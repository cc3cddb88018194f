"""Platform-wide background jobs."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from core import idempotency, outbox


@shared_task(name="core.drain_outbox")
def drain_outbox() -> int:
    """Beat job: publish jobs whose first publish failed (broker was down)."""
    return outbox.drain(older_than_seconds=settings.OUTBOX_RETRY_AFTER_SECONDS)


@shared_task(
    name="core.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    from_email: str | None = None,
    headers: dict[str, Any] | None = None,
) -> None:
    """Deliver one rendered email. Rendering happens before enqueueing, so a retry resends the same text."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=to,
        headers=headers or {},
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Beat job: forget form tokens and Idempotency-Keys past their time-to-live."""
    return idempotency.purge_expired()
