"""The signed-in home's work queue: what waits for the acting organization, on each side it works.

A client sees its open tasks with bids to decide and its dates coming; a
supplier sees its invitations to bid and its bids; both see conversations with
unread messages, and contracts waiting for signatures (theirs or the other
side's). Each list is one query, bounded (:data:`SHOWN`), with its total from a
window over the same rows, so the page costs the same few queries for one task
or two thousand. Milestones to fund join the queue when payments are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Organization
from contracts.models import Contract
from contracts.selectors import awaiting_signatures
from marketplace.models import (
    LIVE_BID_STATUSES,
    PENDING_BID_STATUSES,
    Bid,
    BidInvitation,
    BidStatus,
    Task,
    TaskStatus,
    Thread,
)
from marketplace.selectors.activity import unread_threads
from marketplace.selectors.messaging import unread_count

if TYPE_CHECKING:
    from accounts.models import User

SHOWN = 5  # rows of each list; each list links to its whole page
BIDDING_CLOSES_SOON = timedelta(days=7)
DEADLINE_SOON = timedelta(days=14)


@dataclass(frozen=True)
class DateComing:
    """A task's next date: its bidding closing within a week, else its deadline (maybe already past)."""

    task: Task
    bidding_closes: bool  # else: the deadline
    when: date | datetime
    overdue: bool


@dataclass
class WorkQueue:
    """What waits for the acting organization: lists of at most :data:`SHOWN` rows and their totals."""

    client: bool
    supplier: bool
    decisions: list[Task] = field(default_factory=list)  # open tasks with bids not yet decided
    decision_tasks: int = 0
    bids_to_decide: int = 0
    dates: list[DateComing] = field(default_factory=list)  # bidding closing or deadline coming
    dates_total: int = 0
    invitations: list[BidInvitation] = field(default_factory=list)  # to bid, not answered by a bid yet
    invitations_total: int = 0
    bids: list[Bid] = field(default_factory=list)  # live bids sent, newest first
    bid_counts: dict[str, int] = field(default_factory=dict)  # every bid sent, by status
    threads: list[Thread] = field(default_factory=list)  # conversations with unread messages
    unread_threads: int = 0
    to_sign: list[Contract] = field(default_factory=list)  # waiting for signatures, ours first
    to_sign_total: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.decisions or self.dates or self.invitations or self.bids or self.threads or self.to_sign)


def work_queue(*, organization: Organization, user: User, client: bool, supplier: bool, unread_total: int) -> WorkQueue:
    """The queue of the sides the organization works on. ``unread_total``: the header's count
    (``marketplace.selectors.activity``), so the threads' total is not counted twice."""
    queue = WorkQueue(client=client, supplier=supplier, unread_threads=unread_total)
    queue.to_sign, queue.to_sign_total = awaiting_signatures(organization=organization, limit=SHOWN)
    if client:
        queue.decisions, queue.decision_tasks, queue.bids_to_decide = _decisions(organization)
        queue.dates, queue.dates_total = _dates(organization)
    if supplier:
        queue.invitations, queue.invitations_total = _invitations(organization)
        queue.bids = _live_bids(organization)
        queue.bid_counts = _bid_counts(organization)
    if unread_total:
        queue.threads = _unread(organization, user)
    return queue


def _totals(rows: list[Any], *names: str) -> tuple[int, ...]:
    """The window totals the first row carries (every row carries the same); zeros when there are no rows."""
    return tuple(int(getattr(rows[0], name) or 0) if rows else 0 for name in names)


def _count_of_bids(task_bids: Q) -> Coalesce:
    counted = (
        Bid.objects.filter(task_bids, task=OuterRef("pk")).order_by().values("task").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _decisions(organization: Organization) -> tuple[list[Task], int, int]:
    """Open tasks with bids submitted or shortlisted, the soonest bidding close first."""
    rows = list(
        Task.objects.for_org(organization)
        .filter(status=TaskStatus.OPEN)
        .annotate(
            pending_bids=_count_of_bids(Q(status__in=PENDING_BID_STATUSES)),
            shortlisted_bids=_count_of_bids(Q(status=BidStatus.SHORTLISTED)),
        )
        .filter(pending_bids__gt=0)
        .annotate(tasks_total=Window(Count("pk")), bids_total=Window(Sum("pending_bids")))
        .only("id", "title", "currency", "budget_amount", "bidding_closes_at", "deadline", "status")
        .order_by("bidding_closes_at", "id")[:SHOWN]
    )
    tasks_total, bids_total = _totals(rows, "tasks_total", "bids_total")
    return rows, tasks_total, bids_total


def _dates(organization: Organization) -> tuple[list[DateComing], int]:
    """Tasks whose bidding closes within a week, or whose deadline falls within two weeks (overdue too)."""
    now, today = timezone.now(), timezone.localdate()
    closing = Q(status=TaskStatus.OPEN, bidding_closes_at__gt=now, bidding_closes_at__lte=now + BIDDING_CLOSES_SOON)
    due = Q(status__in=(TaskStatus.OPEN, TaskStatus.AWARDED), deadline__lte=today + DEADLINE_SOON)
    rows = list(
        Task.objects.for_org(organization)
        .filter(closing | due)
        .annotate(total=Window(Count("pk")))
        .only("id", "title", "status", "bidding_closes_at", "deadline")
        .order_by("deadline", "bidding_closes_at", "id")[:SHOWN]
    )
    dates = []
    for task in rows:
        if task.status == TaskStatus.OPEN and now < task.bidding_closes_at <= now + BIDDING_CLOSES_SOON:
            dates.append(DateComing(task, bidding_closes=True, when=task.bidding_closes_at, overdue=False))
        else:
            dates.append(DateComing(task, bidding_closes=False, when=task.deadline, overdue=task.deadline < today))
    return dates, _totals(rows, "total")[0]


def _invitations(organization: Organization) -> tuple[list[BidInvitation], int]:
    """Invitations to tasks still open for bids that the organization has not bid on, the soonest close first."""
    bid = Bid.objects.filter(task=OuterRef("task"), supplier=organization, status__in=LIVE_BID_STATUSES)
    rows: list[BidInvitation] = list(
        BidInvitation.objects.filter(
            supplier=organization, task__status=TaskStatus.OPEN, task__bidding_closes_at__gt=timezone.now()
        )
        .exclude(Exists(bid))
        .select_related("task", "task__organization")
        .only(
            "id",
            "created_at",
            "task__id",
            "task__title",
            "task__currency",
            "task__budget_amount",
            "task__budget_type",
            "task__bidding_closes_at",
            "task__organization__id",
            "task__organization__name",
        )
        .annotate(total=Window(Count("pk")))
        .order_by("task__bidding_closes_at", "id")[:SHOWN]
    )
    return rows, _totals(rows, "total")[0]


def _live_bids(organization: Organization) -> list[Bid]:
    return list(
        Bid.objects.by_supplier(organization)
        .live()
        .select_related("task", "task__organization")
        .only(
            "id",
            "status",
            "amount",
            "currency",
            "created_at",
            "task__id",
            "task__title",
            "task__organization__id",
            "task__organization__name",
        )
        .order_by("-created_at", "-id")[:SHOWN]
    )


def _bid_counts(organization: Organization) -> dict[str, int]:
    counts = dict.fromkeys(BidStatus.values, 0)
    rows = Bid.objects.by_supplier(organization).order_by().values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


def _unread(organization: Organization, user: User) -> list[Thread]:
    """Conversations with unread messages, the latest first, with the user's unread count and the other side."""
    return list(
        unread_threads(organization=organization, user=user)
        .select_related("task", "task__organization", "supplier")
        .only(
            "id",
            "last_message_at",
            "supplier__id",
            "supplier__name",
            "task__id",
            "task__title",
            "task__organization__id",
            "task__organization__name",
        )
        .annotate(unread_count=unread_count(organization=organization, user=user, per="thread"))
        .order_by("-last_message_at", "-id")[:SHOWN]
    )
