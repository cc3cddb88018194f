"""Tasks: the task, its page of search results, writes, invitations, filters, and the bid comparison."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django_countries.serializer_fields import CountryField
from django_countries.serializers import CountryFieldMixin
from rest_framework import serializers
from rest_framework.request import Request

from accounts.api.serializers import OrganizationSummarySerializer
from accounts.models import Organization
from core import limits
from core.api.serializers import CompiledRepresentation, FieldsBuiltOnce, KeptRepresentations
from marketplace.api.serializers.common import (
    COUNTRY_CHOICES,
    MAX_AMOUNT,
    MAX_HOURS,
    CategorySummarySerializer,
    CountryFilterField,
    CurrencyFilterField,
    _amount_field,
)
from marketplace.api.serializers.files import TaskAttachmentSerializer
from marketplace.comparison import FACTORS
from marketplace.comparison import SORTS as COMPARISON_SORTS
from marketplace.models import (
    Bid,
    BidInvitation,
    BudgetType,
    LocationType,
    Task,
    Visibility,
)
from marketplace.selectors import DEFAULT_BUDGET_CURRENCY, SORTS

TASK_FIELDS = (
    "id",
    "title",
    "description",
    "excerpt",
    "category",
    "skills",
    "budget_type",
    "currency",
    "budget_amount",
    "hourly_rate_min",
    "hourly_rate_max",
    "hours_cap",
    "deadline",
    "bidding_closes_at",
    "location_type",
    "country",
    "city",
    "postal_code",
    "visibility",
    "status",
    "client",
    "attachments",
    "is_open_for_bids",
    "published_at",
    "edited_at",
    "created_at",
    "updated_at",
)


# Shown to the client only: what doing the work in-house would cost, and how it weighs bids.
CLIENT_ONLY_TASK_FIELDS = ("in_house_cost_estimate", "comparison_weights")


class TaskSerializer(CompiledRepresentation, CountryFieldMixin, serializers.ModelSerializer[Task]):
    """A task. ``in_house_cost_estimate`` and ``comparison_weights`` appear only for the task's client.

    The view passes the acting organization (or ``None``) as ``organization`` in the context.
    """

    category = CategorySummarySerializer(read_only=True)
    client = OrganizationSummarySerializer(source="organization", read_only=True)
    attachments = TaskAttachmentSerializer(many=True, read_only=True, source="listed_attachments")
    is_open_for_bids = serializers.BooleanField(read_only=True)
    excerpt = serializers.CharField(
        read_only=True, help_text=f"The description's start as plain text, at most {limits.EXCERPT} characters."
    )
    # Read-only fields lose the model's blank=True; a remote task has no country.
    country = CountryField(read_only=True, allow_blank=True, help_text="ISO 3166 alpha-2 code; empty for none.")
    budget_amount = serializers.IntegerField(
        read_only=True, help_text="Minor units of `currency`. Fixed price: the budget; hourly: the cap."
    )
    hourly_rate_min = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Minor units per hour (hourly tasks)."
    )
    hourly_rate_max = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Minor units per hour (hourly tasks)."
    )
    # Not marked read-only (this serializer is output only) so that the schema shows them as optional.
    in_house_cost_estimate = serializers.IntegerField(
        allow_null=True, required=False, help_text="Minor units of `currency`. Present for the task's client only."
    )
    comparison_weights = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Saved weight (0-5) per comparison factor. Present for the task's client only.",
    )

    class Meta:
        model = Task
        fields = (*TASK_FIELDS, *CLIENT_ONLY_TASK_FIELDS)
        read_only_fields = TASK_FIELDS

    def to_representation(self, instance: Task) -> dict[str, Any]:
        data = super().to_representation(instance)
        organization = self.context.get("organization")
        if organization is None or instance.organization_id != organization.pk:
            for name in CLIENT_ONLY_TASK_FIELDS:
                data.pop(name, None)
        return data


#: The task search's rows, each represented once per process for what it shows (docs/benchmarks.md,
#: round 11): a 20-task page spent about a third of its time representing rows unchanged since the
#: last search that listed them.
LISTED_TASKS = KeptRepresentations(size=4096, seconds=10 * 60)


def represent_listed_tasks(
    tasks: list[Task], *, organization: Organization | None, request: Request
) -> list[dict[str, Any]]:
    """:class:`TaskSerializer`'s representation of each task of a search page (attachments loaded).

    Each is kept under everything it shows: the task as last saved (every write of
    a task goes through its ``save()``, which moves ``updated_at``) and whether it
    takes bids now, its client's and category's values, its files, the host the
    files' links name and the time zone of its times. The client's own tasks,
    which show it private fields, are represented every time.
    """
    serializer = TaskSerializer(context={"organization": organization, "request": request})
    host, zone = request.build_absolute_uri("/"), timezone.get_current_timezone_name()

    def key(task: Task) -> tuple[Any, ...] | None:
        if organization is not None and task.organization_id == organization.pk:
            return None
        client, category = task.organization, task.category
        return (
            task.pk,
            task.updated_at,
            task.is_open_for_bids,
            (client.pk, client.name, client.slug, client.is_personal),
            (category.pk, category.slug, category.name),
            tuple((a.pk, a.original_name, a.size, a.content_type, a.created_at) for a in task.listed_attachments),
            host,
            zone,
        )

    return LISTED_TASKS.of(serializer, tasks, key=key)


class TaskSummarySerializer(serializers.ModelSerializer[Task]):
    client = OrganizationSummarySerializer(source="organization", read_only=True)

    class Meta:
        model = Task
        fields = ("id", "title", "status", "currency", "client")
        read_only_fields = fields


class TaskPageSerializer(serializers.Serializer):
    """One page of the task search; follow ``next`` for the page after."""

    results = TaskSerializer(many=True, read_only=True)
    next = serializers.URLField(read_only=True, allow_null=True, help_text="The next page, or null on the last.")


class TaskWriteSerializer(serializers.Serializer):
    """A task's terms. On PATCH, fields left out keep their current value."""

    title = serializers.CharField(max_length=limits.TITLE, allow_blank=True, trim_whitespace=False)
    description = serializers.CharField(max_length=limits.DESCRIPTION, allow_blank=True, trim_whitespace=False)
    category = serializers.IntegerField(help_text="A category id from `GET /api/v1/categories/`.")
    skills = serializers.ListField(
        child=serializers.CharField(max_length=limits.SKILL),
        max_length=50,
        required=False,
        help_text="Free-text skill tags.",
    )
    budget_type = serializers.ChoiceField(choices=BudgetType.choices)
    currency = serializers.CharField(max_length=3, help_text="ISO 4217 code of every amount on the task.")
    budget_amount = _amount_field(required=False, allow_null=True, help_text="Minor units (fixed-price tasks).")
    hourly_rate_min = _amount_field(required=False, allow_null=True, help_text="Minor units per hour (hourly tasks).")
    hourly_rate_max = _amount_field(required=False, allow_null=True, help_text="Minor units per hour (hourly tasks).")
    hours_cap = serializers.IntegerField(
        required=False, allow_null=True, max_value=MAX_HOURS, min_value=-MAX_HOURS, help_text="Hourly tasks."
    )
    deadline = serializers.DateField()
    bidding_closes_at = serializers.DateTimeField()
    location_type = serializers.ChoiceField(choices=LocationType.choices, required=False)
    country = serializers.ChoiceField(choices=COUNTRY_CHOICES, required=False, help_text="ISO 3166 alpha-2 code.")
    city = serializers.CharField(max_length=limits.CITY, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=limits.POSTAL_CODE, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    in_house_cost_estimate = _amount_field(
        required=False, allow_null=True, help_text="Minor units: what doing it in-house would cost (private)."
    )


class TaskCreateSerializer(TaskWriteSerializer):
    publish = serializers.BooleanField(default=False, help_text="Open it for bids now instead of saving a draft.")


class BidInvitationCreateSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(
        min_value=1, max_value=limits.INTEGER_MAX, help_text="Id of the supplier organization to invite."
    )
    message = serializers.CharField(max_length=limits.SHORT_NOTE, required=False, allow_blank=True, default="")


class BidInvitationSerializer(serializers.ModelSerializer[BidInvitation]):
    supplier = OrganizationSummarySerializer(read_only=True)

    class Meta:
        model = BidInvitation
        fields = ("id", "task", "supplier", "message", "created_at")
        read_only_fields = fields


class TaskFiltersSerializer(serializers.Serializer):
    """The browse page's filters; amounts in minor units. All optional: none means every open task."""

    q = serializers.CharField(
        max_length=limits.SEARCH_WORDS, required=False, allow_blank=True, help_text="Full-text search."
    )
    category = serializers.CharField(max_length=80, required=False, allow_blank=True, help_text="Category slug.")
    skills = serializers.ListField(
        child=serializers.CharField(max_length=limits.SKILL),
        required=False,
        max_length=limits.MAX_SKILLS,
        help_text="Skill slugs (repeat the parameter or separate with commas); a task must have all of them.",
    )
    budget_type = serializers.ChoiceField(choices=BudgetType.choices, required=False)
    budget_min = serializers.IntegerField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        help_text="Minor units of `currency` (1000 is ten euros, or a thousand yen): with a budget bound, only "
        "tasks priced in `currency` match (amounts are not converted between currencies).",
    )
    budget_max = serializers.IntegerField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        help_text="Minor units of `currency`, like `budget_min`.",
    )
    currency = CurrencyFilterField(
        help_text=f"ISO 4217 code of `budget_min` and `budget_max`, in either case; default {DEFAULT_BUDGET_CURRENCY}. "
        "Without a bound it narrows nothing.",
    )
    location_type = serializers.ChoiceField(choices=LocationType.choices, required=False)
    country = CountryFilterField()
    city = serializers.CharField(max_length=limits.CITY, required=False, allow_blank=True)
    deadline_before = serializers.DateField(required=False, help_text="Deadline on or before this date.")
    posted_since = serializers.DateField(required=False, help_text="Published on or after this date.")
    sort = serializers.ChoiceField(
        choices=[(name, name) for name in SORTS],
        required=False,
        help_text=(
            "Default: relevance with `q`, else newest. `relevance`: tasks whose title matches `q` first, "
            "then those whose description does, newest first within each."
        ),
    )


class TaskSearchParamsSerializer(FieldsBuiltOnce, TaskFiltersSerializer):
    """The task search's query string: the filters and the page wanted."""

    cursor = serializers.CharField(max_length=500, required=False, help_text="From the previous page's `next`.")
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)


class ComparisonPartSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    value = serializers.CharField(read_only=True)
    score = serializers.IntegerField(read_only=True, allow_null=True, help_text="0-100; null when unknown.")


class ComparisonFactorSerializer(serializers.Serializer):
    factor = serializers.ChoiceField(choices=[(name, name) for name in FACTORS], read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    score = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="0-100; null when the data is missing (left out of the total)."
    )
    value = serializers.CharField(read_only=True, help_text="What was measured, short.")
    explanation = serializers.CharField(read_only=True, help_text="How the score was reached, one plain line.")
    parts = ComparisonPartSerializer(many=True, read_only=True)
    evidence = serializers.CharField(
        read_only=True, help_text='What the score rests on ("1 reply and 2 reviews"); empty when it is missing.'
    )
    thin = serializers.BooleanField(
        read_only=True, help_text="True when it rests on fewer than three replies, reviews or contracts."
    )


class SavingsSerializer(serializers.Serializer):
    """What the bid saves against the client's in-house estimate; negative when it costs more."""

    amount = serializers.IntegerField(read_only=True, help_text="Minor units of `currency`.")
    percent = serializers.DecimalField(
        max_digits=12, decimal_places=1, read_only=True, help_text="Of the estimate, one decimal."
    )
    currency = serializers.CharField(read_only=True)
    estimate = serializers.IntegerField(read_only=True, help_text="Minor units of `currency`.")
    summary = serializers.CharField(read_only=True)


class ComparedBidSerializer(serializers.ModelSerializer[Bid]):
    supplier = OrganizationSummarySerializer(read_only=True)
    amount = serializers.IntegerField(read_only=True, help_text="Minor units of `currency`.")
    hourly_rate = serializers.IntegerField(read_only=True, allow_null=True, help_text="Minor units per hour.")

    class Meta:
        model = Bid
        fields = (
            "id",
            "status",
            "supplier",
            "price_type",
            "currency",
            "amount",
            "hourly_rate",
            "estimated_hours",
            "start_date",
            "delivery_date",
            "availability_hours_per_week",
        )
        read_only_fields = fields


class ComparisonRowSerializer(serializers.Serializer):
    bid = ComparedBidSerializer(read_only=True)
    rank = serializers.IntegerField(read_only=True, allow_null=True, help_text="1 for the best total; null without.")
    total = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Weighted average of the factors with data, 0-100."
    )
    total_explanation = serializers.CharField(read_only=True)
    left_out = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Weighted factors without data."
    )
    ignored = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Factors weighted 0.")
    factors = ComparisonFactorSerializer(source="factor_list", many=True, read_only=True)
    savings = SavingsSerializer(read_only=True, allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    """A task's live bids scored side by side, best first by ``sort``."""

    task = serializers.IntegerField(source="task.pk", read_only=True)
    weights = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="The weights used, per factor (0-5)."
    )
    sort = serializers.CharField(read_only=True)
    rows = ComparisonRowSerializer(many=True, read_only=True)


class WeightsSerializer(serializers.Serializer):
    weights = serializers.DictField(
        child=serializers.IntegerField(min_value=-100, max_value=100),
        help_text="Weight per comparison factor, 0 (ignore) to 5 (matters most).",
    )


class ComparisonParamsSerializer(FieldsBuiltOnce):
    weights = serializers.CharField(
        max_length=500,
        required=False,
        help_text="Weights to try without saving them, e.g. `price:3,geography:2`; default: the saved ones.",
    )
    sort = serializers.ChoiceField(
        choices=[(name, name) for name in COMPARISON_SORTS],
        required=False,
        default="total",
        help_text="Best first by the total or by one factor.",
    )
