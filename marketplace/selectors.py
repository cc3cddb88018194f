"""Reads of the marketplace, scoped to the acting organization.

Task search is PostgreSQL full-text search (the generated, GIN-indexed
``search_vector``; title weighted over description) plus filters and sorts,
paged by keyset ("after this row") so page 500 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from accounts.models import Organization
from core.exceptions import NotFound
from marketplace.models import (
    Bid,
    BidInvitation,
    BudgetType,
    Category,
    LocationType,
    Task,
    TaskStatus,
    Thread,
    Visibility,
)

SORTS = ("relevance", "newest", "budget_high", "budget_low", "deadline")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass
class TaskFilters:
    """The browse page's filters. Amounts are minor units; unknown or malformed values are dropped."""

    q: str = ""
    category: str = ""  # slug
    skills: list[str] = field(default_factory=list)  # slugs; a task must have all of them
    budget_type: str = ""
    budget_min: int | None = None
    budget_max: int | None = None
    location_type: str = ""
    country: str = ""
    city: str = ""
    deadline_before: date | None = None
    posted_since: date | None = None
    sort: str = ""

    @classmethod
    def from_params(cls, params: Any) -> TaskFilters:
        """Build from a QueryDict or a plain dict (saved searches)."""

        def get(name: str) -> str:
            value = params.get(name, "")
            if isinstance(value, list):
                value = value[0] if value else ""
            return str(value or "").strip()

        def get_list(name: str) -> list[str]:
            if hasattr(params, "getlist"):
                values = params.getlist(name)
            else:
                raw = params.get(name, [])
                values = raw if isinstance(raw, list) else [raw]
            out: list[str] = []
            for value in values:
                out.extend(part.strip() for part in str(value).split(",") if part.strip())
            return out

        def get_int(name: str) -> int | None:
            try:
                value = int(get(name))
            except ValueError:
                return None
            return value if value >= 0 else None

        budget_type = get("budget_type")
        location_type = get("location_type")
        sort = get("sort")
        return cls(
            q=get("q")[:200],
            category=get("category")[:80],
            skills=get_list("skills")[:15],
            budget_type=budget_type if budget_type in BudgetType.values else "",
            budget_min=get_int("budget_min"),
            budget_max=get_int("budget_max"),
            location_type=location_type if location_type in LocationType.values else "",
            country=get("country").upper()[:2],
            city=get("city")[:100],
            deadline_before=parse_date(get("deadline_before")) if _is_date(get("deadline_before")) else None,
            posted_since=parse_date(get("posted_since")) if _is_date(get("posted_since")) else None,
            sort=sort if sort in SORTS else "",
        )

    def as_params(self) -> dict[str, Any]:
        """Only the filters that are set, as strings and lists (JSON- and URL-friendly)."""
        params: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if value in ("", None, []):
                continue
            params[item.name] = value.isoformat() if isinstance(value, date) else value
        return params

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    def is_empty(self) -> bool:
        return not self.as_params()


def _is_date(value: str) -> bool:
    try:
        return parse_date(value) is not None
    except ValueError:
        return False


def visible_tasks(*, organization: Organization | None) -> QuerySet[Task]:
    """Open tasks the organization may see while browsing (anonymous: public ones)."""
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN, bidding_closes_at__gt=timezone.now())
    if organization is None:
        return open_tasks.filter(visibility=Visibility.PUBLIC)
    invited = BidInvitation.objects.filter(task=OuterRef("pk"), supplier=organization)
    return open_tasks.filter(Q(visibility=Visibility.PUBLIC) | Q(organization=organization) | Q(Exists(invited)))


def _apply_filters(queryset: QuerySet[Task], filters: TaskFilters) -> QuerySet[Task]:
    if filters.category:
        queryset = queryset.filter(category__slug=filters.category)
    if filters.skills:
        queryset = queryset.filter(skills__contains=filters.skills)
    if filters.budget_type:
        queryset = queryset.filter(budget_type=filters.budget_type)
    if filters.budget_min is not None:
        queryset = queryset.filter(budget_amount__gte=filters.budget_min)
    if filters.budget_max is not None:
        queryset = queryset.filter(budget_amount__lte=filters.budget_max)
    if filters.location_type:
        queryset = queryset.filter(location_type=filters.location_type)
    if filters.country:
        queryset = queryset.filter(country=filters.country)
    if filters.city:
        queryset = queryset.filter(city__iexact=filters.city)
    if filters.deadline_before:
        queryset = queryset.filter(deadline__lte=filters.deadline_before)
    if filters.posted_since:
        queryset = queryset.filter(published_at__date__gte=filters.posted_since)
    return queryset


# Each sort: the ordering, and the (field, descending) pairs its keyset compares.
_ORDERINGS: dict[str, list[tuple[str, bool]]] = {
    "relevance": [("rank", True), ("id", True)],
    "newest": [("published_at", True), ("id", True)],
    "budget_high": [("budget_amount", True), ("id", True)],
    "budget_low": [("budget_amount", False), ("id", False)],
    "deadline": [("deadline", False), ("id", False)],
}


@dataclass
class TaskPage:
    tasks: list[Task]
    next_cursor: str | None
    sort: str


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date | datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: str) -> list[Any] | None:
    """The sort values of the last row seen; ``None`` when the cursor is malformed."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(_ORDERINGS[sort]):
        return None
    converted: list[Any] = []
    for (name, _), value in zip(_ORDERINGS[sort], values, strict=True):
        if name == "published_at":
            value = datetime.fromisoformat(value) if isinstance(value, str) else None
        elif name == "deadline":
            value = parse_date(value) if isinstance(value, str) else None
        elif name == "rank":
            value = float(value) if isinstance(value, int | float) else None
        elif not isinstance(value, int):
            value = None
        if value is None:
            return None
        converted.append(value)
    return converted


def _after(values: list[Any], ordering: list[tuple[str, bool]]) -> Q:
    """Rows strictly after ``values`` in ``ordering`` (a row-value comparison, spelled out)."""
    condition = Q()
    for index, (name, descending) in enumerate(ordering):
        step = Q(**{f"{name}__lt" if descending else f"{name}__gt": values[index]})
        for prior_index in range(index):
            step &= Q(**{ordering[prior_index][0]: values[prior_index]})
        condition |= step
    return condition


def search_tasks(
    *, filters: TaskFilters, organization: Organization | None, cursor: str = "", page_size: int = DEFAULT_PAGE_SIZE
) -> TaskPage:
    """One page of open tasks matching ``filters`` that ``organization`` may see."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    sort = filters.effective_sort
    if sort == "relevance" and not filters.q:
        sort = "newest"
    ordering = _ORDERINGS[sort]
    queryset = _apply_filters(visible_tasks(organization=organization), filters)
    if filters.q:
        query = SearchQuery(filters.q, config="english", search_type="websearch")
        queryset = queryset.filter(search_vector=query)
        if sort == "relevance":
            queryset = queryset.annotate(rank=SearchRank(F("search_vector"), query))
    if cursor:
        values = decode_cursor(cursor, sort=sort)
        if values is not None:
            queryset = queryset.filter(_after(values, ordering))
    order_by = [f"-{name}" if descending else name for name, descending in ordering]
    rows = list(queryset.select_related("category", "organization").order_by(*order_by)[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, name) for name, _ in ordering])
    return TaskPage(tasks=rows, next_cursor=next_cursor, sort=sort)


# --- single objects ---------------------------------------------------------------------


def get_task_for_viewer(*, task_id: int, organization: Organization | None) -> Task:
    """A task as a viewer may see it: its client, invited suppliers, bidders, or anyone if public and listed."""
    task = Task.objects.visible_to(organization).select_related("category", "organization").filter(pk=task_id).first()
    if task is None:
        raise NotFound("No such task.")
    return task


def get_own_task(*, task_id: int, organization: Organization) -> Task:
    """A task of the acting organization (the client side)."""
    task = Task.objects.for_org(organization).select_related("category").filter(pk=task_id).first()
    if task is None:
        raise NotFound("No such task.")
    return task


def get_bid(*, bid_id: int, organization: Organization) -> Bid:
    """A bid the organization made, or one on its task."""
    bid = (
        Bid.objects.for_org(organization)
        .select_related("task", "task__organization", "supplier")
        .prefetch_related("milestones")
        .filter(pk=bid_id)
        .first()
    )
    if bid is None:
        raise NotFound("No such bid.")
    return bid


def get_thread(*, thread_id: int, organization: Organization) -> Thread:
    thread = (
        Thread.objects.for_org(organization)
        .select_related("task", "task__organization", "supplier")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None:
        raise NotFound("No such conversation.")
    return thread


def categories() -> QuerySet[Category]:
    return Category.objects.all()


# --- the client's dashboard ---------------------------------------------------------------


def client_tasks(*, organization: Organization) -> QuerySet[Task]:
    """The organization's tasks with live bid counts, newest first."""
    return (
        Task.objects.for_org(organization)
        .select_related("category")
        .annotate(
            bid_count=Count("bids", filter=Q(bids__status__in=["submitted", "shortlisted", "accepted"]), distinct=True)
        )
        .order_by("-created_at", "-id")
    )


def supplier_bids(*, organization: Organization) -> QuerySet[Bid]:
    return Bid.objects.by_supplier(organization).select_related("task", "task__organization").order_by("-created_at")


# --- supplier directory ---------------------------------------------------------------------


@dataclass
class SupplierFilters:
    q: str = ""
    skills: list[str] = field(default_factory=list)
    category: str = ""
    country: str = ""
    city: str = ""
    min_rating: int | None = None
    rate_max: int | None = None  # minor units per hour
    currency: str = ""

    def as_params(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None, [])}


def search_suppliers(*, filters: SupplierFilters, exclude: Organization | None = None) -> QuerySet[Organization]:
    """Organizations offering their services, with rating and completed contracts."""
    from marketplace.models import Skill

    queryset = Organization.objects.annotate(
        rating=Avg("reviews_received__rating", filter=Q(reviews_received__revealed_at__isnull=False)),
        review_count=Count("reviews_received", filter=Q(reviews_received__revealed_at__isnull=False), distinct=True),
        completed_contracts=Count(
            "supplier_contracts", filter=Q(supplier_contracts__status="completed"), distinct=True
        ),
    ).exclude(skills=[])
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q) | Q(headline__icontains=filters.q))
    if filters.skills:
        queryset = queryset.filter(skills__overlap=filters.skills)
    if filters.category:
        category_skills = list(Skill.objects.filter(category__slug=filters.category).values_list("slug", flat=True))
        queryset = queryset.filter(skills__overlap=category_skills)
    if filters.country:
        queryset = queryset.filter(country=filters.country)
    if filters.city:
        queryset = queryset.filter(city__iexact=filters.city)
    if filters.min_rating:
        queryset = queryset.filter(rating__gte=filters.min_rating)
    if filters.rate_max is not None:
        queryset = queryset.filter(hourly_rate__lte=filters.rate_max)
        if filters.currency:
            queryset = queryset.filter(hourly_rate_currency=filters.currency)
    return queryset.order_by(F("rating").desc(nulls_last=True), "name")
