"""What a task search is asked: the browse page's filters read and refused, and the visibility and filter conditions."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.dateparse import parse_date
from django_countries import countries

from accounts.models import Organization
from core import limits
from core.money import RATE_CURRENCIES
from core.text import clean
from marketplace.models import (
    BudgetType,
    Category,
    LocationType,
    Task,
    TaskStatus,
    task_visibility,
)

SORTS = ("relevance", "newest", "budget_high", "budget_low", "deadline")


DEFAULT_PAGE_SIZE = 20


MAX_PAGE_SIZE = 100


# The budget bounds are amounts in one currency, ``currency``, and list only tasks priced in it: there
# are no exchange rates in the product, and comparing a typed 1,000 with a task's ¥1,000 or £1,000 as if
# they were the same money would answer a question nobody asked. The labels name it wherever a bound is
# typed. A bound without a currency is in euros: the links and saved searches from before there was a
# choice meant that. A currency without a bound does nothing, as the supplier directory's beside its rate.
DEFAULT_BUDGET_CURRENCY = "EUR"


# What the browse page calls each filter, for the sentences saying what was left out; the bounds' labels
# name their currency (see :func:`budget_label`).
FILTER_LABELS = {
    "budget_type": "Budget type",
    "budget_min": "Budget from",
    "budget_max": "Budget up to",
    "currency": "Budget currency",
    "location_type": "Location",
    "country": "Country",
    "deadline_before": "Deadline on or before",
    "posted_since": "Posted since",
    "sort": "Sort",
}


@dataclass
class TaskFilters:
    """The browse page's filters. Amounts are minor units; unknown or malformed values are dropped."""

    q: str = ""
    category: str = ""  # slug
    skills: list[str] = field(default_factory=list)  # slugs; a task must have all of them
    budget_type: str = ""
    budget_min: int | None = None
    budget_max: int | None = None
    currency: str = ""  # of the budget bounds (ISO 4217); with a bound, blank means DEFAULT_BUDGET_CURRENCY
    location_type: str = ""
    country: str = ""
    city: str = ""
    deadline_before: date | None = None
    posted_since: date | None = None
    sort: str = ""

    @classmethod
    def from_params(cls, params: Any) -> TaskFilters:
        """Build from a QueryDict or a plain dict (saved searches); see :meth:`read`."""
        return cls.read(params)[0]

    @classmethod
    def read(cls, params: Any) -> tuple[TaskFilters, list[str]]:
        """The filters, and a sentence for each value left out.

        The one gate of every filter, whether typed, linked or saved: values
        come out of the ranges and sizes the columns and the API schema
        accept, and without the control characters (NUL) PostgreSQL refuses.
        A value that cannot be read (an amount "abc", country "ZZ", a date
        "soon") is left out, and the browse page says so.
        """
        refused: list[str] = []

        def get(name: str) -> str:
            value = params.get(name, "")
            if isinstance(value, list):
                value = value[0] if value else ""
            return clean(value or "")[:2000].strip()

        def get_list(name: str) -> list[str]:
            if hasattr(params, "getlist"):
                values = params.getlist(name)
            else:
                raw = params.get(name, [])
                values = raw if isinstance(raw, list) else [raw]
            out: list[str] = []
            for value in values[: limits.MAX_SKILLS]:
                out.extend(part.strip()[: limits.SKILL] for part in clean(value).split(",") if part.strip())
            return out

        def left_out(name: str, text: str, what: str, *, label: str = "", dropped: str = "it was") -> None:
            if text:
                shown = text if len(text) <= 40 else text[:40] + "…"
                refused.append(f"{label or FILTER_LABELS[name]}: “{shown}” is not {what}, so {dropped} left out.")

        # The bounds are in their currency, so it is read first. An unknown one leaves the bounds
        # out with it: an amount in a currency the search cannot name is no bound at all.
        currency = get("currency").upper() or DEFAULT_BUDGET_CURRENCY
        bounded = bool(get("budget_min") or get("budget_max"))
        if currency not in RATE_CURRENCIES:
            left_out(
                "currency",
                get("currency"),
                "a currency this search can use",
                dropped="it and the budget were" if bounded else "it was",
            )
            currency, bounded = "", False

        def get_amount(name: str) -> int | None:
            text = get(name)
            label = budget_label(name, currency)
            if not (text.isascii() and text.isdigit()) or len(text) > len(str(limits.MAX_AMOUNT)):
                left_out(name, text, "an amount this search can use", label=label)
                return None
            value = int(text)
            if value > limits.MAX_AMOUNT:  # minor units of the bound's currency, as every amount column's
                left_out(name, text, "an amount this search can use", label=label)
                return None
            return value

        def get_choice(name: str, choices: Any, what: str) -> str:
            text = get(name)
            if text in choices:
                return text
            left_out(name, text, what)
            return ""

        def get_date(name: str) -> date | None:
            text = get(name)
            day = _date_or_none(text)
            if day is None:
                left_out(name, text, "a date (year-month-day)")
            return day

        def get_country() -> str:
            code = get("country").upper()
            if code in countries:
                return code
            left_out("country", get("country"), "a country")
            return ""

        filters = cls(
            q=get("q")[: limits.SEARCH_WORDS],
            category=get("category")[:80],
            skills=get_list("skills")[: limits.MAX_SKILLS],
            budget_type=get_choice("budget_type", BudgetType.values, "a budget type"),
            budget_min=get_amount("budget_min") if bounded else None,
            budget_max=get_amount("budget_max") if bounded else None,
            location_type=get_choice("location_type", LocationType.values, "a kind of location"),
            country=get_country(),
            city=get("city")[: limits.CITY],
            deadline_before=get_date("deadline_before"),
            posted_since=get_date("posted_since"),
            sort=get_choice("sort", SORTS, "a way to sort"),
        )
        # Only a bound makes the currency mean something: without one it is not kept (nor saved, nor shown).
        if filters.budget_min is not None or filters.budget_max is not None:
            filters.currency = currency
        return filters, refused

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
    def budget_currency(self) -> str | None:
        """The currency the budget bounds are in and the listed tasks are priced in; None without a bound."""
        if self.budget_min is None and self.budget_max is None:
            return None
        return self.currency or DEFAULT_BUDGET_CURRENCY

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    def is_empty(self) -> bool:
        return not self.as_params()


# Dates a filter can mean; beyond them a date turned into a moment in the
# current time zone can fall outside what Python and PostgreSQL represent.
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)


def budget_label(name: str, currency: str) -> str:
    """A budget bound's label naming its currency: "Budget from (GBP)"."""
    return f"{FILTER_LABELS[name]} ({currency})" if currency else FILTER_LABELS[name]


def _date_or_none(value: str) -> date | None:
    try:
        day = parse_date(value)
    except ValueError:
        return None
    return day if day is not None and _FIRST_DAY <= day <= _LAST_DAY else None


def visible_tasks(*, organization: Organization | None) -> QuerySet[Task]:
    """Open tasks the organization may see while browsing (anonymous: public ones)."""
    return Task.objects.filter(status=TaskStatus.OPEN).filter(_visible(organization))


def _visible(organization: Organization | None, *, now: datetime | None = None) -> Q:
    """What an open task must meet for ``organization`` to see it while browsing (at ``now``):
    taking bids, and :func:`~marketplace.models.task_visibility`'s rule for open tasks."""
    taking_bids = Q(bidding_closes_at__gt=now or timezone.now())
    return taking_bids & task_visibility(organization, open_only=True)


def _filtered(filters: TaskFilters) -> Q:
    """The filters (not the words) as one condition."""
    condition = Q()
    for part in _filters_by_column(filters).values():
        condition &= part
    return condition


def _filters_by_column(filters: TaskFilters) -> dict[str, Q]:
    """Each column's filter condition.

    Every part compares a column to a constant (a category's id by subquery,
    the start of a day as a timestamp) so the indexes serve them.
    """
    parts: dict[str, Q] = {}
    if filters.category:
        category_id = Category.objects.filter(slug=filters.category).values("pk")[:1]
        parts["category_id"] = Q(category_id=Subquery(category_id))
    if filters.skills:
        parts["skills"] = Q(skills__contains=filters.skills)
    if filters.budget_type:
        parts["budget_type"] = Q(budget_type=filters.budget_type)
    if filters.budget_currency is not None:
        # An equality on the rows the budget index already narrowed to: no index of its own (none needed
        # while the bounds lead, and the euro-only filter before it read the same column).
        parts["budget_amount"] = Q(currency=filters.budget_currency)
        if filters.budget_min is not None:
            parts["budget_amount"] &= Q(budget_amount__gte=filters.budget_min)
        if filters.budget_max is not None:
            parts["budget_amount"] &= Q(budget_amount__lte=filters.budget_max)
    if filters.location_type:
        parts["location_type"] = Q(location_type=filters.location_type)
    if filters.country:
        parts["country"] = Q(country=filters.country)
    if filters.city:
        parts["city"] = Q(city__iexact=filters.city)
    if filters.deadline_before:
        parts["deadline"] = Q(deadline__lte=filters.deadline_before)
    if filters.posted_since:
        # The same day boundary as ``published_at__date__gte`` (in the current time zone), without a cast per row.
        start = datetime.combine(filters.posted_since, datetime.min.time(), tzinfo=timezone.get_current_timezone())
        parts["published_at"] = Q(published_at__gte=start)
    return parts
