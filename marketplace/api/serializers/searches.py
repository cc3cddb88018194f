"""A supplier's saved searches."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from marketplace.api.serializers.common import absolute_url
from marketplace.api.serializers.tasks import TaskFiltersSerializer
from marketplace.models import (
    SavedSearch,
)


class SavedSearchSerializer(serializers.ModelSerializer[SavedSearch]):
    filters = TaskFiltersSerializer(read_only=True, help_text="The filters kept, as the task search takes them.")
    tasks_url = serializers.SerializerMethodField(help_text="The task search with these filters.")

    class Meta:
        model = SavedSearch
        fields = ("id", "name", "filters", "notify", "last_notified_at", "created_at", "tasks_url")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_tasks_url(self, saved_search: SavedSearch) -> str:
        url = reverse("marketplace-api:api-task-list")
        if saved_search.filters:
            url += "?" + urlencode(saved_search.filters, doseq=True)
        return absolute_url(self.context, url)


class SavedSearchCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=limits.NAME, allow_blank=True)
    filters = TaskFiltersSerializer(
        required=False, default=dict, help_text="The task search's filters to keep; left out: every open task."
    )
    notify = serializers.BooleanField(default=True, help_text="Email a digest of new matching tasks.")
