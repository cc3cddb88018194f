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
    """Organizations offering their services, with rating and completed contracts.

    The directory page reads the same rows a page at a time through :class:`SupplierDirectory`."""
    annotated = _with_directory_figures(Organization.objects.all())
    queryset = _filtered(annotated, filters=filters, exclude=exclude)
    if filters.min_rating:
        queryset = queryset.filter(rating__gte=filters.min_rating)
    return queryset.order_by(F("rating").desc(nulls_last=True), "name")


def _with_directory_figures(queryset: QuerySet[Organization]) -> QuerySet[Any]:
    return queryset.annotate(
        rating=Avg("reviews_received__rating", filter=Q(reviews_received__revealed_at__isnull=False)),
        review_count=Count("reviews_received", filter=Q(reviews_received__revealed_at__isnull=False), distinct=True),
        completed_contracts=Count(
            "supplier_contracts", filter=Q(supplier_contracts__status="completed"), distinct=True
        ),
    )


class SupplierDirectory:
    """:func:`search_suppliers`'s rows in its order, one page at a time, for a ``Paginator``.

    Sorting every supplier by a rating averaged from its reviews grouped all of
    them (tens of thousands) with their reviews and contracts on every page
    view. Here only suppliers with a revealed review (few: they come from the
    reviews) are ranked by rating; the unrated rest follow by name, a page read
    from the partial index ``org_supplier_name_idx``; then only the page's rows
    get their rating, review count and completed contracts. Ties: name, then id.
    """

    ordered = True  # for Paginator

    def __init__(self, *, filters: SupplierFilters, exclude: Organization | None = None) -> None:
        self.filters = filters
        self.exclude = exclude
        self._rated: list[int] | None = None

    def count(self) -> int:
        return count_suppliers(filters=self.filters, exclude=self.exclude)

    def __len__(self) -> int:
        return self.count()

    def rated_ids(self) -> list[int]:
        """Suppliers with a revealed review, best first: the join starts from those reviews."""
        if self._rated is None:
            reviewed = Organization.objects.filter(reviews_received__revealed_at__isnull=False)
            # The filter's join is the one averaged: revealed reviews only.
            ranked = _filtered(reviewed, filters=self.filters, exclude=self.exclude).annotate(
                rating=Avg("reviews_received__rating")
            )
            if self.filters.min_rating:
                ranked = ranked.filter(rating__gte=self.filters.min_rating)
            self._rated = list(ranked.order_by("-rating", "name", "id").values_list("pk", flat=True))
        return self._rated

    def __getitem__(self, window: slice) -> list[Organization]:
        start, stop = window.start or 0, window.stop
        if stop is None or window.step is not None:
            raise TypeError("SupplierDirectory serves pages: [start:stop] only")
        rated = self.rated_ids()
        ids = rated[start:stop]
        if len(ids) < stop - start and not self.filters.min_rating:
            offset = max(0, start - len(rated))
            unrated = _filtered(Organization.objects.all(), filters=self.filters, exclude=self.exclude).exclude(
                reviews_received__revealed_at__isnull=False
            )
            wanted = stop - start - len(ids)
            ids += unrated.order_by("name", "id").values_list("pk", flat=True)[offset : offset + wanted]
        rows = {row.pk: row for row in _with_directory_figures(Organization.objects.filter(pk__in=ids))}
        return [rows[pk] for pk in ids]


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
