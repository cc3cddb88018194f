from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core import outbox
from core.models import AuditEvent, OutboxMessage


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff may look, never edit: these records are written only by services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "actor", "organization", "target_repr", "ip_address")
    list_filter = ("action",)
    search_fields = ("action", "target_repr", "actor__email", "organization__name", "request_id")
    list_select_related = ("actor", "organization")
    date_hierarchy = "created_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "task_name", "status", "attempts", "sent_at", "completed_at")
    list_filter = ("status", "task_name")
    actions = ["publish_now"]

    @admin.action(description="Publish the selected pending jobs now")
    def publish_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        sent = sum(1 for pk in queryset.values_list("pk", flat=True) if outbox.publish(pk))
        self.message_user(request, f"Published {sent} job(s).", messages.SUCCESS)
