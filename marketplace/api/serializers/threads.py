"""Conversations about a task between its client and a supplier."""

from __future__ import annotations

from rest_framework import serializers

from accounts.api.serializers import OrganizationSummarySerializer
from core import limits
from marketplace.api.serializers.common import SenderSerializer
from marketplace.api.serializers.files import MessageAttachmentSerializer, _uploads_field
from marketplace.api.serializers.tasks import TaskSummarySerializer
from marketplace.models import (
    Message,
    Thread,
)


class ThreadSerializer(serializers.ModelSerializer[Thread]):
    task = TaskSummarySerializer(read_only=True)
    supplier = OrganizationSummarySerializer(read_only=True)
    unread_count = serializers.IntegerField(
        read_only=True, help_text="Messages from the other side since you last read the thread."
    )

    class Meta:
        model = Thread
        fields = ("id", "task", "supplier", "created_at", "last_message_at", "unread_count")
        read_only_fields = fields


class ThreadCreateSerializer(serializers.Serializer):
    task = serializers.IntegerField(help_text="Id of the task the conversation is about.")
    supplier = serializers.IntegerField(help_text="Id of the supplier organization (a bidder or invited supplier).")


class MessageSerializer(serializers.ModelSerializer[Message]):
    sender = SenderSerializer(read_only=True, allow_null=True)
    sender_organization = OrganizationSummarySerializer(read_only=True)
    attachments = MessageAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ("id", "thread", "sender", "sender_organization", "body", "attachments", "created_at")
        read_only_fields = fields


class MessageCreateSerializer(serializers.Serializer):
    """JSON for text only; multipart to attach files. A message needs a body, files, or both."""

    body = serializers.CharField(
        max_length=limits.MESSAGE, allow_blank=True, trim_whitespace=False, required=False, default=""
    )
    attachments = _uploads_field(required=False, default=list)
