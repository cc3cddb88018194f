"""What a supplier's public page shows beyond its own profile: its track record, how fast it answers,
and the visiting client's conversations with it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from django.db.models import F
from django.utils import timezone

from accounts.models import Organization
from contracts.selectors import with_track_record
from core.exceptions import NotFound
from marketplace.models import Message, Thread
from marketplace.selectors.messaging import reply_times
from marketplace.selectors.suppliers import get_listed_supplier

#: How far back a supplier's replies are timed, and at most how many messages are read for it.
REPLY_WINDOW = timedelta(days=90)
REPLY_MESSAGES = 2_000


@dataclass(frozen=True)
class SupplierStanding:
    rating: float | None
    review_count: int
    completed_contracts: int
    replies: int  # answers to clients timed in the window
    median_reply_seconds: int | None


def supplier_standing(*, organization: Organization) -> SupplierStanding | None:
    """The organization's record as a supplier, or None when the directory does not list it. Three queries:
    is it listed, its track record, its replies."""
    try:
        get_listed_supplier(organization_id=organization.pk)
    except NotFound:
        return None
    figures = with_track_record(Organization.objects.filter(pk=organization.pk)).values(
        "rating", "review_count", "completed_contracts"
    )[0]
    replies = _reply_seconds(organization)
    return SupplierStanding(
        rating=None if figures["rating"] is None else float(figures["rating"]),
        review_count=figures["review_count"],
        completed_contracts=figures["completed_contracts"],
        replies=len(replies),
        median_reply_seconds=int(statistics.median(replies)) if replies else None,
    )


def _reply_seconds(supplier: Organization) -> list[int]:
    """Seconds from each client message to the supplier's answer, in its threads of the last
    :data:`REPLY_WINDOW` (the newest :data:`REPLY_MESSAGES` messages)."""
    since = timezone.now() - REPLY_WINDOW
    rows = (
        Message.objects.filter(thread__supplier=supplier, created_at__gte=since)
        .order_by("-created_at", "-id")
        .values_list("thread_id", "thread__task__organization_id", "sender_organization_id", "created_at")[
            :REPLY_MESSAGES
        ]
    )
    seconds: list[int] = []
    for (_thread, client_id), messages in groupby(sorted(rows, key=lambda row: (row[0], row[3])), key=lambda r: r[:2]):
        seconds += reply_times([(sender, at) for *_, sender, at in messages], client_id=client_id)
    return seconds


def latest_conversation(*, client: Organization, supplier: Organization) -> Thread | None:
    """The client's most recent thread with the supplier (about one of its own tasks), if any."""
    return (
        Thread.objects.filter(task__organization=client, supplier=supplier)
        .select_related("task")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
        .first()
    )
