"""Bids as the bidder or the task's client sees them, and their history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet

from accounts.models import Organization
from core.models import AuditEvent
from core.queries import one_or_not_found
from marketplace.models import (
    Bid,
    BidStatus,
    Task,
    Thread,
)

_BID_EVENT_LABELS = {
    "bid.submitted": "Bid submitted",
    "bid.updated": "Terms edited",
    "bid.shortlisted": "Shortlisted",
    "bid.unshortlisted": "Taken off the shortlist",
    "bid.declined": "Declined",
    "bid.withdrawn": "Withdrawn",
    "bid.accepted": "Accepted",
}


def _one_bid(bids: QuerySet[Bid], bid_id: int) -> Bid:
    """The bid of ``bid_id`` among ``bids`` (one side's scope), with its task, client and supplier."""
    return one_or_not_found(bids.select_related("task", "task__organization", "supplier"), "No such bid.", pk=bid_id)


def get_bid(*, bid_id: int, organization: Organization) -> Bid:
    """A bid the organization made, or one on its task (reading: either side)."""
    return _one_bid(Bid.objects.for_org(organization).prefetch_related("milestones"), bid_id)


def supplier_bids(*, organization: Organization) -> QuerySet[Bid]:
    return Bid.objects.by_supplier(organization).select_related("task", "task__organization").order_by("-created_at")


def bids_on_own_task(*, task: Task, organization: Organization) -> QuerySet[Bid]:
    """Every bid on a task of ``organization`` (the client's view), milestones prefetched."""
    return (
        Bid.objects.on_tasks_of(organization)
        .filter(task=task)
        .select_related("task", "task__organization", "supplier")
        .prefetch_related("milestones")
    )


def get_own_bid(*, bid_id: int, organization: Organization) -> Bid:
    """A bid the organization made (the supplier side: edit, withdraw)."""
    return _one_bid(Bid.objects.by_supplier(organization), bid_id)


def get_bid_on_own_task(*, bid_id: int, organization: Organization) -> Bid:
    """A bid on one of the organization's tasks (the client side: shortlist, decline, accept)."""
    return _one_bid(Bid.objects.on_tasks_of(organization), bid_id)


def bids_on_task(*, task: Task, status: str = "") -> QuerySet[Bid]:
    """The client's list of bids on its task, with supplier and counts; one query."""
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
    counts = dict.fromkeys(BidStatus.values, 0)
    rows = Bid.objects.filter(task=task).values("status").annotate(count=Count("id")).order_by()
    for row in rows:
        counts[row["status"]] = row["count"]
    return counts


def get_bid_attachment(*, bid: Bid, attachment_id: int) -> Any:
    """An attachment of a bid the caller already may see."""
    return one_or_not_found(bid.attachments.all(), "No such file.", pk=attachment_id)


@dataclass
class BidEvent:
    """One line of a bid's status history."""

    at: datetime
    label: str
    organization: str  # the side that acted
    actor: str  # a person's name, shown to their own organization only
    note: str = ""


def bid_history(*, bid: Bid, organization: Organization) -> list[BidEvent]:
    """The bid's moves from the audit log, oldest first, as ``organization`` may see them.

    Bids declined because another was accepted are declined in bulk without an
    event of their own; their decision time stands in for it.
    """

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


def bid_in_thread(*, thread: Thread) -> Bid | None:
    """The supplier's latest bid on the thread's task, if any."""
    return Bid.objects.filter(task=thread.task_id, supplier=thread.supplier_id).order_by("-created_at", "-id").first()
