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


def link(name: str, **kwargs: Any) -> str:
    """The absolute address of a route, for emails."""
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs)


def notify(organization: Organization, *, subject: str, template: str, context: dict[str, Any]) -> int:
    """Queue one email per member of ``organization``, from the text ``template``; returns how many."""
    body = render_to_string(template, {**context, "site_name": settings.SITE_NAME})
    recipients = _member_emails(organization)
    for email in recipients:
        enqueue("core.send_email", subject=f"[{settings.SITE_NAME}] {subject}", body=body, to=[email])
    return len(recipients)


def bid_received(*, bid: Bid) -> None:
    notify(
        bid.task.organization,
        subject=f"New bid on “{bid.task.title}”",
        template="marketplace/email/bid_received.txt",
        context={
            "bid": bid,
            "price": format_money(bid.amount, bid.currency),
            "url": link("task-bids", task_id=bid.task_id),
        },
    )


def bid_declined(*, bid: Bid) -> None:
    notify(
        bid.supplier,
        subject=f"Your bid on “{bid.task.title}” was declined",
        template="marketplace/email/bid_declined.txt",
        context={"bid": bid, "url": link("bid-detail", bid_id=bid.pk)},
    )


def bid_accepted(*, bid: Bid, contract_id: int) -> None:
    notify(
        bid.supplier,
        subject=f"Your bid on “{bid.task.title}” was accepted",
        template="marketplace/email/bid_accepted.txt",
        context={
            "bid": bid,
            "price": format_money(bid.amount, bid.currency),
            "url": link("contract-detail", contract_id=contract_id),
        },
    )


def invited_to_bid(*, invitation: BidInvitation) -> None:
    notify(
        invitation.supplier,
        subject=f"{invitation.task.organization.name} invites you to bid",
        template="marketplace/email/invited_to_bid.txt",
        context={"invitation": invitation, "url": link("task-detail", task_id=invitation.task_id)},
    )


def message_received(*, message: Any) -> None:
    thread = message.thread
    other = (
        thread.supplier if message.sender_organization_id == thread.task.organization_id else thread.task.organization
    )
    notify(
        other,
        subject=f"New message about “{thread.task.title}”",
        template="marketplace/email/message_received.txt",
        context={"message": message, "thread": thread, "url": link("thread-detail", thread_id=thread.pk)},
    )


def task_hidden(*, task: Task, reason: str) -> None:
    notify(
        task.organization,
        subject=f"“{task.title}” was taken off the marketplace",
        template="marketplace/email/task_hidden.txt",
        context={"task": task, "reason": reason, "url": link("task-detail", task_id=task.pk)},
    )


def task_restored(*, task: Task) -> None:
    notify(
        task.organization,
        subject=f"“{task.title}” is back on the marketplace",
        template="marketplace/email/task_restored.txt",
        context={"task": task, "url": link("task-detail", task_id=task.pk)},
    )
