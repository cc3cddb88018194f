"""Task search: full-text plus filters and sorts, keyset-paged, tuned for a million tasks; the pages it answers."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.models import (
    F,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import Organization
from core import joins
from core.lookups import AnyOf
from marketplace.models import (
    HAS_ATTACHMENTS,
    Category,
    Task,
    TaskAttachment,
)
from marketplace.selectors.search import planner  # its tunables, read at call time
from marketplace.selectors.search import words as word_stats  # its tunables, read at call time
from marketplace.selectors.search.cursors import (
    _ORDERINGS,
    TaskPage,
    _after,
    _order_by,
    _sorted_without_index,
    decode_cursor,
    encode_cursor,
)
from marketplace.selectors.search.filters import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TaskFilters, _filtered, visible_tasks
from marketplace.selectors.search.planner import _band_edge, _walk, _Where, _within
from marketplace.selectors.search.words import TIERS, _all_words, _tiers, _Words, task_search_query


def matching_tasks(*, filters: TaskFilters, organization: Organization | None) -> QuerySet[Task]:
    """Open tasks ``organization`` may see that match ``filters`` (words included), unordered."""
    queryset = visible_tasks(organization=organization).filter(_filtered(filters))
    if filters.q:
        queryset = queryset.filter(search_vector=task_search_query(filters.q))
    return queryset


#: What a search's row loads of its client: what the cards and the API's task list show of it.
CLIENT_SUMMARY = ("name", "slug", "is_personal")


def load_tasks(
    ids: list[int] | QuerySet[Task, Any],
    ordering: list[tuple[str, bool]],
    *,
    brief: bool = False,
    listed: bool = False,
) -> list[Task]:
    """Tasks by id in ``ordering``, with the organization and category their cards and pages show.

    A search's page of rows, and the task page's one task. ``ids`` is a list or a subquery of ids.
    ``brief`` leaves each task's description out (deferred), for lists that show the excerpt: a
    page of 25 tasks with descriptions at their limit would read 1.25 MB it never shows.
    ``listed`` (a search's rows) loads of each client only what a list shows of it, its
    :data:`CLIENT_SUMMARY` (the others deferred): its profile's texts and lists are most of a row.
    What ``filter(pk__in=ids).select_related("category", "organization").defer("search_vector")``
    loads, through SQL written once per ordering (``core.joins``): the ORM's building of that query
    and of its 75 instances took 2.3 ms of Python for a page of 25 whose query takes 0.8 ms (1.5 ms
    this way).
    """
    if isinstance(ids, list) and not ids:
        return []  # as pk__in=[]: no query
    database = router.db_for_read(Task)
    select, tables = _rows_query(tuple(ordering), database, brief, listed)
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
        task.__dict__[HAS_ATTACHMENTS] = row[-1]
        rows.append(task)
    return rows


@functools.cache
def _rows_query(
    ordering: tuple[tuple[str, bool], ...], database: str, brief: bool, listed: bool
) -> tuple[str, tuple[joins.Columns, ...]]:
    """The SQL of :func:`load_tasks` for ``ordering`` (with ``{ids}`` where the ids' condition goes), and its tables."""
    left_out = ["search_vector", "description"] if brief else ["search_vector"]
    tables = (
        joins.Columns.of(Task, "t", database=database, leave_out=left_out),
        joins.Columns.of(Category, "c", database=database),
        joins.Columns.of(Organization, "o", database=database, only=CLIENT_SUMMARY if listed else None),
    )
    t, c = functools.partial(joins.table, database=database), functools.partial(joins.column, database=database)
    order = ", ".join(f"t.{c(Task, name)} {'DESC' if descending else 'ASC'}" for name, descending in ordering)
    # Whether the task has files, last: a list that shows them then queries only for the tasks that do
    # (load_listed_attachments), and most have none.
    files, owner = t(TaskAttachment), c(TaskAttachment, "task")
    has_files = f"EXISTS (SELECT 1 FROM {files} a WHERE a.{owner} = t.{c(Task, 'id')})"  # noqa: S608 - our own names
    sql = (
        f"SELECT {joins.select_list(tables)}, {has_files} FROM {t(Task)} t"  # noqa: S608 - our own names
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
        found, walked_to = _walk(where, examined=planner.WALK, wanted=wanted)
        if found and walked_to is not None:
            # Some matches but not a page: the filters thin out here (or go against the order), walk further.
            more, walked_to = _walk(
                where.then(walked_to), examined=planner.WALK * planner.BAND_GROWTH, wanted=wanted - len(found)
            )
            found += more
        rows = load_tasks([pk for pk, _ in found], ordering, brief=brief, listed=True)
        past = None if walked_to is None else _after(walked_to, ordering)
    elif words.frequency >= word_stats.COMMON_WORDS:
        # 1. The next SCAN_WINDOW candidates in order that pass the filters (a bounded walk), their
        # rows tested against the words.
        key = (tuple(ordering), None if values is None else tuple(values))
        if walks is not None and key in walks:
            found, walked_to = walks[key]
        else:
            found, walked_to = _walk(where, examined=planner.WALK, wanted=planner.SCAN_WINDOW)
            if walks is not None:
                walks[key] = (found, walked_to)
        # The ids as one array parameter (see core.lookups.AnyOf).
        tested = Task.objects.filter(AnyOf(F("pk"), [pk for pk, _ in found])).filter(words.on_rows)
        ids = tested.order_by(*_order_by(ordering)).values("pk")[:wanted]
        rows = load_tasks(ids, ordering, brief=brief, listed=True)
        edge: tuple[Any, ...] | None = None  # where ``past`` starts, naming the bands' edges (_band_edge)
        if walked_to is not None:
            past, edge = _after(walked_to, ordering), tuple(walked_to)
        elif len(found) == planner.SCAN_WINDOW:
            past, edge = _after([found[-1][1], found[-1][0]], ordering), (found[-1][1], found[-1][0])
        else:
            past = None
        # 2. Words and order go together (the cheapest tasks seldom need a website): search bands of
        # the next open tasks, each BAND_GROWTH times wider than the one before, up to WIDE_WINDOW in
        # all. In a band the full-text index, the filters' indexes and the range of the sort key narrow
        # each other down before any row is read, and a narrow band keeps the rows read few.
        # Sparse filters (the walk did not fill its window) skip the bands: their candidates are few.
        name, descending = ordering[0]
        width, reach = (
            planner.SCAN_WINDOW * planner.BAND_GROWTH,
            planner.WIDE_WINDOW if len(found) == planner.SCAN_WINDOW else 0,
        )
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
            rows += load_tasks(ids, ordering, brief=brief, listed=True)
            past = None if wide is None else Q(**{f"{name}__lt" if descending else f"{name}__gt": wide})
            edge = None if wide is None else (wide,)
            reach -= width
            width *= planner.BAND_GROWTH
    if len(rows) < wanted and past is not None:
        # 3. Sparse filters, rare words, or what is still missing: the matches come through the
        # filters' and the full-text index (few, or the steps above would have filled the page), sorted.
        beyond = Task.objects.filter(where.candidates, past)
        if words is not None:
            beyond = beyond.filter(words.indexed)
        ids = beyond.order_by(*_sorted_without_index(ordering)).values("pk")[: wanted - len(rows)]
        rows += load_tasks(ids, ordering, brief=brief, listed=True)
    return rows


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
