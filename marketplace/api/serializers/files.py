"""Attachments of tasks, bids and messages: how they read, and how uploads are received."""

from __future__ import annotations

from typing import Any

from django.db.models import Manager
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.api.serializers.common import absolute_url
from marketplace.models import (
    AttachmentBase,
    BidAttachment,
    MessageAttachment,
    TaskAttachment,
)
from marketplace.services._common import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS


class UploadOrderListSerializer(serializers.ListSerializer):
    """Attachments oldest first, as the pages list them, whether prefetched or not."""

    def to_representation(self, data: Any) -> list[Any]:
        items = data.all() if isinstance(data, Manager) else data
        return super().to_representation(sorted(items, key=lambda item: (item.created_at, item.pk)))


class AttachmentSerializer(serializers.Serializer):
    """A file attached to a task, a bid or a message. ``download_url`` serves it to those who may see its owner."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True, help_text="The uploaded file's name.")
    size = serializers.IntegerField(read_only=True, help_text="Bytes.")
    content_type = serializers.CharField(read_only=True, help_text="Decided from the extension and checked.")
    created_at = serializers.DateTimeField(read_only=True)
    download_url = serializers.SerializerMethodField(help_text="GET it (with your credentials) to download the file.")

    route = ""  # the API route serving one attachment of this kind

    class Meta:
        list_serializer_class = UploadOrderListSerializer

    def owner_kwargs(self, attachment: Any) -> dict[str, int]:
        raise NotImplementedError

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: AttachmentBase) -> str:
        kwargs = {**self.owner_kwargs(attachment), "attachment_id": attachment.pk}
        return absolute_url(self.context, reverse(f"marketplace-api:{self.route}", kwargs=kwargs))


class TaskAttachmentSerializer(AttachmentSerializer):
    route = "api-task-attachment"

    def owner_kwargs(self, attachment: TaskAttachment) -> dict[str, int]:
        return {"task_id": attachment.task_id}


class BidAttachmentSerializer(AttachmentSerializer):
    route = "api-bid-attachment"

    def owner_kwargs(self, attachment: BidAttachment) -> dict[str, int]:
        return {"bid_id": attachment.bid_id}


class MessageAttachmentSerializer(AttachmentSerializer):
    route = "api-thread-attachment"

    def owner_kwargs(self, attachment: MessageAttachment) -> dict[str, int]:
        return {"thread_id": attachment.message.thread_id}


def _uploads_field(**kwargs: Any) -> serializers.ListField:
    # Empty files pass here so that the service refuses them with its own words, like every other bad file.
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        help_text=f"One or more files (repeat the multipart field): at most {MAX_ATTACHMENTS} to a task, a bid or a "
        f"message, {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB each, of these types: "
        f"{', '.join(sorted(extension.lstrip('.') for extension in ALLOWED_EXTENSIONS))}.",
        **kwargs,
    )


class AttachmentUploadSerializer(serializers.Serializer):
    attachments = _uploads_field()
