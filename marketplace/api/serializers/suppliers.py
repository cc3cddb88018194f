"""The supplier directory."""

from __future__ import annotations

from django_countries.serializer_fields import CountryField
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from core import limits
from core.api.serializers import FieldsBuiltOnce
from marketplace.api.serializers.common import MAX_AMOUNT, CountryFilterField


class SupplierSerializer(CountryFieldMixin, serializers.ModelSerializer[Organization]):
    country = CountryField(read_only=True, allow_blank=True, help_text="ISO 3166 alpha-2 code; empty for none.")
    hourly_rate = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Typical rate, minor units of `hourly_rate_currency` per hour."
    )
    rating = serializers.SerializerMethodField(help_text="Average of revealed reviews (1-5), null without any.")
    review_count = serializers.IntegerField(read_only=True)
    completed_contracts = serializers.IntegerField(read_only=True)
    median_reply_seconds = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Median seconds from a client's message to the supplier's answer over the last 90 days, "
        "as its profile and directory card show it (recomputed after each answer and daily); "
        "null when no answer was timed.",
    )
    reply_count = serializers.IntegerField(
        read_only=True, help_text="How many answers to clients `median_reply_seconds` is the median of."
    )

    class Meta:
        model = Organization
        fields = (
            "id",
            "name",
            "slug",
            "headline",
            "country",
            "city",
            "skills",
            "languages",
            "hourly_rate",
            "hourly_rate_currency",
            "rating",
            "review_count",
            "completed_contracts",
            "median_reply_seconds",
            "reply_count",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rating(self, organization: Organization) -> float | None:
        rating = getattr(organization, "rating", None)
        return round(rating, 2) if rating is not None else None


class SupplierSearchParamsSerializer(FieldsBuiltOnce):
    q = serializers.CharField(
        max_length=limits.SEARCH_WORDS, required=False, allow_blank=True, help_text="Name or headline."
    )
    skills = serializers.ListField(
        child=serializers.CharField(max_length=limits.SKILL),
        required=False,
        max_length=limits.MAX_SKILLS,
        help_text="Skills (repeat the parameter or separate with commas); a supplier needs any of them.",
    )
    category = serializers.CharField(max_length=80, required=False, allow_blank=True, help_text="Category slug.")
    country = CountryFilterField()
    city = serializers.CharField(max_length=limits.CITY, required=False, allow_blank=True)
    min_rating = serializers.IntegerField(min_value=1, max_value=5, required=False)
    rate_max = serializers.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, required=False, help_text="Highest hourly rate, minor units."
    )
    currency = serializers.CharField(
        max_length=3, required=False, allow_blank=True, help_text="Currency of `rate_max` (ISO 4217)."
    )
