"""Task search: full-text plus filters and sorts, keyset-paged, tuned for a million tasks."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from time import monotonic
from typing import Any, NamedTuple

from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection, connections, router
from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date
from django_countries import countries

from accounts.models import Organization
from core import joins, limits
from core.lookups import AnyOf
from core.memo import Memo
from core.queries import CompiledQuery
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


# What the browse page calls each filter, for the sentences saying what was left out.
# The budget filters compare amounts in one currency and list only tasks priced in it: there are no
# exchange rates in the product, and comparing a typed 1,000 with a task's ¥1,000 or £1,000 as if they
# were the same money would answer a question nobody asked. The labels name it wherever a bound is typed.
BUDGET_FILTER_CURRENCY = "EUR"

FILTER_LABELS = {
    "budget_type": "Budget type",
    "budget_min": f"Budget from ({BUDGET_FILTER_CURRENCY})",
    "budget_max": f"Budget up to ({BUDGET_FILTER_CURRENCY})",
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

        def left_out(name: str, text: str, what: str) -> None:
            if text:
                shown = text if len(text) <= 40 else text[:40] + "…"
                refused.append(f"{FILTER_LABELS[name]}: “{shown}” is not {what}, so it was left out.")

        def get_amount(name: str) -> int | None:
            text = get(name)
            if not (text.isascii() and text.isdigit()) or len(text) > len(str(limits.MAX_AMOUNT)):
                left_out(name, text, "an amount this search can use")
                return None
            value = int(text)
            if value > limits.MAX_AMOUNT:
                left_out(name, text, "an amount this search can use")
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
            budget_min=get_amount("budget_min"),
            budget_max=get_amount("budget_max"),
            location_type=get_choice("location_type", LocationType.values, "a kind of location"),
            country=get_country(),
            city=get("city")[: limits.CITY],
            deadline_before=get_date("deadline_before"),
            posted_since=get_date("posted_since"),
            sort=get_choice("sort", SORTS, "a way to sort"),
        )
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
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.q else "newest")

    def is_empty(self) -> bool:
        return not self.as_params()


# Dates a filter can mean; beyond them a date turned into a moment in the
# current time zone can fall outside what Python and PostgreSQL represent.
_FIRST_DAY, _LAST_DAY = date(1900, 1, 1), date(9000, 12, 31)


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
    if filters.budget_min is not None or filters.budget_max is not None:
        parts["budget_amount"] = Q(currency=BUDGET_FILTER_CURRENCY)
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


def task_search_query(q: str) -> SearchQuery:
    """The user's words as a web-search query: ``"exact phrase"``, ``or``, ``-excluded``."""
    return SearchQuery(q, config="english", search_type="websearch")


def matching_tasks(*, filters: TaskFilters, organization: Organization | None) -> QuerySet[Task]:
    """Open tasks ``organization`` may see that match ``filters`` (words included), unordered."""
    queryset = visible_tasks(organization=organization).filter(_filtered(filters))
    if filters.q:
        queryset = queryset.filter(search_vector=task_search_query(filters.q))
    return queryset


# Each sort: the ordering, and the (field, descending) pairs its keyset compares.
_ORDERINGS: dict[str, list[tuple[str, bool]]] = {
    # Title matches (tier 1) before description-only matches (tier 2), newest first within a tier.
    "relevance": [("tier", False), ("published_at", True), ("id", True)],
    "newest": [("published_at", True), ("id", True)],
    "budget_high": [("budget_amount", True), ("id", True)],
    "budget_low": [("budget_amount", False), ("id", False)],
    "deadline": [("deadline", False), ("id", False)],
}


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


COMMON_WORDS = 0.005  # words in at least this share of tasks are looked for by scanning


# Relevance is a tiered rank, exact for every match: tasks whose title alone
# matches the words (tier 1) before those the description matches (tier 2),
# newest first within a tier; each tier is found the way the newest sort
# finds words (bounded walks, bands, the full-text indexes), tier 1 through
# a full-text index of the titles (migration 0005), and one keyset cursor
# runs across both. (It replaced ``ts_rank`` of the matches among the newest
# 5,000 open tasks: ranking all 300,000 matches of a common word takes
# seconds, so the first page differed from an exact ranking in 33-47 % of
# common-word searches, and paging ended with the window: a median of 1.1 %
# of the matches could be reached. See docs/benchmarks.md, 16.)
TIERS = (1, 2)


@dataclass
class TaskPage:
    tasks: list[Task]
    next_cursor: str | None
    sort: str


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date | datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: str) -> list[Any] | None:
    """The sort values of the last row seen; ``None`` when the cursor is malformed (it is then ignored)."""
    names = [name for name, _ in _ORDERINGS[sort]]
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(names):
            return None
        return [_cursor_value(name, value) for name, value in zip(names, values, strict=True)]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, KeyError, OverflowError):
        return None


def _cursor_value(name: str, value: Any) -> Any:
    """One keyset value, checked against the type of its column; ValueError when it does not fit."""
    if name == "tier":
        if value in TIERS and isinstance(value, int) and not isinstance(value, bool):
            return value
    elif name == "published_at":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is not None and timezone.is_aware(moment):
            return moment
    elif name == "deadline":
        day = parse_date(value) if isinstance(value, str) else None
        if day is not None:
            return day
    elif isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    raise ValueError(f"bad cursor value for {name}")


def _after(values: list[Any], ordering: list[tuple[str, bool]]) -> Q:
    """Rows strictly after ``values`` in ``ordering``.

    Spelled out as ``a < x OR (a = x AND id < y)``, plus the redundant
    ``a <= x`` that lets PostgreSQL start the index scan at the cursor
    instead of filtering every row before it.
    """
    condition = Q()
    for index, (name, descending) in enumerate(ordering):
        step = Q(**{f"{name}__lt" if descending else f"{name}__gt": values[index]})
        for prior_index in range(index):
            step &= Q(**{ordering[prior_index][0]: values[prior_index]})
        condition |= step
    first, descending = ordering[0]
    return Q(**{f"{first}__lte" if descending else f"{first}__gte": values[0]}) & condition


def _words_match(q: str, *, indexed: bool) -> Q:
    """The full-text condition; ``indexed=False`` spells it so the GIN index is not used.

    Among a bounded set of rows, testing each row's vector is cheaper than
    fetching every match of a common word through the index.
    """
    if indexed:
        return Q(search_vector=task_search_query(q))
    return Q(SearchVectorExact(_unindexed_vector(), task_search_query(q)))


def _words_in_band(q: str) -> Q:
    """The full-text condition for a band of the sort key, spelled so PostgreSQL ANDs the two indexes.

    PostgreSQL guesses a phrase or several words that must all appear to be
    far rarer than they are ("year-end accounts": 199 tasks guessed, 41,000
    found), and then skips the band's range and reads every match. Its guess
    for one word is right, so the index is asked for the rarest word that
    must appear and the whole query is tested on the band's rows that hold it.
    Two separate words (no phrase) ask for the two rarest, each guessed on its
    own: two common words seldom together ("booking website": 125,000 and
    148,000 open tasks, 26,000 with both) otherwise test every band row that
    holds one of them (the cheapest-first bands of that search: 300 ms, 90 ms
    this way).
    """
    tree, lexemes = _query_lexemes(q)
    if not lexemes or "|" in tree:
        return _words_match(q, indexed=True)
    shares = _lexeme_shares(lexemes)
    rarest = sorted(set(lexemes), key=shares.__getitem__)
    condition = Q(search_vector=_lexeme_query(rarest[0]))
    if len(rarest) > 1 and "<" not in tree:  # a phrase's words follow each other: "<->", "<2>"
        condition &= Q(search_vector=_lexeme_query(rarest[1]))
    return condition & _words_match(q, indexed=False)


def _sorted_without_index(ordering: list[tuple[str, bool]]) -> list[Any]:
    """The same order, spelled so no index produces it: PostgreSQL fetches the (few) matches and sorts them.

    The sort keys are never null, so flipping where nulls go changes nothing
    but the plan: an index walk could otherwise read the whole index looking
    for a page of rare matches.
    """
    (first, descending), *rest = ordering
    key = F(first).desc(nulls_last=True) if descending else F(first).asc(nulls_first=True)
    return [key, *(f"-{name}" if desc else name for name, desc in rest)]


def _order_by(ordering: list[tuple[str, bool]]) -> list[str]:
    return [f"-{name}" if descending else name for name, descending in ordering]


def load_tasks(
    ids: list[int] | QuerySet[Task, Any], ordering: list[tuple[str, bool]], *, brief: bool = False
) -> list[Task]:
    """Tasks by id in ``ordering``, with the organization and category their cards and pages show.

    A search's page of rows, and the task page's one task. ``ids`` is a list or a subquery of ids.
    ``brief`` leaves each task's description out (deferred), for lists that show the excerpt: a
    page of 25 tasks with descriptions at their limit would read 1.25 MB it never shows.
    What ``filter(pk__in=ids).select_related("category", "organization").defer("search_vector")``
    loads, through SQL written once per ordering (``core.joins``): the ORM's building of that query
    and of its 75 instances took 2.3 ms of Python for a page of 25 whose query takes 0.8 ms (1.5 ms
    this way).
    """
    if isinstance(ids, list) and not ids:
        return []  # as pk__in=[]: no query
    database = router.db_for_read(Task)
    select, tables = _rows_query(tuple(ordering), database, brief)
    if isinstance(ids, list):
        sql, params = select.format(ids="= ANY(%s)"), [ids]
    else:
        subquery, subquery_params = ids.query.sql_with_params()
        sql, params = select.format(ids=f"IN ({subquery})"), list(subquery_params)
    with connections[database].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    rows = []
    for row in found:
        task, category, organization = joins.instances(tables, row, database)
        joins.relate(task, "category", category)
        joins.relate(task, "organization", organization)
        rows.append(task)
    return rows


@functools.cache
def _rows_query(
    ordering: tuple[tuple[str, bool], ...], database: str, brief: bool
) -> tuple[str, tuple[joins.Columns, ...]]:
    """The SQL of :func:`load_tasks` for ``ordering`` (with ``{ids}`` where the ids' condition goes), and its tables."""
    left_out = ["search_vector", "description"] if brief else ["search_vector"]
    tables = (
        joins.Columns.of(Task, "t", database=database, leave_out=left_out),
        joins.Columns.of(Category, "c", database=database),
        joins.Columns.of(Organization, "o", database=database),
    )
    t, c = functools.partial(joins.table, database=database), functools.partial(joins.column, database=database)
    order = ", ".join(f"t.{c(Task, name)} {'DESC' if descending else 'ASC'}" for name, descending in ordering)
    sql = (
        f"SELECT {joins.select_list(tables)} FROM {t(Task)} t"  # noqa: S608 - our own names
        f" JOIN {t(Category)} c ON c.{c(Category, 'id')} = t.{c(Task, 'category')}"
        f" JOIN {t(Organization)} o ON o.{c(Organization, 'id')} = t.{c(Task, 'organization')}"
        f" WHERE t.{c(Task, 'id')} {{ids}} ORDER BY {order}"
    )
    return sql, tables


def search_tasks(
    *,
    filters: TaskFilters,
    organization: Organization | None,
    cursor: str = "",
    page_size: int = DEFAULT_PAGE_SIZE,
    brief: bool = False,
) -> TaskPage:
    """One page of open tasks matching ``filters`` that ``organization`` may see; ``brief`` pages
    leave each task's description out (see :func:`load_tasks`).

    Every sort is exact and sees every match, whatever the page size.
    Relevance is a tiered rank (see :data:`TIERS`): tasks whose title
    matches the words first, then those whose description does, newest
    first within each. A malformed cursor is ignored: the first page comes
    back. Two queries as a rule (the walk and the page's rows), three when
    filters are sparse; words take two as a rule and at most nine (two per
    band), relevance at most twice that (one search per tier, the second
    only when the first tier runs out on the page), never more with more
    rows. Words also cost one query the first time a process sees them
    (cached) and one every ten minutes to re-read the statistics: compare
    query counts with the words already seen.
    """
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    sort = filters.effective_sort
    if sort == "relevance" and not filters.q:
        sort = "newest"
    values = decode_cursor(cursor, sort=sort) if cursor else None
    now = timezone.now()
    wanted = page_size + 1
    if sort != "relevance":
        words = _all_words(filters.q) if filters.q else None
        where = _Where.of(filters, organization, now=now, ordering=_ORDERINGS[sort], after=values)
        rows = _in_order(where, words=words, wanted=wanted, brief=brief)
        return _page(rows, page_size=page_size, ordering=_ORDERINGS[sort], sort=sort)
    # One tier after the other, each the newest sort of its own matches; the cursor says which tier
    # the last row came from, so a later page skips the tiers before it.
    rows = []
    walks: dict[Any, Any] = {}
    for tier, words in zip(TIERS, _tiers(filters.q), strict=True):
        if values is not None and tier < values[0]:
            continue
        after = values[1:] if values is not None and tier == values[0] else None
        where = _Where.of(filters, organization, now=now, ordering=_ORDERINGS["newest"], after=after)
        found = _in_order(where, words=words, wanted=wanted - len(rows), walks=walks, brief=brief)
        for task in found:
            task.tier = tier  # type: ignore[attr-defined]
        rows += found
        if len(rows) >= wanted:
            break
    return _page(rows, page_size=page_size, ordering=_ORDERINGS["relevance"], sort=sort)


def _in_order(
    where: _Where, *, words: _Words | None, wanted: int, walks: dict[Any, Any] | None = None, brief: bool = False
) -> list[Task]:
    """The first ``wanted`` open tasks of ``where`` (in its order, after its cursor) that meet ``words``.

    ``walks`` keeps the common words' first walk for the next call of the same search: relevance's
    tiers walk the same candidates (the filters are the same; only the words tested on them differ).
    """
    ordering, values = list(where.ordering), where.after[0] if where.after else None
    rows: list[Task] = []
    past: Q | None = Q()  # the candidates not looked at yet; None once all were
    if words is None:
        # 1. The next candidates in order, from a bounded walk that checks the filters on index entries.
        found, walked_to = _walk(where, examined=WALK, wanted=wanted)
        if found and walked_to is not None:
            # Some matches but not a page: the filters thin out here (or go against the order), walk further.
            more, walked_to = _walk(where.then(walked_to), examined=WALK * BAND_GROWTH, wanted=wanted - len(found))
            found += more
        rows = load_tasks([pk for pk, _ in found], ordering, brief=brief)
        past = None if walked_to is None else _after(walked_to, ordering)
    elif words.frequency >= COMMON_WORDS:
        # 1. The next SCAN_WINDOW candidates in order that pass the filters (a bounded walk), their
        # rows tested against the words.
        key = (tuple(ordering), None if values is None else tuple(values))
        if walks is not None and key in walks:
            found, walked_to = walks[key]
        else:
            found, walked_to = _walk(where, examined=WALK, wanted=SCAN_WINDOW)
            if walks is not None:
                walks[key] = (found, walked_to)
        # The ids as one array parameter (see core.lookups.AnyOf).
        tested = Task.objects.filter(AnyOf(F("pk"), [pk for pk, _ in found])).filter(words.on_rows)
        rows = load_tasks(tested.order_by(*_order_by(ordering)).values("pk")[:wanted], ordering, brief=brief)
        edge: tuple[Any, ...] | None = None  # where ``past`` starts, naming the bands' edges (_band_edge)
        if walked_to is not None:
            past, edge = _after(walked_to, ordering), tuple(walked_to)
        elif len(found) == SCAN_WINDOW:
            past, edge = _after([found[-1][1], found[-1][0]], ordering), (found[-1][1], found[-1][0])
        else:
            past = None
        # 2. Words and order go together (the cheapest tasks seldom need a website): search bands of
        # the next open tasks, each BAND_GROWTH times wider than the one before, up to WIDE_WINDOW in
        # all. In a band the full-text index, the filters' indexes and the range of the sort key narrow
        # each other down before any row is read, and a narrow band keeps the rows read few.
        # Sparse filters (the walk did not fill its window) skip the bands: their candidates are few.
        name, descending = ordering[0]
        width, reach = SCAN_WINDOW * BAND_GROWTH, WIDE_WINDOW if len(found) == SCAN_WINDOW else 0
        if not rows and past is not None and name == "published_at":
            # Not one match among the newest candidates: the words are rare under these filters, and
            # age has nothing to do with it, so bands of the newest tasks would each read the words'
            # whole index again to find next to nothing (four bands of "booking website" under a
            # budget: 350 ms). One query through the full-text indexes (with the category and the
            # country in them since migration 0008) finds the few matches: 30-100 ms. It starts over
            # from ``start`` (the rows walked hold no match): a range of the sort key would steer
            # PostgreSQL to the category's B-tree and the whole word's index instead (65 ms for
            # "monthly" in IT support as a supplier, 6 ms this way).
            reach, past = 0, Q()
        while len(rows) < wanted and past is not None and reach > 0:
            width = max(1, min(width, reach))
            wide = _band_edge(past, edge, ordering=ordering, width=width)
            band = Task.objects.filter(where.candidates, past, words.in_band)
            if wide is not None:
                band = band.filter(_within(name, descending, wide))
            ids = band.order_by(*_sorted_without_index(ordering)).values("pk")[: wanted - len(rows)]
            rows += load_tasks(ids, ordering, brief=brief)
            past = None if wide is None else Q(**{f"{name}__lt" if descending else f"{name}__gt": wide})
            edge = None if wide is None else (wide,)
            reach -= width
            width *= BAND_GROWTH
    if len(rows) < wanted and past is not None:
        # 3. Sparse filters, rare words, or what is still missing: the matches come through the
        # filters' and the full-text index (few, or the steps above would have filled the page), sorted.
        beyond = Task.objects.filter(where.candidates, past)
        if words is not None:
            beyond = beyond.filter(words.indexed)
        ids = beyond.order_by(*_sorted_without_index(ordering)).values("pk")[: wanted - len(rows)]
        rows += load_tasks(ids, ordering, brief=brief)
    return rows


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


@dataclass(frozen=True)
class _Words:
    """Which tasks the user's words match, spelled for each step of a search."""

    frequency: float  # about what share of tasks match: common words are looked for by scanning candidates
    on_rows: Q  # tested on rows already chosen, no index
    indexed: Q  # every match, through a full-text index (and the filters' indexes)
    in_band: Q  # within a band of the sort key, the full-text index ANDed with the key's range


def _all_words(q: str) -> _Words:
    """Tasks whose title or description matches the words."""
    on_rows = _words_match(q, indexed=False)
    if _only_exclusions(q):
        # Only excluded words ("-booked"): nearly every task matches and no index finds them, so
        # they are tested on the rows the walks and the filters' indexes choose. (Through the
        # full-text index, ``!'book'`` reads the whole index and then every row: 2.8-3.9 s.)
        return _Words(frequency=1.0, on_rows=on_rows, indexed=on_rows, in_band=on_rows)
    return _Words(
        frequency=word_frequency(q), on_rows=on_rows, indexed=_words_match(q, indexed=True), in_band=_words_in_band(q)
    )


def _tiers(q: str) -> tuple[_Words, _Words]:
    """Relevance's tiers: the tasks whose title alone matches the words, then the other matches.

    "The title alone matches" is the query tested on the title's lexemes
    (weight A of ``search_vector``, see :class:`TitleLexemes`); a match must
    also match as a whole, which only differs for excluded words ("audit
    -berlin" with Berlin in the description is no match at all).
    """
    every = _all_words(q)
    query = task_search_query(q)
    title_on_rows = Q(SearchVectorExact(TitleLexemes(_unindexed_vector()), query))
    if _only_exclusions(q):  # tested on rows, as for every match (see _all_words)
        title_indexed = title_in_band = every.on_rows & title_on_rows
        title_frequency = 1.0
    else:
        title_indexed = Q(SearchVectorExact(TitleLexemes(F("search_vector")), query)) & every.on_rows
        lexeme = _rarest_required_lexeme(q, titles=True)
        title_in_band = title_indexed
        if lexeme is not None:
            title_in_band = Q(SearchVectorExact(TitleLexemes(F("search_vector")), _lexeme_query(lexeme)))
            title_in_band &= title_on_rows & every.on_rows
        title_frequency = word_frequency(q, titles=True)
    in_title = _Words(
        frequency=title_frequency,
        on_rows=every.on_rows & title_on_rows,
        indexed=title_indexed,
        in_band=title_in_band,
    )
    elsewhere = _Words(
        frequency=every.frequency,
        on_rows=every.on_rows & ~title_on_rows,
        indexed=every.indexed & ~title_on_rows,
        in_band=every.in_band & ~title_on_rows,
    )
    return in_title, elsewhere


class TitleLexemes(Func):
    """The title's lexemes: those of weight A in ``search_vector`` (see ``Task.search_vector``).

    The same lexemes at the same positions as ``to_tsvector('english',
    title)``, so phrases match as they would in the title alone, without
    parsing the title again; migration 0005 indexes this expression.
    """

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a}'::\"char\"[])"
    output_field = SearchVectorField()


def _unindexed_vector() -> Coalesce:
    """``search_vector`` spelled so that no index matches it: the condition is tested on each row."""
    return Coalesce(F("search_vector"), Value("", output_field=SearchVectorField()))


def _lexeme_query(lexeme: str) -> SearchQuery:
    """One lexeme, as it is (already stemmed), as a full-text query."""
    return _LexemeQuery("'{}'".format(lexeme.replace("'", "''")))


class _LexemeQuery(SearchQuery):
    """A ``tsquery`` literal of one lexeme.

    Not ``to_tsquery``: its parser splits "year-end" into the phrase
    ``'year-end' <-> 'year' <-> 'end'``, which PostgreSQL guesses 17 titles
    hold (19,785 do), so a band skipped the sort key's range and read 18,800
    table pages (75 ms warm; seconds from disk).
    """

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **kwargs: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[-1])
        return f"({sql})::tsquery", params


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
        return tuple(name for name in _FILTER_STAND_INS if getattr(self.filters, name) not in (None, "", []))

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
        values = {name: getattr(self.filters, name) for name in self._filter_names()}
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


def _within(name: str, descending: bool, bound: Any) -> Q:
    """Rows whose first sort key comes no later than ``bound``."""
    return Q(**{f"{name}__gte" if descending else f"{name}__lte": bound})


@functools.lru_cache(maxsize=2048)
def _query_lexemes(q: str) -> tuple[str, tuple[str, ...]]:
    """The index-searchable part of the user's words (PostgreSQL's ``querytree``) and its lexemes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT querytree(websearch_to_tsquery('english'::regconfig, %s))", [q])
        tree = cursor.fetchone()[0] or ""
    return tree, tuple(lexeme.replace("''", "'") for lexeme in re.findall(r"'((?:[^']|'')*)'", tree))


# Where ANALYZE keeps each vocabulary's statistics: the search vector of all tasks, and (migration
# 0005's expression index) their titles' lexemes, each re-read every 10 minutes.
_STATISTICS = {False: ("marketplace_task", "search_vector"), True: ("task_open_title_gin", "ts_filter")}


_lexeme_stats: dict[bool, dict[str, Any]] = {
    titles: {"loaded": -math.inf, "frequencies": {}, "floor": 0.0} for titles in _STATISTICS
}


def _lexeme_frequencies(*, titles: bool = False) -> tuple[dict[str, float], float]:
    """Share of tasks (or of titles) holding each common lexeme, from ``ANALYZE``'s statistics."""
    stats = _lexeme_stats[titles]
    if monotonic() - stats["loaded"] > 600:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
                list(_STATISTICS[titles]),
            )
            row = cursor.fetchone()
        lexemes, frequencies = (row[0] or [], row[1] or []) if row else ([], [])
        stats.update(
            loaded=monotonic(),
            frequencies=dict(zip(lexemes, frequencies, strict=False)),
            # After the per-lexeme figures come the lowest and highest of them.
            floor=frequencies[len(lexemes)] if len(frequencies) > len(lexemes) else 0.0,
        )
    return stats["frequencies"], stats["floor"]


def word_frequency(q: str, *, titles: bool = False) -> float:
    """About what share of tasks (or titles) the words match, to choose how to find them (never what is found).

    Words that must all appear match at most as often as the rarest of them:
    unlike PostgreSQL's estimate, which multiplies their frequencies, this
    holds for words that go together ("help desk", "trade fair"). Words
    joined by "or" add up. A lexeme the statistics do not list is rarer than
    every one they do.
    """
    tree, lexemes = _query_lexemes(q)
    if _only_exclusions(q):  # nearly everything matches
        return 1.0
    if not lexemes:
        return 0.0
    shares = _lexeme_shares(lexemes, titles=titles)
    return min(1.0, sum(shares.values())) if "|" in tree else min(shares.values())


def _only_exclusions(q: str) -> bool:
    """Whether no index can find the words' matches: only excluded words ("-booked"), or ORed with one."""
    return _query_lexemes(q)[0].strip() == "T"


def _rarest_required_lexeme(q: str, *, titles: bool = False) -> str | None:
    """The rarest lexeme every match holds; ``None`` when the words have alternatives ("or") or none."""
    tree, lexemes = _query_lexemes(q)
    if not lexemes or "|" in tree:
        return None
    shares = _lexeme_shares(lexemes, titles=titles)
    return min(shares, key=shares.__getitem__)


def _lexeme_shares(lexemes: tuple[str, ...], *, titles: bool = False) -> dict[str, float]:
    """Each lexeme's share of tasks; one the statistics do not list is rarer than every one they do."""
    frequencies, floor = _lexeme_frequencies(titles=titles)
    return {lexeme: frequencies.get(lexeme, floor / 2) for lexeme in lexemes}


def _page(
    rows: list[Task], *, page_size: int, ordering: list[tuple[str, bool]], sort: str, extra: list[Any] | None = None
) -> TaskPage:
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, name) for name, _ in ordering] + (extra or []))
    return TaskPage(tasks=rows, next_cursor=next_cursor, sort=sort)


def saved_search_new_tasks(
    *,
    filters: TaskFilters,
    organization: Organization,
    published_after: datetime,
    published_until: datetime,
    limit: int,
) -> list[Task]:
    """Tasks published in ``(published_after, published_until]`` matching a saved search, newest first.

    What the organization may see while browsing, minus its own tasks (a
    digest of your own postings is noise).
    """
    return list(
        matching_tasks(filters=filters, organization=organization)
        .filter(published_at__gt=published_after, published_at__lte=published_until)
        .exclude(organization=organization)
        .select_related("category")
        .order_by("-published_at", "-id")[:limit]
    )
