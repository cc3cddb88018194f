"""The bounded walk: how a search finds its page among a million tasks without scanning them all.

It walks the sort's index a window at a time (:data:`WALK` rows, then bands :data:`BAND_GROWTH` times wider
up to :data:`WIDE_WINDOW`), testing the filters and words on each row, and compiles each shape of walk once."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import Organization
from core.memo import Memo
from core.queries import CompiledQuery
from marketplace.models import (
    Task,
    TaskStatus,
)
from marketplace.selectors.search.cursors import _after, _order_by
from marketplace.selectors.search.filters import TaskFilters, _filtered, _filters_by_column, _visible

# How search stays fast at a million tasks (see docs/benchmarks.md).
#
# Migration 0003 gives each sort a covering index of open tasks holding every
# column the filters and the visibility rule read, so the filters can be
# checked on index entries without reading the table.
#
# PostgreSQL's own plans fail when its guess of how many tasks match is far
# off: it walks a sort index expecting a page within a few thousand entries
# when nothing matches (a category's skill in another category: 730,000
# entries read), or it multiplies the frequencies of several words, so
# "help desk" looks ten times rarer than it is and a plan built on that
# reads 50,000 rows to show 20. So the search bounds each step itself:
#
# 1. A bounded walk (see _walk): the next WALK open tasks in sort order,
#    filters checked on the index entries, stopping at a full page. Most
#    searches without words end here; some matches but not a page walk on,
#    BAND_GROWTH times further.
# 2. Filters still short of a page are sparse: their few matches come
#    through the filters' own indexes and are sorted.
# Words need each candidate's row (the vector is too large to index beside
# the sort key). The search decides from the statistics (see word_frequency):
# - common words: the next SCAN_WINDOW candidates that pass the filters
#   (from a bounded walk) have their rows tested; most searches end here. If
#   words and order go together (the cheapest tasks seldom need a website),
#   bands of the next open tasks, BAND_GROWTH times wider each time and
#   WIDE_WINDOW tasks in all, are searched in turn: in a band the full-text
#   index, the filters' indexes and the key's range narrow each other down
#   before rows are read, and a narrow band keeps the rows read few;
# - rare words, and whatever is still missing: their matches come through
#   the full-text index and the filters' indexes, and are sorted.
# Every step is exact: together they see every candidate once, in order.
WALK = 20_000  # open tasks a bounded walk looks at before the search takes another way


SCAN_WINDOW = 2000  # candidates whose rows are tested for common words


WIDE_WINDOW = 200_000  # how far the bands reach, in open tasks


BAND_GROWTH = 5  # each band is this many times wider than the one before (the first: SCAN_WINDOW times this)


# Band edges recently found, per process: the same for every search that starts a band at the same
# place (every unfiltered search by budget or deadline does), and any edge is correct, only more or
# less quick, so a minute-old one serves. Each OFFSET walk of the sort key's index costs 2-20 ms.
_BAND_EDGES: Memo[dict[Any, Any]] = Memo(dict, seconds=60)


def _band_edge(past: Q, edge: tuple[Any, ...] | None, *, ordering: list[tuple[str, bool]], width: int) -> Any:
    """The sort key ``width`` open tasks into ``past`` (None when fewer are left): where a band ends."""
    name = ordering[0][0]
    key = None if edge is None else (tuple(ordering), edge, width)
    edges = _BAND_EDGES.get()
    if key is not None and key in edges:
        return edges[key]
    ahead = Task.objects.filter(past, status=TaskStatus.OPEN).order_by(*_order_by(ordering))
    wide = next(iter(ahead.values_list(name, flat=True)[width - 1 : width]), None)
    if key is not None:
        if len(edges) >= 5_000:
            edges.clear()
        edges[key] = wide
    return wide


# Filters that go with a sort key have an index with it (migration 0004): budgets go with the
# category (payroll work is cheaper than software), so a category's cheapest tasks can lie past
# the first 100,000 open tasks by budget, and a walk by budget starts within the category.
_FILTERS_ALONG_KEY = {"budget_amount": ("category_id",)}


def _walk_start(filters: TaskFilters, ordering: list[tuple[str, bool]]) -> Q:
    """Where a walk in ``ordering`` starts and ends: the filters on its key, and those that go with it.

    These become the index scan's bounds; they stay among the conditions too.
    """
    key = ordering[0][0]
    by_column = _filters_by_column(filters)
    start = Q()
    for column in (key, *_FILTERS_ALONG_KEY.get(key, ())):
        start &= by_column.get(column, Q())
    return start


def _walk(where: _Where, *, examined: int, wanted: int) -> tuple[list[tuple[int, Any]], list[Any] | None]:
    """The first ``wanted`` open tasks of ``where`` among the next ``examined`` from its start, in order.

    Returns their (id, first sort key) pairs, and where to go on: the sort
    values of the last task looked at when all ``examined`` were looked at
    short of ``wanted``; ``None`` when the walk filled its page or ran out
    of open tasks.
    """
    sql, params = _numbered_walk(where, examined=examined)
    query = f"SELECT id, key, meets, n FROM ({sql}) AS s WHERE meets OR n = %s LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, examined, wanted + 1])
        rows = cursor.fetchall()
    found = [(pk, key) for pk, key, meets, _ in rows if meets][:wanted]
    last = next(([key, pk] for pk, key, _, n in rows if n == examined), None)
    return found, last if len(found) < wanted else None


def _numbered_walk(where: _Where, *, examined: int) -> tuple[str, list[Any]]:
    """SQL of the next ``examined`` open tasks of ``where`` from its start, in order: id, first sort
    key, and ``meets`` (its conditions) and ``n`` (its place).

    One index-only scan of a covering index: the conditions are checked on
    its entries, and the scan stops after ``examined`` of them whatever
    PostgreSQL guesses about how many match (it does not move a LIMIT out of
    a subquery), so sparse conditions cost a bounded walk, not the index.
    The query reading it stops the scan earlier as soon as it has its rows.

    Every search starts with this query, and the ORM took 1.5-2 ms to build and compile it (the
    visibility rule's subquery, the filters, the cursor) around a walk PostgreSQL answers in about
    a millisecond; so its SQL is compiled once per process and shape (which filters, which order,
    how many cursors: :meth:`_Where.shape`) with stand-in values, and run with each search's own.
    """
    shape = where.shape(examined)
    if shape is None:
        sql, ran_with = _window(where, examined).query.sql_with_params()
        params = list(ran_with)
    else:
        sql, params = _compiled_walk(shape).sql(**where.values())
    return f"SELECT w.*, row_number() OVER () AS n FROM ({sql}) AS w (id, key, meets)", params  # noqa: S608


def _window(where: _Where, examined: int) -> QuerySet[Task, Any]:
    """The walk's window as a queryset: the ORM's SQL, every value a parameter."""
    return (
        Task.objects.filter(where.start(), status=TaskStatus.OPEN)
        .annotate(meets=ExpressionWrapper(where.conditions(), output_field=BooleanField()))
        .order_by(*_order_by(list(where.ordering)))
        .values_list("pk", where.ordering[0][0], "meets")[:examined]
    )


@functools.lru_cache(maxsize=512)
def _compiled_walk(shape: _Shape) -> CompiledQuery[Task]:
    """The walk of ``shape``, compiled once from stand-in values (see :class:`core.queries.CompiledQuery`)."""
    return CompiledQuery(
        Task, lambda **values: _window(_Where.from_values(shape, values), shape.examined), **_Where.stand_ins(shape)
    )


class _Shape(NamedTuple):
    """What a walk's SQL depends on besides its parameters' values (see :meth:`_Where.shape`)."""

    filters: tuple[str, ...]  # the filters set, each one parameter
    skills: int  # each skill is a parameter of its own
    anonymous: bool  # no organization: no invitations to look for
    ordering: tuple[tuple[str, bool], ...]
    floor: bool  # the deadline sort's first day
    cursors: int  # how many cursors the candidates come after
    examined: int  # the walk's length, written into the SQL as its LIMIT


# Values no search can hold, one per kind, so each reaches the compiled walk's parameters as itself.
_FILTER_STAND_INS: dict[str, Any] = {
    "category": "\x00category",
    "budget_type": "\x00budget_type",
    "budget_min": -9_000_000_000_001,
    "budget_max": -9_000_000_000_002,
    "currency": "\x00currency",  # the bounds': set whenever one is (see TaskFilters.budget_currency)
    "location_type": "\x00location_type",
    "country": "\x00country",
    "city": "\x00city",
    "deadline_before": date(1900, 1, 2),
}


_STAND_IN_NOW = datetime(1900, 1, 1, 0, 0, 59, tzinfo=UTC)


_STAND_IN_FLOOR = date(1900, 1, 3)


_STAND_IN_ORGANIZATION = -9_000_000_000_100


def _cursor_stand_in(name: str, index: int) -> Any:
    if name == "published_at":
        return datetime(1900, 1, 1, 0, 1, index, tzinfo=UTC)
    if name == "deadline":
        return date(1900, 2, 1 + index)
    return -9_000_000_000_200 - index


@dataclass(frozen=True)
class _Where:
    """What a search's candidates meet, apart from its words: the filters, who looks and when, the order,
    and the cursors they come after (a walk that goes on adds the place it stopped)."""

    filters: TaskFilters
    organization: Organization | None
    now: datetime
    ordering: tuple[tuple[str, bool], ...]
    floor: date | None  # the deadline sort's first day
    after: tuple[tuple[Any, ...], ...] = ()

    @classmethod
    def of(
        cls,
        filters: TaskFilters,
        organization: Organization | None,
        *,
        now: datetime,
        ordering: list[tuple[str, bool]],
        after: list[Any] | None,
    ) -> _Where:
        # Bidding closes by the deadline, so an open task's deadline is not before today: the scan
        # of the deadline index starts there instead of skipping every stale task. A day's slack
        # covers time zones.
        floor = timezone.localdate(now) - timedelta(days=1) if ordering[0][0] == "deadline" else None
        return cls(filters, organization, now, tuple(ordering), floor, () if after is None else (tuple(after),))

    def then(self, walked_to: list[Any]) -> _Where:
        """The same candidates after the place a walk stopped."""
        return replace(self, after=(*self.after, tuple(walked_to)))

    def conditions(self) -> Q:
        return _visible(self.organization, now=self.now) & _filtered(self.filters)

    @functools.cached_property
    def candidates(self) -> Q:
        """The open tasks from the start that meet the conditions: built (about half a millisecond of
        ORM work) only when a step needs them, and once, however many bands read them."""
        return Q(self.start(), self.conditions(), status=TaskStatus.OPEN)

    def start(self) -> Q:
        ordering = list(self.ordering)
        start = _walk_start(self.filters, ordering)
        if self.floor is not None:
            start &= Q(deadline__gte=self.floor)
        for values in self.after:
            start &= _after(list(values), ordering)
        return start

    # --- compiling: which values make the SQL's form, and which are only its parameters

    def _filter_names(self) -> tuple[str, ...]:
        return tuple(name for name in _FILTER_STAND_INS if _filter_value(self.filters, name) not in (None, "", []))

    def shape(self, examined: int) -> _Shape | None:
        """What the walk's SQL depends on besides its parameters; None when it is not compiled
        (a filter by the day posted, whose parameter is derived from it; a cursor holding a null)."""
        if self.filters.posted_since is not None or any(value is None for values in self.after for value in values):
            return None
        return _Shape(
            filters=self._filter_names(),
            skills=len(self.filters.skills),
            anonymous=self.organization is None,
            ordering=self.ordering,
            floor=self.floor is not None,
            cursors=len(self.after),
            examined=examined,
        )

    def values(self) -> dict[str, Any]:
        """This search's value of each of its shape's stand-ins."""
        values = {name: _filter_value(self.filters, name) for name in self._filter_names()}
        values.update({f"skill_{index}": skill for index, skill in enumerate(self.filters.skills)})
        values["now"] = self.now
        if self.organization is not None:
            values["organization"] = self.organization.pk
        if self.floor is not None:
            values["floor"] = self.floor
        for cursor, after in enumerate(self.after):
            for index, value in enumerate(after):
                values[f"after_{cursor}_{index}"] = value
        return values

    @staticmethod
    def stand_ins(shape: _Shape) -> dict[str, Any]:
        stand_ins = {name: _FILTER_STAND_INS[name] for name in shape.filters}
        stand_ins.update({f"skill_{index}": f"\x00skill {index}" for index in range(shape.skills)})
        stand_ins["now"] = _STAND_IN_NOW
        if not shape.anonymous:
            stand_ins["organization"] = _STAND_IN_ORGANIZATION
        if shape.floor:
            stand_ins["floor"] = _STAND_IN_FLOOR
        width = len(shape.ordering)
        for cursor in range(shape.cursors):
            for index, (name, _descending) in enumerate(shape.ordering):
                stand_ins[f"after_{cursor}_{index}"] = _cursor_stand_in(name, cursor * width + index)
        return stand_ins

    @classmethod
    def from_values(cls, shape: _Shape, values: dict[str, Any]) -> _Where:
        """The ``_Where`` of ``shape`` holding ``values`` (stand-ins, when compiling)."""
        organization = None if shape.anonymous else Organization(pk=values["organization"])
        after = tuple(
            tuple(values[f"after_{cursor}_{index}"] for index in range(len(shape.ordering)))
            for cursor in range(shape.cursors)
        )
        filters = TaskFilters(
            **{name: values[name] for name in shape.filters},
            skills=[values[f"skill_{index}"] for index in range(shape.skills)],
        )
        floor = values["floor"] if shape.floor else None
        return cls(filters, organization, values["now"], shape.ordering, floor, after)


def _filter_value(filters: TaskFilters, name: str) -> Any:
    """The value a filter's stand-in stands for: the currency is the one the bounds compare in (the
    default when none was named; none without a bound, which it then does not narrow)."""
    return filters.budget_currency if name == "currency" else getattr(filters, name)


def _within(name: str, descending: bool, bound: Any) -> Q:
    """Rows whose first sort key comes no later than ``bound``."""
    return Q(**{f"{name}__gte" if descending else f"{name}__lte": bound})
