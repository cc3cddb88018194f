"""Pieces every marketplace API shape uses: limits, country and amount fields, categories, senders, URLs."""

from __future__ import annotations

from typing import Any

from django_countries import countries
from rest_framework import serializers

from accounts.models import User
from core import limits
from core.money import RATE_CURRENCIES
from marketplace.models import (
    Category,
)

# The product's limits (core.limits), shared with the HTML forms and the
# services: a bigger number or a longer text is a field error, never a database error.
MAX_AMOUNT = limits.MAX_AMOUNT


MAX_HOURS = limits.MAX_HOURS


COUNTRY_CHOICES = [("", "(none)"), *((str(code), str(name)) for code, name in countries)]


class CountryFilterField(serializers.ChoiceField):
    """A country to filter by: an ISO 3166 alpha-2 code in either case; an unknown code is refused (400)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "ISO 3166 alpha-2 code.")
        super().__init__(choices=COUNTRY_CHOICES, required=False, allow_blank=True, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


class CurrencyFilterField(serializers.ChoiceField):
    """A currency to filter amounts in: one a task can be priced in, in either case; another is refused (400)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(code, code) for code in RATE_CURRENCIES], required=False, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)


def _amount_field(**kwargs: Any) -> serializers.IntegerField:
    # No lower bound here: "above zero" is the service's rule, reported with its own message.
    return serializers.IntegerField(max_value=MAX_AMOUNT, min_value=-MAX_AMOUNT, **kwargs)


class CategorySerializer(serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ("id", "slug", "name", "description")
        read_only_fields = fields


class CategorySummarySerializer(serializers.ModelSerializer[Category]):
    class Meta:
        model = Category
        fields = ("id", "slug", "name")
        read_only_fields = fields


class SenderSerializer(serializers.ModelSerializer[User]):
    """Who wrote a message: a name only; the other side never sees member email addresses."""

    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ("id", "name")
        read_only_fields = fields


def absolute_url(context: dict[str, Any], path: str) -> str:
    """``path`` on the host the request came to (bare when the serializer has no request)."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path
