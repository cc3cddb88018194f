"""The supplier directory."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Avg, Count, F, Q, QuerySet

from accounts.models import Organization
from marketplace.models import Skill

_Suppliers = TypeVar("_Suppliers", bound=QuerySet[Any])


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
    annotated = Organization.objects.annotate(
        rating=Avg("reviews_received__rating", filter=Q(reviews_received__revealed_at__isnull=False)),
        review_count=Count("reviews_received", filter=Q(reviews_received__revealed_at__isnull=False), distinct=True),
        completed_contracts=Count(
            "supplier_contracts", filter=Q(supplier_contracts__status="completed"), distinct=True
        ),
    )
    queryset = _filtered(annotated, filters=filters, exclude=exclude)
    if filters.min_rating:
        queryset = queryset.filter(rating__gte=filters.min_rating)
    return queryset.order_by(F("rating").desc(nulls_last=True), "name")


def count_suppliers(*, filters: SupplierFilters, exclude: Organization | None = None) -> int:
    """How many suppliers :func:`search_suppliers` finds, without grouping every one with its reviews
    and contracts first (which doubled the directory's time); a rating filter needs them."""
    if filters.min_rating:
        return search_suppliers(filters=filters, exclude=exclude).count()
    return _filtered(Organization.objects.all(), filters=filters, exclude=exclude).count()


def _filtered(queryset: _Suppliers, *, filters: SupplierFilters, exclude: Organization | None) -> _Suppliers:
    queryset = queryset.exclude(skills=[])
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q) | Q(headline__icontains=filters.q))
    if filters.skills:
        queryset = queryset.filter(skills__overlap=filters.skills)
    if filters.category:
        category_skills = Skill.objects.filter(category__slug=filters.category).values("slug")
        queryset = queryset.filter(skills__overlap=ArraySubquery(category_skills))
    if filters.country:
        queryset = queryset.filter(country=filters.country)
    if filters.city:
        queryset = queryset.filter(city__iexact=filters.city)
    if filters.rate_max is not None:
        queryset = queryset.filter(hourly_rate__lte=filters.rate_max)
        if filters.currency:
            queryset = queryset.filter(hourly_rate_currency=filters.currency)
    return queryset
