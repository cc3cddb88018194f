"""What a supplier's public page shows beyond its own profile: its track record, how fast it answers,
and the visiting client's conversations with it."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F

from accounts.models import Organization
from contracts.selectors import with_track_record
from core.exceptions import NotFound
from marketplace.models import Thread
from marketplace.selectors.suppliers import get_listed_supplier, with_reply_time


@dataclass(frozen=True)
class SupplierStanding:
    rating: float | None
    review_count: int
    completed_contracts: int
    replies: int  # answers to clients timed in the window
    median_reply_seconds: int | None


def supplier_standing(*, organization: Organization) -> SupplierStanding | None:
    """The organization's record as a supplier, or None when the directory does not list it. Two queries:
    is it listed, its track record with its stored reply time (the figure its directory card shows)."""
    try:
        get_listed_supplier(organization_id=organization.pk)
    except NotFound:
        return None
    figures = with_reply_time(with_track_record(Organization.objects.filter(pk=organization.pk))).values(
        "rating", "review_count", "completed_contracts", "reply_count", "median_reply_seconds"
    )[0]
    return SupplierStanding(
        rating=None if figures["rating"] is None else float(figures["rating"]),
        review_count=figures["review_count"],
        completed_contracts=figures["completed_contracts"],
        replies=figures["reply_count"],
        median_reply_seconds=figures["median_reply_seconds"],
    )


def latest_conversation(*, client: Organization, supplier: Organization) -> Thread | None:
    """The client's most recent thread with the supplier (about one of its own tasks), if any."""
    return (
        Thread.objects.filter(task__organization=client, supplier=supplier)
        .select_related("task")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
        .first()
    )
