"""Emails the marketplace sends, rendered now and delivered by a worker after commit.

Each goes to every member of the organization concerned. Called by services,
inside their transaction: the outbox row commits (or rolls back) with the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import Membership, Organization
from core.money import format_money
from core.outbox import enqueue

if TYPE_CHECKING:
    from marketplace.models import Bid, BidInvitation, Task


def _member_emails(organization: Organization) -> list[str]:
    return sorted(
        Membership.objects.filter(organization=organization, user__is_active=True).values_list("user__email", flat=True)
    )


def _link(name: str, **kwargs: Any) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def notify(organization: Organization, *, subject: str, template: str, context: dict[str, Any]) -> int:
    """Queue one email per member of ``organization``; returns how many."""
    body = render_to_string(f"marketplace/email/{template}.txt", {**context, "site_name": settings.SITE_NAME})
    recipients = _member_emails(organization)
    for email in recipients:
        enqueue("core.send_email", subject=f"[{settings.SITE_NAME}] {subject}", body=body, to=[email])
    return len(recipients)


def bid_received(*, bid: Bid) -> None:
    notify(
        bid.task.organization,
        subject=f"New bid on “{bid.task.title}”",
        template="bid_received",
        context={
            "bid": bid,
            "price": format_money(bid.amount, bid.currency),
            "url": _link("task-bids", task_id=bid.task_id),
        },
    )


def bid_declined(*, bid: Bid) -> None:
    notify(
        bid.supplier,
        subject=f"Your bid on “{bid.task.title}” was declined",
        template="bid_declined",
        context={"bid": bid, "url": _link("bid-detail", bid_id=bid.pk)},
    )


def bid_accepted(*, bid: Bid) -> None:
    notify(
        bid.supplier,
        subject=f"Your bid on “{bid.task.title}” was accepted",
        template="bid_accepted",
        context={
            "bid": bid,
            "price": format_money(bid.amount, bid.currency),
            "url": _link("bid-detail", bid_id=bid.pk),
        },
    )


def invited_to_bid(*, invitation: BidInvitation) -> None:
    notify(
        invitation.supplier,
        subject=f"{invitation.task.organization.name} invites you to bid",
        template="invited_to_bid",
        context={"invitation": invitation, "url": _link("task-detail", task_id=invitation.task_id)},
    )


def message_received(*, message: Any) -> None:
    thread = message.thread
    other = (
        thread.supplier if message.sender_organization_id == thread.task.organization_id else thread.task.organization
    )
    notify(
        other,
        subject=f"New message about “{thread.task.title}”",
        template="message_received",
        context={"message": message, "thread": thread, "url": _link("thread-detail", thread_id=thread.pk)},
    )


def task_hidden(*, task: Task, reason: str) -> None:
    notify(
        task.organization,
        subject=f"“{task.title}” was taken off the marketplace",
        template="task_hidden",
        context={"task": task, "reason": reason, "url": _link("task-detail", task_id=task.pk)},
    )


def task_restored(*, task: Task) -> None:
    notify(
        task.organization,
        subject=f"“{task.title}” is back on the marketplace",
        template="task_restored",
        context={"task": task, "url": _link("task-detail", task_id=task.pk)},
    )
