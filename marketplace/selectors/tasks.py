"""Single tasks as a viewer may see them, the client's dashboard, attachments, revisions, saved searches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save

from accounts.models import Organization, User
from core.exceptions import NotFound
from core.lookups import AnyOf
from core.memo import Memo
from core.queries import CompiledQuery, one_or_not_found
from marketplace.models import (
    HAS_ATTACHMENTS,
    PREFETCHED_ATTACHMENTS,
    Bid,
    BidInvitation,
    Category,
    SavedSearch,
    Skill,
    Task,
    TaskAttachment,
    TaskRevision,
    TaskStatus,
)
from marketplace.selectors.messaging import unread_count
from marketplace.selectors.search import load_tasks
from marketplace.selectors.suppliers import SupplierFilters, search_suppliers


def get_task_for_viewer(*, task_id: int, organization: Organization | None) -> Task:
    """A task as a viewer may see it: its client, invited suppliers, bidders, or anyone if public and listed.

    Most views are of a listed task or of one's own, which the task's own row
    decides; only the others ask :meth:`TaskQuerySet.visible_to` (invitations and
    bids). Building that query costs more than running it; the task itself comes
    through :func:`load_tasks`'s SQL written once (without its search vector).
    """
    found = load_tasks([task_id], _BY_ID)
    task = found[0] if found else None
    if task is None:
        raise NotFound("No such task.")
    if task.is_listed or (organization is not None and task.organization_id == organization.pk):
        return task
    if organization is None or not Task.objects.visible_to(organization).filter(pk=task_id).exists():
        raise NotFound("No such task.")
    return task


_BY_ID = [("id", False)]


def get_own_task(*, task_id: int, organization: Organization) -> Task:
    """A task of the acting organization (the client side), through :func:`load_tasks`'s SQL written once:
    the ORM took longer to build ``for_org(...).select_related("category")`` than PostgreSQL to answer it."""
    found = load_tasks([task_id], _BY_ID)
    task = found[0] if found else None
    if task is None or task.organization_id != organization.pk:
        raise NotFound("No such task.")
    task.organization = organization  # the same row; the request's instance carries what the views read of it
    return task


def categories() -> QuerySet[Category]:
    return Category.objects.all()


# Staff edit categories in the admin; a page reads them from this copy, a minute old at most.
_CATEGORIES: Memo[list[Category]] = Memo(lambda: list(Category.objects.all()), seconds=60)
post_save.connect(_CATEGORIES.clear, sender=Category, dispatch_uid="marketplace.categories.saved")
post_delete.connect(_CATEGORIES.clear, sender=Category, dispatch_uid="marketplace.categories.deleted")


def category_list() -> list[Category]:
    """Every category in display order, from a copy kept a minute (see :mod:`core.memo`). Do not modify."""
    return _CATEGORIES.get()


def client_tasks(*, organization: Organization) -> QuerySet[Task]:
    """The organization's tasks with live bid counts, newest first.

    The count is a subquery, not a join with GROUP BY: PostgreSQL then counts
    the bids of a page's rows only, and the paginator's count drops it. (A
    grouped join counted every bid of a client's 2,000 tasks per page.)
    """
    live_bids = (
        Bid.objects.live()
        .filter(task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return (
        Task.objects.for_org(organization)
        .select_related("category")
        .defer("search_vector")
        .annotate(bid_count=Coalesce(Subquery(live_bids, output_field=IntegerField()), 0))
        .order_by("-created_at", "-id")
    )


def skill_names(*, slugs: Any) -> dict[str, str]:
    """Display names of the given skill slugs in one query; unknown slugs are left out."""
    wanted = sorted({str(slug) for slug in slugs if slug})
    if not wanted:
        return {}
    return dict(Skill.objects.filter(slug__in=wanted).values_list("slug", "name"))


def live_bid_of(*, task: Task, organization: Organization) -> Bid | None:
    """The organization's live bid on the task, if it has one (one live bid per supplier and task).

    Every signed-in supplier's view of a task asks; the query is compiled once (``core.queries``).
    """
    found = _LIVE_BID.page(offset=0, limit=1, organization=organization, task=task)
    return found[0] if found else None


# Stand-ins no row has: ids below zero (core.queries).
_LIVE_BID = CompiledQuery(
    Bid,
    lambda organization, task: Bid.objects.by_supplier(organization).live().filter(task=task).order_by("-created_at"),
    organization=-7_311,
    task=-7_312,
)


def load_listed_attachments(tasks: list[Task]) -> None:
    """Give each task its attachments where :attr:`Task.listed_attachments` reads them, in one query.

    What ``prefetch_related_objects(tasks, Prefetch("attachments", to_attr=PREFETCHED_ATTACHMENTS))``
    does, through a query compiled once, and only for the tasks that have files (no query when none
    does): the ORM took about a millisecond to build the prefetch
    of an API page of tasks, most of them without attachments.
    """
    found: dict[int, list[TaskAttachment]] = {task.pk: [] for task in tasks}
    # A search's rows say whether each task has files (HAS_ATTACHMENTS); most have none.
    wanted = [task.pk for task in tasks if task.__dict__.get(HAS_ATTACHMENTS, True)]
    if wanted:
        for attachment in _ATTACHMENTS_OF.all(task_ids=wanted):
            found[attachment.task_id].append(attachment)
    for task in tasks:
        task.__dict__[PREFETCHED_ATTACHMENTS] = found[task.pk]


_ATTACHMENTS_OF = CompiledQuery(
    TaskAttachment,
    lambda task_ids: TaskAttachment.objects.filter(AnyOf(F("task_id"), task_ids)).order_by("task_id", "pk"),
    task_ids=[-7_313],
)


def live_bid_count(*, task: Task) -> int:
    return Bid.objects.filter(task=task).live().count()


def task_revisions(*, task: Task) -> QuerySet[Any]:
    """The edits of an open task, newest first: every viewer of the task may see them.

    Recording an edit stamps the task's ``edited_at``, so a task without it has none.
    """
    if task.edited_at is None:
        return TaskRevision.objects.none()
    return TaskRevision.objects.filter(task=task).order_by("-created_at", "-id")


def task_attachments(*, task: Task) -> QuerySet[Any]:
    return TaskAttachment.objects.filter(task=task).order_by("created_at", "id")


def get_task_attachment(*, task: Task, attachment_id: int) -> Any:
    """An attachment of a task the caller has already fetched for its viewer."""
    return one_or_not_found(task_attachments(task=task), "No such attachment.", pk=attachment_id)


def task_invitations(*, task: Task) -> QuerySet[BidInvitation]:
    """Suppliers invited to bid on a task (the client's view of its own task)."""
    return BidInvitation.objects.filter(task=task).select_related("supplier").order_by("-created_at")


def open_tasks_of(*, organization: Organization, limit: int = 25) -> list[Task]:
    """The organization's open tasks, newest first: what a client can invite a supplier to.

    Every view of the supplier directory asks; the query is compiled once (``core.queries``)."""
    return _OPEN_TASKS_OF.page(offset=0, limit=limit, organization=organization)


_OPEN_TASKS_OF = CompiledQuery(
    Task,
    lambda organization: (
        Task.objects.for_org(organization)
        .open_for_bids()
        .only("id", "title", "visibility", "published_at")
        .order_by("-published_at", "-id")
    ),
    organization=-7_314,
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


def client_dashboard_tasks(*, organization: Organization, user: User, status: str = "") -> QuerySet[Task]:
    """The client's tasks with live bid counts and the user's unread messages per task, in one query.

    A message is unread when a supplier sent it after the user's read mark on
    its thread (every supplier message counts when the user never opened it).
    Only the columns the dashboard shows are read; ``category_name`` is the
    category's name.
    """
    queryset = (
        client_tasks(organization=organization)
        .select_related(None)
        .only(*DASHBOARD_FIELDS)
        .annotate(
            category_name=F("category__name"),
            unread_count=unread_count(organization=organization, user=user, per="thread__task"),
        )
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


DASHBOARD_FIELDS = (
    "id",
    "organization",
    "title",
    "status",
    "visibility",
    "budget_type",
    "currency",
    "budget_amount",
    "hourly_rate_min",
    "hourly_rate_max",
    "deadline",
    "bidding_closes_at",
    "edited_at",
    "updated_at",
)

# Stand-ins no row or status has: the dashboard's SQL is compiled once per process (core.queries).
_ANY_ORGANIZATION, _ANY_USER, _ANY_STATUS = -7_301, -7_302, "\x00status"
_DASHBOARD_PAGE = CompiledQuery(
    Task,
    lambda organization, user: client_dashboard_tasks(organization=Organization(pk=organization), user=user),
    organization=_ANY_ORGANIZATION,
    user=_ANY_USER,
)
_DASHBOARD_PAGE_IN_STATUS = CompiledQuery(
    Task,
    lambda organization, user, status: client_dashboard_tasks(
        organization=Organization(pk=organization), user=user, status=status
    ),
    organization=_ANY_ORGANIZATION,
    user=_ANY_USER,
    status=_ANY_STATUS,
)


class ClientDashboard:
    """:func:`client_dashboard_tasks`, one page at a time, for a ``Paginator`` (which is given the count).

    The page's query is the same ORM query, compiled to SQL once per process:
    compiling its two per-task subqueries cost 3.4 ms of Python per view for
    the biggest client of the benchmark database (1,800 tasks), the SQL 0.5 ms.
    """

    ordered = True  # for Paginator

    def __init__(self, *, organization: Organization, user: User, status: str = "") -> None:
        self.organization, self.user, self.status = organization, user, status

    def __getitem__(self, window: slice) -> list[Task]:
        start, stop = window.start or 0, window.stop
        if stop is None or window.step is not None:
            raise TypeError("ClientDashboard serves pages: [start:stop] only")
        if self.status:
            return _DASHBOARD_PAGE_IN_STATUS.page(
                offset=start, limit=stop - start, organization=self.organization, user=self.user, status=self.status
            )
        return _DASHBOARD_PAGE.page(offset=start, limit=stop - start, organization=self.organization, user=self.user)


def task_status_counts(*, organization: Organization) -> dict[str, int]:
    """How many of the organization's tasks are in each status, in one query.

    ``COUNT(*)``, not of ids: PostgreSQL then counts from the index on
    (organization, status) alone, without reading each task's row (the biggest
    client of the benchmark database: 0.3 ms instead of 3 ms). Its SQL is compiled once per process.
    """
    return dict(_STATUS_COUNTS.rows(organization=organization))


# The dashboard asks on every view; compiled once (core.queries), as its page of tasks is.
_STATUS_COUNTS = CompiledQuery(
    Task,
    lambda organization: Task.objects.for_org(organization).order_by().values("status").annotate(total=Count("*")),
    organization=-7_314,
)


def saved_searches_of(*, user: User, organization: Organization) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=user, organization=organization).order_by("name", "id")


def get_saved_search(*, saved_search_id: int, user: User, organization: Organization) -> SavedSearch:
    """One of the user's saved searches in the acting organization; anybody else's is missing."""
    saved_searches = saved_searches_of(user=user, organization=organization)
    return one_or_not_found(saved_searches, "No such saved search.", pk=saved_search_id)


@dataclass(frozen=True)
class ClientRecord:
    """What a supplier weighs about a client before bidding (the task page's "About the client")."""

    tasks_posted: int  # tasks it published (a task a moderator hid is not counted)
    hires: int  # contracts it made with a supplier (accepting a bid makes one)


# Kept per process for a minute: the figures move slowly, and a task page read them on every view.
_CLIENT_RECORDS: Memo[dict[int, ClientRecord]] = Memo(dict, seconds=60)


def client_record(*, organization: Organization) -> ClientRecord:
    """The client's tasks posted and hires, in one query; at most a minute old."""
    records = _CLIENT_RECORDS.get()
    if organization.pk in records:
        return records[organization.pk]
    from contracts.models import Contract

    def count_of(queryset: QuerySet[Any]) -> Coalesce:
        """``(SELECT COUNT(id) FROM ... WHERE ...)``: a count as a subquery, with no GROUP BY."""
        counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    figures = (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            tasks_posted=count_of(
                Task.objects.filter(organization=OuterRef("pk"), published_at__isnull=False).exclude(
                    status=TaskStatus.HIDDEN
                )
            ),
            hires=count_of(Contract.objects.filter(client=OuterRef("pk"))),
        )
        .values_list("tasks_posted", "hires")
        .first()
    )
    record = ClientRecord(*(figures or (0, 0)))
    if len(records) >= 10_000:
        records.clear()
    records[organization.pk] = record
    return record
