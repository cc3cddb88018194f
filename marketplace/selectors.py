"""Reads of the marketplace, scoped to the acting organization.

Task search is PostgreSQL full-text search (the generated, GIN-indexed
``search_vector``; title weighted over description) plus filters and sorts,
paged by keyset ("after this row") so page 500 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta
from time import monotonic
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import Avg, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
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
#   website), the next WIDE_WINDOW tasks are searched as a band of the sort
#   key, where the full-text index and the key's range narrow each other
#   down before rows are read;
# - rare words, and whatever is still missing: their matches come through
#   the full-text index and are sorted, cheap because they are few.
# Every step is exact: together they see every candidate once, in order.
SCAN_WINDOW = 2000
WIDE_WINDOW = 100_000
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
    and filters; words alone take two as a rule and at most five (relevance:
    one to three), never more with more rows. Words alone also cost one query
    the first time a process sees them (cached) and one every ten minutes to
    re-read the statistics: compare query counts with the words already seen.
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
        if len(rows) < wanted and past is not None:
            # 2. Words and order go together (the cheapest tasks seldom need a website): search the
            # band of the next WIDE_WINDOW open tasks, where the full-text index and the range of
            # the sort key narrow each other down before any row is read.
            ahead = Task.objects.filter(past, status=TaskStatus.OPEN).order_by(*_order_by(ordering))
            wide = next(iter(ahead.values_list(name, flat=True)[WIDE_WINDOW - 1 : WIDE_WINDOW]), None)
            band = candidates.filter(past, _words_match(filters.q, indexed=True))
            if wide is not None:
                band = band.filter(_within(name, descending, wide))
            ids = band.order_by(*_sorted_without_index(ordering)).values("pk")[: wanted - len(rows)]
            rows += _rows(ids, ordering)
            past = None if wide is None else Q(**{f"{name}__lt" if descending else f"{name}__gt": wide})
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


# --- the task pages of the HTML views ----------------------------------------------------------
# Small reads the task views need beyond the selectors above; each is one query.


def skill_names(*, slugs: Any) -> dict[str, str]:
    """Display names of the given skill slugs in one query; unknown slugs are left out."""
    from marketplace.models import Skill

    wanted = sorted({str(slug) for slug in slugs if slug})
    if not wanted:
        return {}
    return dict(Skill.objects.filter(slug__in=wanted).values_list("slug", "name"))


def live_bid_of(*, task: Task, organization: Organization) -> Bid | None:
    """The organization's live bid on the task, if it has one (one live bid per supplier and task)."""
    return Bid.objects.by_supplier(organization).live().filter(task=task).order_by("-created_at").first()


def live_bid_count(*, task: Task) -> int:
    return Bid.objects.filter(task=task).live().count()


def task_revisions(*, task: Task) -> QuerySet[Any]:
    """The edits of an open task, newest first: every viewer of the task may see them."""
    from marketplace.models import TaskRevision

    return TaskRevision.objects.filter(task=task).order_by("-created_at", "-id")


def task_attachments(*, task: Task) -> QuerySet[Any]:
    from marketplace.models import TaskAttachment

    return TaskAttachment.objects.filter(task=task).order_by("created_at", "id")


def get_task_attachment(*, task: Task, attachment_id: int) -> Any:
    """An attachment of a task the caller has already fetched for its viewer."""
    attachment = task_attachments(task=task).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    return attachment


def task_invitations(*, task: Task) -> QuerySet[BidInvitation]:
    """Suppliers invited to bid on a task (the client's view of its own task)."""
    return BidInvitation.objects.filter(task=task).select_related("supplier").order_by("-created_at")


def open_tasks_of(*, organization: Organization, limit: int = 25) -> list[Task]:
    """The organization's open tasks, newest first: what a client can invite a supplier to."""
    return list(
        Task.objects.for_org(organization)
        .open_for_bids()
        .only("id", "title", "visibility", "published_at")
        .order_by("-published_at", "-id")[:limit]
    )


def suggested_suppliers(*, task: Task, limit: int = 5) -> list[Organization]:
    """Suppliers whose skills overlap the task's, best rated first (not yet invited, not bidding)."""
    if not task.skills:
        return []
    invited = BidInvitation.objects.filter(task=task, supplier=OuterRef("pk"))
    bidding = Bid.objects.filter(task=task, supplier=OuterRef("pk"))
    return list(
        search_suppliers(filters=SupplierFilters(skills=list(task.skills)), exclude=task.organization)
        .exclude(Exists(invited))
        .exclude(Exists(bidding))
        .only("id", "name", "slug", "headline", "city", "country", "skills", "hourly_rate", "hourly_rate_currency")[
            :limit
        ]
    )


def client_dashboard_tasks(*, organization: Organization, user: Any, status: str = "") -> QuerySet[Task]:
    """The client's tasks with live bid counts and the user's unread messages per task, in one query.

    A message is unread when a supplier sent it after the user's read mark on
    its thread (every supplier message counts when the user never opened it).
    """
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    from marketplace.models import Message, ThreadReadMark

    read_mark = ThreadReadMark.objects.filter(thread=OuterRef("thread_id"), user=user).values("last_read_at")[:1]
    unread = (
        Message.objects.filter(thread__task=OuterRef("pk"))
        .exclude(sender_organization=organization)
        .annotate(read_to=Subquery(read_mark))
        .filter(Q(read_to__isnull=True) | Q(created_at__gt=F("read_to")))
        .order_by()
        .values("thread__task")
        .annotate(total=Count("pk"))
        .values("total")
    )
    queryset = client_tasks(organization=organization).annotate(
        unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0)
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def task_status_counts(*, organization: Organization) -> dict[str, int]:
    """How many of the organization's tasks are in each status, in one query."""
    rows = Task.objects.for_org(organization).order_by().values("status").annotate(total=Count("id"))
    return {row["status"]: row["total"] for row in rows}


def saved_searches_of(*, user: Any, organization: Organization) -> QuerySet[Any]:
    from marketplace.models import SavedSearch

    return SavedSearch.objects.filter(user=user, organization=organization).order_by("name", "id")


def get_saved_search(*, saved_search_id: int, user: Any, organization: Organization) -> Any:
    """One of the user's saved searches in the acting organization; anybody else's is missing."""
    saved = saved_searches_of(user=user, organization=organization).filter(pk=saved_search_id).first()
    if saved is None:
        raise NotFound("No such saved search.")
    return saved


# --- the marketplace API ---------------------------------------------------------------------------
# Reads of marketplace/api/views.py beyond the selectors above.


def threads_with_unread(*, organization: Organization, user: Any) -> QuerySet[Thread]:
    """The organization's threads (either side) with the user's unread count, in one query.

    ``unread_count``: messages the other side sent after the user's read mark
    (all of them when the user never opened the thread). ``activity_at``: the
    last message, else when the thread was opened (never null, so it can
    order a cursor).
    """
    from django.db.models import IntegerField, Subquery
    from django.db.models.functions import Coalesce

    from marketplace.models import Message, ThreadReadMark

    read_mark = ThreadReadMark.objects.filter(thread=OuterRef("thread_id"), user=user).values("last_read_at")[:1]
    unread = (
        Message.objects.filter(thread=OuterRef("pk"))
        .exclude(sender_organization=organization)
        .annotate(read_to=Subquery(read_mark))
        .filter(Q(read_to__isnull=True) | Q(created_at__gt=F("read_to")))
        .order_by()
        .values("thread")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return (
        Thread.objects.for_org(organization)
        .select_related("task", "task__organization", "supplier")
        .annotate(
            unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            activity_at=Coalesce("last_message_at", "created_at"),
        )
    )


def bids_on_own_task(*, task: Task, organization: Organization) -> QuerySet[Bid]:
    """Every bid on a task of ``organization`` (the client's view), milestones prefetched."""
    return (
        Bid.objects.on_tasks_of(organization)
        .filter(task=task)
        .select_related("task", "task__organization", "supplier")
        .prefetch_related("milestones")
    )


# --- bids and messaging pages (marketplace/views/bids.py, marketplace/views/messaging.py) ---------


def get_own_bid(*, bid_id: int, organization: Organization) -> Bid:
    """A bid the organization made (the supplier side: edit, withdraw)."""
    bid = (
        Bid.objects.by_supplier(organization)
        .select_related("task", "task__organization", "supplier")
        .filter(pk=bid_id)
        .first()
    )
    if bid is None:
        raise NotFound("No such bid.")
    return bid


def get_bid_on_own_task(*, bid_id: int, organization: Organization) -> Bid:
    """A bid on one of the organization's tasks (the client side: shortlist, decline, accept)."""
    bid = (
        Bid.objects.on_tasks_of(organization)
        .select_related("task", "task__organization", "supplier")
        .filter(pk=bid_id)
        .first()
    )
    if bid is None:
        raise NotFound("No such bid.")
    return bid


def bids_on_task(*, task: Task, status: str = "") -> QuerySet[Bid]:
    """The client's list of bids on its task, with supplier and counts; one query."""
    from marketplace.models import BidStatus

    queryset = (
        Bid.objects.filter(task=task)
        .select_related("supplier")
        .annotate(
            milestone_count=Count("milestones", distinct=True),
            attachment_count=Count("attachments", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    if status in BidStatus.values:
        queryset = queryset.filter(status=status)
    return queryset


def bid_status_counts(*, task: Task) -> dict[str, int]:
    """How many bids the task has in each status (every status present, zeros too)."""
    from marketplace.models import BidStatus

    counts = dict.fromkeys(BidStatus.values, 0)
    rows = Bid.objects.filter(task=task).values("status").annotate(count=Count("id")).order_by()
    for row in rows:
        counts[row["status"]] = row["count"]
    return counts


def get_bid_attachment(*, bid: Bid, attachment_id: int) -> Any:
    """An attachment of a bid the caller already may see."""
    attachment = bid.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such file.")
    return attachment


@dataclass
class BidEvent:
    """One line of a bid's status history."""

    at: datetime
    label: str
    organization: str  # the side that acted
    actor: str  # a person's name, shown to their own organization only
    note: str = ""


_BID_EVENT_LABELS = {
    "bid.submitted": "Bid submitted",
    "bid.updated": "Terms edited",
    "bid.shortlisted": "Shortlisted",
    "bid.unshortlisted": "Taken off the shortlist",
    "bid.declined": "Declined",
    "bid.withdrawn": "Withdrawn",
    "bid.accepted": "Accepted",
}


def bid_history(*, bid: Bid, organization: Organization) -> list[BidEvent]:
    """The bid's moves from the audit log, oldest first, as ``organization`` may see them.

    Bids declined because another was accepted are declined in bulk without an
    event of their own; their decision time stands in for it.
    """
    from core.models import AuditEvent

    events = (
        AuditEvent.objects.filter(target_type="marketplace.bid", target_id=str(bid.pk), action__in=_BID_EVENT_LABELS)
        .select_related("actor", "organization")
        .order_by("created_at", "id")
    )
    history: list[BidEvent] = []
    for event in events:
        own_side = event.organization_id == organization.pk
        note = bid.decline_reason if event.action == "bid.declined" else ""
        history.append(
            BidEvent(
                at=event.created_at,
                label=_BID_EVENT_LABELS[event.action],
                organization=event.organization.name if event.organization else "",
                actor=event.actor.display_name if own_side and event.actor else "",
                note=note,
            )
        )
    if bid.status == "declined" and bid.decided_at and not any(e.label == "Declined" for e in history):
        history.append(
            BidEvent(
                at=bid.decided_at,
                label="Declined",
                organization=bid.task.organization.name,
                actor="",
                note=bid.decline_reason,
            )
        )
    return history


def thread_summaries(*, organization: Organization, user: Any) -> QuerySet[Thread]:
    """:func:`threads_with_unread` plus the last message's text and side, newest activity first; one query."""
    from django.db.models import Subquery

    from marketplace.models import Message

    last = Message.objects.filter(thread=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        threads_with_unread(organization=organization, user=user)
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_sender_id=Subquery(last.values("sender_organization_id")[:1]),
        )
        .order_by("-activity_at", "-id")
    )


def thread_messages(*, thread: Thread) -> QuerySet[Any]:
    """A thread's messages, oldest first, with senders and attachments (three queries)."""
    from marketplace.models import Message

    return (
        Message.objects.filter(thread=thread)
        .select_related("sender", "sender_organization")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def read_mark(*, thread: Thread, user: Any) -> datetime | None:
    """When the user last read the thread (None if never)."""
    from marketplace.models import ThreadReadMark

    return ThreadReadMark.objects.filter(thread=thread, user=user).values_list("last_read_at", flat=True).first()


def bid_in_thread(*, thread: Thread) -> Bid | None:
    """The supplier's latest bid on the thread's task, if any."""
    return Bid.objects.filter(task=thread.task_id, supplier=thread.supplier_id).order_by("-created_at", "-id").first()


def get_message_attachment(*, thread: Thread, attachment_id: int) -> Any:
    """An attachment of a message in a thread the caller already may see."""
    from marketplace.models import MessageAttachment

    attachment = MessageAttachment.objects.filter(message__thread=thread, pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such file.")
    return attachment


def get_thread_party(*, task: Task, supplier_id: int, organization: Organization) -> Organization:
    """The supplier a conversation on ``task`` would be with, as ``organization`` may start it.

    Only the task's client and the supplier themselves, and only a supplier
    that bid on or was invited to the task; anything else is "not found".
    """
    if organization.pk not in (task.organization_id, supplier_id):
        raise NotFound("No such conversation.")
    involved = Bid.objects.filter(task=task, supplier_id=supplier_id).exists() or (
        BidInvitation.objects.filter(task=task, supplier_id=supplier_id).exists()
    )
    supplier = Organization.objects.filter(pk=supplier_id).first() if involved else None
    if supplier is None or supplier.pk == task.organization_id:
        raise NotFound("No such conversation.")
    return supplier
