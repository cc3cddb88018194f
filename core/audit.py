"""The one helper that writes audit records."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from core.models import AuditEvent
from core.request_context import current_origin, current_request_id

if TYPE_CHECKING:
    from accounts.models import Organization, User


def record(
    *,
    action: str,
    actor: User | None,
    organization: Organization | None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it describes."""
    origin = current_origin()
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        organization=organization,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        ip_address=origin.ip_address,
        user_agent=origin.user_agent,
        request_id=current_request_id(),
        details=details or {},
    )
