"""The supplier directory."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field, replace
from typing import Any, NamedTuple, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce

from accounts.models import LISTED_SUPPLIER, Organization
from accounts.selectors import supplier_count
from contracts.selectors import rated, reviewed, unreviewed, with_track_record
from core.lookups import AnyOf
from core.queries import CompiledQuery, one_or_not_found
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
    annotated = with_reply_time(with_track_record(Organization.objects.all()))
    queryset = _filtered(annotated, filters=filters, exclude=exclude)
    if filters.min_rating:
        queryset = queryset.filter(rating__gte=filters.min_rating)
    return queryset.order_by(F("rating").desc(nulls_last=True), "name")


def with_reply_time(organizations: _Suppliers) -> _Suppliers:
    """``organizations`` with their stored reply time (:class:`~marketplace.models.SupplierReplyTime`):
    ``median_reply_seconds`` (None without a reply timed) and ``reply_count``. A join on the one row
    each may have, so a page of suppliers gets it in the query that reads their other figures."""
    return organizations.annotate(
        median_reply_seconds=F("reply_time__median_seconds"), reply_count=Coalesce(F("reply_time__replies"), 0)
    )


def get_listed_supplier(*, organization_id: int) -> Organization:
    """An organization of the directory (one that offers services), by id.

    An unknown id and an organization the directory does not list (a client, one that offers
    services but names no skill) answer alike, so ids cannot be probed through it."""
    directory = _filtered(Organization.objects.all(), filters=SupplierFilters(), exclude=None)
    return one_or_not_found(directory, "No such supplier.", field="supplier", pk=organization_id)


class SupplierDirectory:
    """:func:`search_suppliers`'s rows in its order, one page at a time, for a ``Paginator``.

    Sorting every supplier by a rating averaged from its reviews grouped all of
    them (tens of thousands) with their reviews and contracts on every page
    view. Here only suppliers with a revealed review (few: they come from the
    reviews) are ranked by rating; the unrated rest follow by name, a page read
    from the partial index ``org_supplier_listed_name_idx``; then only the page's rows
    get their rating, review count, completed contracts and stored reply time, in one query
    (:data:`_FIGURES`). Ties: name, then id.
    """

    ordered = True  # for Paginator

    def __init__(self, *, filters: SupplierFilters, exclude: Organization | None = None) -> None:
        self.filters = filters
        self.exclude = exclude
        self._rated: list[int] | None = None
        # Building these querysets cost the ORM some 6 ms a page, five times PostgreSQL's share. A search
        # by name (a pattern built from the words) and one without an organization to leave out take the
        # ORM's way.
        self._compiled: _Compiled | None = None
        self._values: dict[str, Any] = {}
        if exclude is not None and not filters.q:
            shape = _Shape.of(filters)
            self._compiled = _compiled(shape)
            self._values = {**shape.values(filters), "exclude": exclude.pk}

    def count(self) -> int:
        if self._compiled is not None and self.filters.as_params():
            return self._compiled.total.count(**self._values)
        return count_suppliers(filters=self.filters, exclude=self.exclude)

    def __len__(self) -> int:
        return self.count()

    def rated_ids(self) -> list[int]:
        """Suppliers with a revealed review, best first: the join starts from those reviews."""
        if self._rated is None:
            if self._compiled is not None:
                self._rated = [pk for (pk,) in self._compiled.rated.rows(**self._values)]
            else:
                self._rated = list(_rated(self.filters, self.exclude).values_list("pk", flat=True))
        return self._rated

    def __getitem__(self, window: slice) -> list[Organization]:
        start, stop = window.start or 0, window.stop
        if stop is None or window.step is not None:
            raise TypeError("SupplierDirectory serves pages: [start:stop] only")
        rated = self.rated_ids()
        ids = rated[start:stop]
        if len(ids) < stop - start and not self.filters.min_rating:
            offset = max(0, start - len(rated))
            wanted = stop - start - len(ids)
            if self._compiled is not None:
                ids += [pk for (pk,) in self._compiled.unrated.rows(offset=offset, limit=wanted, **self._values)]
            else:
                ids += _unrated(self.filters, self.exclude).values_list("pk", flat=True)[offset : offset + wanted]
        if not ids:
            return []  # a page past the end: no query (as pk__in=[] was)
        rows: dict[int, Any] = {row.pk: row for row in _FIGURES.all(ids=ids)}
        for row in rows.values():  # what the ORM's Avg gives: a float (raw rows keep PostgreSQL's numeric)
            row.rating = None if row.rating is None else float(row.rating)
        return [rows[pk] for pk in ids]


def _rated(filters: SupplierFilters, exclude: Organization | None) -> QuerySet[Any]:
    # The filter's join is the one averaged: revealed reviews only.
    ranked = rated(_filtered(reviewed(Organization.objects.all()), filters=filters, exclude=exclude))
    if filters.min_rating:
        ranked = ranked.filter(rating__gte=filters.min_rating)
    return ranked.order_by("-rating", "name", "id")


def _unrated(filters: SupplierFilters, exclude: Organization | None) -> QuerySet[Any]:
    unrated = _filtered(Organization.objects.all(), filters=filters, exclude=exclude)
    return unreviewed(unrated).order_by("name", "id")


# --- the directory's reads compiled once per shape of filters (core.queries) --------------------------

_FIGURES = CompiledQuery(
    Organization,
    lambda ids: with_reply_time(with_track_record(Organization.objects.filter(AnyOf(F("pk"), ids)))),
    ids=[-7_401],
)

# Stand-ins no other parameter of the reads equals: text with NUL (refused where text enters), negative
# numbers, and for the rate a positive one (the ORM drops a negative bound on a positive column).
_STAND_INS = SupplierFilters(
    skills=["\x00skill"],
    category="\x00category",
    country="\x00country",
    city="\x00city",
    min_rating=-7_402,
    rate_max=987_654_321,
    currency="\x00currency",
)
_EXCLUDED = -7_404


class _Shape(NamedTuple):
    """Which filters a directory search sets: each set is another statement."""

    skills: bool
    category: bool
    country: bool
    city: bool
    min_rating: bool
    rate_max: bool
    currency: bool

    @classmethod
    def of(cls, filters: SupplierFilters) -> _Shape:
        return cls(
            skills=bool(filters.skills),
            category=bool(filters.category),
            country=bool(filters.country),
            city=bool(filters.city),
            min_rating=bool(filters.min_rating),
            rate_max=filters.rate_max is not None,
            currency=filters.rate_max is not None and bool(filters.currency),
        )

    def values(self, filters: SupplierFilters) -> dict[str, Any]:
        """The filters' values under the names of the shape's stand-ins."""
        return {name: getattr(filters, name) for name, used in self._asdict().items() if used}


class _Compiled(NamedTuple):
    total: CompiledQuery[Organization]
    rated: CompiledQuery[Organization]
    unrated: CompiledQuery[Organization]


@functools.lru_cache(maxsize=128)
def _compiled(shape: _Shape) -> _Compiled:
    """The count, the rated ids and the unrated ids of ``shape``, compiled from stand-ins."""
    stand_ins = {**shape.values(_STAND_INS), "exclude": _EXCLUDED}

    def filters_of(exclude: int, **values: Any) -> tuple[SupplierFilters, Organization]:
        return replace(SupplierFilters(), **values), Organization(pk=exclude)

    return _Compiled(
        total=CompiledQuery(Organization, lambda **v: _counted(*filters_of(**v)), **stand_ins),
        rated=CompiledQuery(Organization, lambda **v: _rated(*filters_of(**v)).values_list("pk"), **stand_ins),
        # Read only without a rating filter (which leaves the unrated out).
        unrated=CompiledQuery(
            Organization,
            lambda **v: _unrated(*filters_of(**v)).values_list("pk"),
            **{name: value for name, value in stand_ins.items() if name != "min_rating"},
        ),
    )


def count_suppliers(*, filters: SupplierFilters, exclude: Organization | None = None) -> int:
    """How many suppliers :func:`search_suppliers` finds: for the whole directory, its tally
    (:class:`accounts.models.SupplierTally`), not a count of every supplier."""
    if not filters.as_params():
        tallied = supplier_count(besides=exclude)
        if tallied is not None:
            return tallied
    return _counted(filters, exclude).count()


def _counted(filters: SupplierFilters, exclude: Organization | None) -> QuerySet[Any]:
    """What :func:`search_suppliers` finds, without grouping every supplier with its reviews and
    contracts first (which doubled the directory's time), unless a rating filter needs them."""
    if filters.min_rating:
        return search_suppliers(filters=filters, exclude=exclude).values("pk")
    return _filtered(Organization.objects.all(), filters=filters, exclude=exclude).values("pk")


def _filtered(queryset: _Suppliers, *, filters: SupplierFilters, exclude: Organization | None) -> _Suppliers:
    queryset = queryset.filter(LISTED_SUPPLIER)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q) | Q(headline__icontains=filters.q))
    if filters.skills:
        # One array parameter whatever the number of skills (a list here is spelled ARRAY[%s, %s, ...]).
        queryset = queryset.filter(skills__overlap=Cast(Value(filters.skills), ArrayField(CharField(max_length=60))))
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
