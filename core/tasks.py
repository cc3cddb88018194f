"""Platform-wide background jobs."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from core import idempotency, jobs, outbox

# Jobs that talk to the mail server. A send that fails (or hangs past the soft
# limit) is retried with backoff; a retry's countdown is spent holding the
# message, so countdown plus time limit (600 + 90 s) stays below the broker's
# visibility timeout (CELERY_VISIBILITY_TIMEOUT, 900 s by default).
EMAIL_JOB_OPTIONS: dict[str, Any] = {
    "autoretry_for": (OSError, SoftTimeLimitExceeded),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "soft_time_limit": 60,
    "time_limit": 90,
}


def email_headers(task: Task, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """``headers`` plus a Message-ID that a redelivered job repeats, so a duplicate is recognisable."""
    headers = dict(headers or {})
    message_id = jobs.message_id(task)
    if message_id and not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = message_id
    return headers


@shared_task(name="core.drain_outbox")
def drain_outbox() -> int:
    """Beat job: publish jobs whose first publish failed (broker was down)."""
    return outbox.drain(older_than_seconds=settings.OUTBOX_RETRY_AFTER_SECONDS)


@shared_task(name="core.send_email", bind=True, **EMAIL_JOB_OPTIONS)
def send_email(
    self: Task,
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
        headers=email_headers(self, headers),
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task(name="core.prune_outbox")
def prune_outbox() -> int:
    """Beat job: forget outbox messages whose job completed more than OUTBOX_KEPT_DAYS ago."""
    return outbox.prune(kept_days=settings.OUTBOX_KEPT_DAYS)


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Beat job: forget form tokens and Idempotency-Keys past their time-to-live."""
    return idempotency.purge_expired()
