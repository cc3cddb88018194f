"""Cross-cutting records: the append-only audit log, the task outbox, and idempotency records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import Organization  # core is below accounts: for types only


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_org(self, organization: Organization) -> AuditEventQuerySet:
        return self.filter(organization=organization)

    def update(self, **kwargs: Any) -> int:  # pragma: no cover - guard
        raise TypeError("Audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:  # pragma: no cover - guard
        raise TypeError("Audit events are append-only")


class AuditEvent(models.Model):
    """Who did what to which object, when and from where. Never updated or deleted.

    A database trigger (see migration ``0002``) refuses UPDATE and DELETE too,
    so the rule holds for raw SQL and for every code path.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The organization the actor was acting for.",
    )
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("Audit events are append-only")
        super().save(*args, **kwargs)


@receiver(pre_delete, sender=AuditEvent)
def _refuse_audit_delete(sender: type, instance: AuditEvent, **kwargs: Any) -> None:
    raise TypeError("Audit events are append-only")


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change.

    ``core.outbox.enqueue`` writes the row, then publishes after commit
    and marks it sent. If the broker is down the row stays pending and the
    beat job ``core.drain_outbox`` publishes it later, so no job is lost.
    The worker stamps ``completed_at`` in the job's own transaction
    (``core.jobs.OutboxTask``), so no job's effect happens twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a worker committed the job's effect; a later delivery of the job then does nothing.",
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.status})"


class IdempotencyRecord(models.Model):
    """What one submission did, so that sending it again does not do it again.

    Two kinds share the table: a form's one-time token (HTML) and a client's
    ``Idempotency-Key`` header (API); ``core.idempotency`` reads and writes
    them. The row is inserted before the view runs, in the transaction the
    view runs in: a second request with the same key waits on the unique
    index until the first commits, then answers what the first did. A key is
    never stored, only a keyed hash of it with its scope.
    """

    class Kind(models.TextChoices):
        FORM = "form", "Form token"
        API = "api", "API Idempotency-Key"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    # HMAC (keyed by SECRET_KEY) of the kind, the scope (user, acting organization) and the key.
    key_digest = models.CharField(max_length=64)
    # SHA-256 of what was asked: method, path, parsed body (files by content). Same key, other request: refused.
    request_digest = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The API's response body, encrypted with a key derived from the client's key (it may hold a secret).
    response_body = models.TextField(blank=True)
    # Where a form's first submission sent the browser; a replay goes there too. Unbounded: a page's
    # "next" may be up to 2,048 characters (what Django accepts as a safe redirect).
    redirect_url = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key_digest"], name="idempotency_record_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key_digest[:12]} ({self.response_status})"
