"""Bids: a bid with its milestones, its writes, and the client's decisions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.api.serializers import OrganizationSummarySerializer
from core import limits
from core.api.serializers import FieldsBuiltOnce
from marketplace.api.serializers.common import MAX_HOURS, _amount_field
from marketplace.api.serializers.files import BidAttachmentSerializer
from marketplace.api.serializers.tasks import TaskSummarySerializer
from marketplace.models import (
    Bid,
    BidMilestone,
    BidStatus,
)


class BidMilestoneSerializer(serializers.ModelSerializer[BidMilestone]):
    amount = serializers.IntegerField(read_only=True, help_text="Minor units of the bid's currency.")

    class Meta:
        model = BidMilestone
        fields = ("position", "title", "amount", "due_date")
        read_only_fields = fields


class BidSerializer(serializers.ModelSerializer[Bid]):
    task = TaskSummarySerializer(read_only=True)
    supplier = OrganizationSummarySerializer(read_only=True)
    milestones = BidMilestoneSerializer(many=True, read_only=True)
    attachments = BidAttachmentSerializer(many=True, read_only=True)
    amount = serializers.IntegerField(
        read_only=True, help_text="Minor units of `currency`: the fixed price, or hourly rate x estimated hours."
    )
    hourly_rate = serializers.IntegerField(read_only=True, allow_null=True, help_text="Minor units per hour.")

    class Meta:
        model = Bid
        fields = (
            "id",
            "task",
            "supplier",
            "status",
            "price_type",
            "currency",
            "amount",
            "hourly_rate",
            "estimated_hours",
            "start_date",
            "availability_hours_per_week",
            "delivery_date",
            "cover_letter",
            "milestones",
            "attachments",
            "decline_reason",
            "shortlisted_at",
            "decided_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class MilestoneWriteSerializer(serializers.Serializer):
    """One proposed milestone, whole: on a PATCH too, where ``milestones`` replaces them all."""

    title = serializers.CharField(max_length=limits.TITLE, allow_blank=True)
    amount = _amount_field(help_text="Minor units of the task's currency.")
    due_date = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # DRF skips a missing required field anywhere under a partial serializer, items of a list
        # included; a milestone without its date reached the service half-made (a 500).
        missing = {name: [field.error_messages["required"]] for name, field in self.fields.items() if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class BidWriteSerializer(serializers.Serializer):
    """A bid's terms. Fixed-price tasks: ``amount`` and milestones adding up to it; hourly: rate and hours.

    On PATCH, fields left out keep their current value (``milestones``, when given, replaces them all).
    """

    amount = _amount_field(required=False, allow_null=True, help_text="Minor units (fixed-price tasks).")
    hourly_rate = _amount_field(required=False, allow_null=True, help_text="Minor units per hour (hourly tasks).")
    estimated_hours = serializers.IntegerField(
        required=False, allow_null=True, max_value=MAX_HOURS, min_value=-MAX_HOURS
    )
    start_date = serializers.DateField()
    availability_hours_per_week = serializers.IntegerField(
        max_value=limits.SMALLINT_MAX, min_value=-limits.SMALLINT_MAX
    )
    delivery_date = serializers.DateField()
    cover_letter = serializers.CharField(max_length=limits.COVER_LETTER, allow_blank=True, trim_whitespace=False)
    milestones = serializers.ListField(child=MilestoneWriteSerializer(), required=False, max_length=100)


class ShortlistSerializer(serializers.Serializer):
    shortlisted = serializers.BooleanField(default=True, help_text="false takes the bid off the shortlist.")


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=limits.SHORT_NOTE, required=False, allow_blank=True, default="")


class BidListParamsSerializer(FieldsBuiltOnce):
    status = serializers.ChoiceField(choices=BidStatus.choices, required=False)
