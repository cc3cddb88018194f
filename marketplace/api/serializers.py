"""Shapes of the marketplace API.

Output: money is integer minor units with the ISO 4217 ``currency`` beside it;
dates and times are ISO 8601. Input serializers check types and sizes only
(an amount must be an integer that fits the column); every rule of the
product (budgets above zero, deadlines in the future, milestones adding up)
lives in ``marketplace.services``, whose errors come back as field errors in
the common error body.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Manager
from django.urls import reverse
from django_countries import countries
from django_countries.serializer_fields import CountryField
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import OrganizationSummarySerializer
from accounts.models import Organization, User
from core import limits
from core.api.serializers import CompiledRepresentation
from marketplace.comparison import FACTORS
from marketplace.comparison import SORTS as COMPARISON_SORTS
from marketplace.models import (
    AttachmentBase,
    Bid,
    BidAttachment,
    BidInvitation,
    BidMilestone,
    BidStatus,
    BudgetType,
    Category,
    LocationType,
    Message,
    MessageAttachment,
    SavedSearch,
    Task,
    TaskAttachment,
    Thread,
    Visibility,
)
from marketplace.selectors import BUDGET_FILTER_CURRENCY, SORTS
from marketplace.services._common import ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS

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


def _amount_field(**kwargs: Any) -> serializers.IntegerField:
    # No lower bound here: "above zero" is the service's rule, reported with its own message.
    return serializers.IntegerField(max_value=MAX_AMOUNT, min_value=-MAX_AMOUNT, **kwargs)


# --- small pieces ----------------------------------------------------------------------


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


# --- attachments ----------------------------------------------------------------------------


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


# --- tasks ---------------------------------------------------------------------------------


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
        help_text=f"Minor units of {BUDGET_FILTER_CURRENCY}: with a budget bound, only tasks priced in "
        f"{BUDGET_FILTER_CURRENCY} match (amounts are not converted between currencies).",
    )
    budget_max = serializers.IntegerField(
        min_value=0,
        max_value=MAX_AMOUNT,
        required=False,
        help_text=f"Minor units of {BUDGET_FILTER_CURRENCY}, like `budget_min`.",
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


class TaskSearchParamsSerializer(TaskFiltersSerializer):
    """The task search's query string: the filters and the page wanted."""

    cursor = serializers.CharField(max_length=500, required=False, help_text="From the previous page's `next`.")
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)


# --- bids -------------------------------------------------------------------------------------


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


class BidListParamsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=BidStatus.choices, required=False)


# --- comparison ---------------------------------------------------------------------------------


# ``label`` is a field here; DRF's metaclass takes it off the class, so it never meets Field.label.


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


class ComparisonParamsSerializer(serializers.Serializer):
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


# --- messaging ------------------------------------------------------------------------------------


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


# --- saved searches ------------------------------------------------------------------------------------


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


# --- supplier directory -----------------------------------------------------------------------------


class SupplierSerializer(CountryFieldMixin, serializers.ModelSerializer[Organization]):
    country = CountryField(read_only=True, allow_blank=True, help_text="ISO 3166 alpha-2 code; empty for none.")
    hourly_rate = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Typical rate, minor units of `hourly_rate_currency` per hour."
    )
    rating = serializers.SerializerMethodField(help_text="Average of revealed reviews (1-5), null without any.")
    review_count = serializers.IntegerField(read_only=True)
    completed_contracts = serializers.IntegerField(read_only=True)

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
        )
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rating(self, organization: Organization) -> float | None:
        rating = getattr(organization, "rating", None)
        return round(rating, 2) if rating is not None else None


class SupplierSearchParamsSerializer(serializers.Serializer):
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
