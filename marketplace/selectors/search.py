"""Task search: full-text plus filters and sorts, keyset-paged, tuned for a million tasks."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from time import monotonic
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date

from accounts.models import Organization
from marketplace.models import (
    BidInvitation,
    BudgetType,
    Category,
    LocationType,
    Task,
    TaskStatus,
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
    # Every condition compares a column to a constant (a category's id by
    # subquery, the start of a day as a timestamp) so the indexes serve them.
    if filters.category:
        category_id = Category.objects.filter(slug=filters.category).values("pk")[:1]
        queryset = queryset.filter(category_id=Subquery(category_id))
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
        # The same day boundary as ``published_at__date__gte`` (in the current time zone), without a cast per row.
        start = datetime.combine(filters.posted_since, datetime.min.time(), tzinfo=timezone.get_current_timezone())
        queryset = queryset.filter(published_at__gte=start)
    return queryset


def task_search_query(q: str) -> SearchQuery:
    """The user's words as a web-search query: ``"exact phrase"``, ``or``, ``-excluded``."""
    return SearchQuery(q, config="english", search_type="websearch")


def matching_tasks(*, filters: TaskFilters, organization: Organization | None) -> QuerySet[Task]:
    """Open tasks ``organization`` may see that match ``filters`` (words included), unordered."""
    queryset = _apply_filters(visible_tasks(organization=organization), filters)
    if filters.q:
        queryset = queryset.filter(search_vector=task_search_query(filters.q))
    return queryset


# Each sort: the ordering, and the (field, descending) pairs its keyset compares.
_ORDERINGS: dict[str, list[tuple[str, bool]]] = {
    "relevance": [("rank", True), ("id", True)],
    "newest": [("published_at", True), ("id", True)],
    "budget_high": [("budget_amount", True), ("id", True)],
    "budget_low": [("budget_amount", False), ("id", False)],
    "deadline": [("deadline", False), ("id", False)],
}


# How search stays fast at a million tasks (see docs/benchmarks.md).
#
# Migration 0003 gives each sort a covering index of open tasks holding every
# column the filters and the visibility rule read. A page's ids are found by
# an index-only scan that checks the filters on the index entries and stops
# at a full page; the table is read for the page's rows only.
#
# Words with filters: the filters' indexes and the full-text index narrow
# each other down (bitmap AND) and PostgreSQL's own plan is good.
#
# Words alone need the table (the vector is too large to index beside the
# sort key), and PostgreSQL guesses badly how common they are: it multiplies
# the frequencies of several words, so "help desk" looks ten times rarer
# than it is, and a plan built on that guess reads 50,000 rows to show 20.
# So the search decides, from the statistics (see word_frequency):
# - common words: the first SCAN_WINDOW open tasks in sort order come from
#   the covering index and only those rows are tested; most searches end
#   here. If words and order go together (the cheapest tasks seldom need a
#   website), bands of the next open tasks, BAND_GROWTH times wider each
#   time and WIDE_WINDOW tasks in all, are searched in turn: in a band the
#   full-text index and the key's range narrow each other down before rows
#   are read, and a narrow band keeps the rows read (its matches) few;
# - rare words, and whatever is still missing: their matches come through
#   the full-text index and are sorted, cheap because they are few.
# Every step is exact: together they see every candidate once, in order.
SCAN_WINDOW = 2000


WIDE_WINDOW = 200_000  # how far the bands of step 2 reach, in open tasks


BAND_GROWTH = 5  # each band is this many times wider than the one before (the first: SCAN_WINDOW times this)


COMMON_WORDS = 0.005  # words in at least this share of tasks are looked for by scanning


# Relevance ranks the matches among the newest RELEVANCE_WINDOW open tasks
# (those of them the filters let through). Ranking needs every candidate's
# vector, so ranking all 300,000 matches of a common word would take
# seconds, while these take milliseconds. Rare words, and common ones with
# less than a page of matches in the window, have every match ranked. The
# cursor keeps the first page's window, so paging is consistent.
RELEVANCE_WINDOW = 5000


@dataclass
class TaskPage:
    tasks: list[Task]
    next_cursor: str | None
    sort: str


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date | datetime) else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, sort: str) -> list[Any] | None:
    """The sort values of the last row seen; ``None`` when the cursor is malformed (it is then ignored).

    A relevance cursor has a third value: the start of its window of newest
    tasks (``None`` when every match is ranked).
    """
    names = [name for name, _ in _ORDERINGS[sort]] + (["window"] if sort == "relevance" else [])
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
    if name == "window" and value is None:
        return None
    if name in ("published_at", "window"):
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is not None and timezone.is_aware(moment):
            return moment
    elif name == "deadline":
        day = parse_date(value) if isinstance(value, str) else None
        if day is not None:
            return day
    elif name == "rank":
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
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
    vector = Coalesce(F("search_vector"), Value("", output_field=SearchVectorField()))
    return Q(SearchVectorExact(vector, task_search_query(q)))


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


def _rows(ids: Any, ordering: list[tuple[str, bool]]) -> list[Task]:
    """The page's rows, with the organization and category their cards show."""
    queryset = Task.objects.filter(pk__in=ids).select_related("category", "organization").defer("search_vector")
    return list(queryset.order_by(*_order_by(ordering)))


def search_tasks(
    *, filters: TaskFilters, organization: Organization | None, cursor: str = "", page_size: int = DEFAULT_PAGE_SIZE
) -> TaskPage:
    """One page of open tasks matching ``filters`` that ``organization`` may see.

    Relevance ranks title matches (weight A) over description matches
    (weight B), see :data:`RELEVANCE_WINDOW`; ties fall back to the newer
    task (higher id). The other sorts see every match. A malformed cursor is
    ignored: the first page comes back. One query without words or with words
    and filters; words alone take two as a rule and at most nine (two per
    band of step 2; relevance: one to three), never more with more rows.
    Words alone also cost one query the first time a process sees them
    (cached) and one every ten minutes to re-read the statistics: compare
    query counts with the words already seen.
    """
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    sort = filters.effective_sort
    if sort == "relevance" and not filters.q:
        sort = "newest"
    values = decode_cursor(cursor, sort=sort) if cursor else None
    if sort == "relevance":
        return _search_by_relevance(filters=filters, organization=organization, values=values, page_size=page_size)

    ordering = _ORDERINGS[sort]
    wanted = page_size + 1
    candidates = _apply_filters(visible_tasks(organization=organization), filters)
    if sort == "deadline":
        # Bidding closes by the deadline, so an open task's deadline is not
        # before today: the scan of the deadline index starts there instead
        # of skipping every stale task. A day's slack covers time zones.
        candidates = candidates.filter(deadline__gte=timezone.localdate() - timedelta(days=1))
    if values is not None:
        candidates = candidates.filter(_after(values, ordering))
    in_order = candidates.order_by(*_order_by(ordering))
    if not filters.q:
        return _page(_rows(in_order.values("pk")[:wanted], ordering), page_size=page_size, ordering=ordering, sort=sort)

    if set(filters.as_params()) - {"q", "sort"}:
        # Words and filters: the filters' indexes and the full-text index narrow each other
        # down (bitmap AND), and PostgreSQL's plan is good: measured in docs/benchmarks.md.
        matches = candidates.filter(_words_match(filters.q, indexed=True)).order_by(*_order_by(ordering))
        return _page(_rows(matches.values("pk")[:wanted], ordering), page_size=page_size, ordering=ordering, sort=sort)

    rows: list[Task] = []
    past: Q | None = Q()  # the candidates not looked at yet; None once all were
    if word_frequency(filters.q) >= COMMON_WORDS:
        name, descending = ordering[0]
        # 1. The next SCAN_WINDOW candidates in order (index-only), each of their rows tested against the words.
        window = list(in_order.values_list("pk", name)[:SCAN_WINDOW])
        nearby = Task.objects.filter(pk__in=[pk for pk, _ in window]).filter(_words_match(filters.q, indexed=False))
        rows = _rows(nearby.order_by(*_order_by(ordering)).values("pk")[:wanted], ordering)
        past = _after([window[-1][1], window[-1][0]], ordering) if len(window) == SCAN_WINDOW else None
        # 2. Words and order go together (the cheapest tasks seldom need a website): search bands of
        # the next open tasks, each BAND_GROWTH times wider than the one before, up to WIDE_WINDOW in
        # all. In a band the full-text index and the range of the sort key narrow each other down
        # before any row is read, and a narrow band keeps the rows read (its matches) few.
        width, reach = SCAN_WINDOW * BAND_GROWTH, WIDE_WINDOW
        while len(rows) < wanted and past is not None and reach > 0:
            width = max(1, min(width, reach))
            ahead = Task.objects.filter(past, status=TaskStatus.OPEN).order_by(*_order_by(ordering))
            wide = next(iter(ahead.values_list(name, flat=True)[width - 1 : width]), None)
            band = candidates.filter(past, _words_match(filters.q, indexed=True))
            if wide is not None:
                band = band.filter(_within(name, descending, wide))
            ids = band.order_by(*_sorted_without_index(ordering)).values("pk")[: wanted - len(rows)]
            rows += _rows(ids, ordering)
            past = None if wide is None else Q(**{f"{name}__lt" if descending else f"{name}__gt": wide})
            reach -= width
            width *= BAND_GROWTH
    if len(rows) < wanted and past is not None:
        # 3. Rare words, or what is still missing: the matches through the full-text index, sorted.
        beyond = candidates.filter(past, _words_match(filters.q, indexed=True))
        ids = beyond.order_by(*_sorted_without_index(ordering)).values("pk")[: wanted - len(rows)]
        rows += _rows(ids, ordering)
    return _page(rows, page_size=page_size, ordering=ordering, sort=sort)


def _within(name: str, descending: bool, bound: Any) -> Q:
    """Rows whose first sort key comes no later than ``bound``."""
    return Q(**{f"{name}__gte" if descending else f"{name}__lte": bound})


def _search_by_relevance(
    *, filters: TaskFilters, organization: Organization | None, values: list[Any] | None, page_size: int
) -> TaskPage:
    ordering = _ORDERINGS["relevance"]
    wanted = page_size + 1
    # float8, not ts_rank's float4: the value in the cursor must compare equal to the row's.
    rank = Cast(SearchRank(F("search_vector"), task_search_query(filters.q)), output_field=FloatField())
    candidates = _apply_filters(visible_tasks(organization=organization), filters)

    def ranked(matches: QuerySet[Task]) -> list[Task]:
        matches = matches.annotate(rank=rank)
        if values is not None:
            matches = matches.filter(_after(values, ordering))
        # The page's ids first: only the page's rows are joined to their organization and category.
        ids = matches.order_by("-rank", "-id").values("pk")[:wanted]
        page = Task.objects.filter(pk__in=ids).annotate(rank=rank).select_related("category", "organization")
        return list(page.defer("search_vector").order_by("-rank", "-id"))

    if values is not None:
        window = values[2]  # a later page keeps the first page's window
    elif word_frequency(filters.q) >= COMMON_WORDS:  # an index-only scan of the newest open tasks
        newest = Task.objects.filter(status=TaskStatus.OPEN).order_by("-published_at", "-id")
        window = next(
            iter(newest.values_list("published_at", flat=True)[RELEVANCE_WINDOW - 1 : RELEVANCE_WINDOW]), None
        )
    else:
        window = None  # rare words: ranking all their matches is cheap
    rows: list[Task] = []
    if window is not None:
        rows = ranked(candidates.filter(published_at__gte=window).filter(_words_match(filters.q, indexed=False)))
        if values is None and len(rows) < wanted:
            window = None  # too few recent matches: rank them all
    if window is None:
        rows = ranked(candidates.filter(_words_match(filters.q, indexed=True)))
    return _page(rows, page_size=page_size, ordering=ordering, sort="relevance", extra=[window])


@functools.lru_cache(maxsize=2048)
def _query_lexemes(q: str) -> tuple[str, tuple[str, ...]]:
    """The index-searchable part of the user's words (PostgreSQL's ``querytree``) and its lexemes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT querytree(websearch_to_tsquery('english'::regconfig, %s))", [q])
        tree = cursor.fetchone()[0] or ""
    return tree, tuple(lexeme.replace("''", "'") for lexeme in re.findall(r"'((?:[^']|'')*)'", tree))


_lexeme_stats: dict[str, Any] = {"loaded": -math.inf, "frequencies": {}, "floor": 0.0}


def _lexeme_frequencies() -> tuple[dict[str, float], float]:
    """Share of tasks holding each common lexeme, from ``ANALYZE``'s statistics (re-read every 10 minutes)."""
    if monotonic() - _lexeme_stats["loaded"] > 600:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = %s AND attname = 'search_vector'",
                [Task._meta.db_table],
            )
            row = cursor.fetchone()
        lexemes, frequencies = (row[0] or [], row[1] or []) if row else ([], [])
        _lexeme_stats.update(
            loaded=monotonic(),
            frequencies=dict(zip(lexemes, frequencies, strict=False)),
            # After the per-lexeme figures come the lowest and highest of them.
            floor=frequencies[len(lexemes)] if len(frequencies) > len(lexemes) else 0.0,
        )
    return _lexeme_stats["frequencies"], _lexeme_stats["floor"]


def word_frequency(q: str) -> float:
    """About what share of tasks the words match, to choose how to find them (never what is found).

    Words that must all appear match at most as often as the rarest of them:
    unlike PostgreSQL's estimate, which multiplies their frequencies, this
    holds for words that go together ("help desk", "trade fair"). Words
    joined by "or" add up. A lexeme the statistics do not list is rarer than
    every one they do.
    """
    tree, lexemes = _query_lexemes(q)
    if tree.strip() == "T":  # only excluded words: nearly everything matches
        return 1.0
    if not lexemes:
        return 0.0
    frequencies, floor = _lexeme_frequencies()
    shares = [frequencies.get(lexeme, floor / 2) for lexeme in lexemes]
    return min(1.0, sum(shares)) if "|" in tree else min(shares)


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
