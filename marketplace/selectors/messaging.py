"""Threads between a task's client and a supplier, with unread counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Organization
from core.exceptions import NotFound
from marketplace.models import (
    Bid,
    BidInvitation,
    Message,
    MessageAttachment,
    Task,
    Thread,
    ThreadReadMark,
)


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


def unread_count(*, organization: Organization, user: Any, per: str) -> Coalesce:
    """Per ``per`` (``"thread"`` or ``"thread__task"``) of the outer row: messages the other side
    sent after the user's read mark on their thread (all of them when the user never opened it).

    A subquery annotation, so a list gets every count in its own single query.
    """
    read_mark = ThreadReadMark.objects.filter(thread=OuterRef("thread_id"), user=user).values("last_read_at")[:1]
    unread = (
        Message.objects.filter(**{per: OuterRef("pk")})
        .exclude(sender_organization=organization)
        .annotate(read_to=Subquery(read_mark))
        .filter(Q(read_to__isnull=True) | Q(created_at__gt=F("read_to")))
        .order_by()
        .values(per)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def threads_with_unread(*, organization: Organization, user: Any) -> QuerySet[Thread]:
    """The organization's threads (either side) with the user's unread count, in one query.

    ``activity_at``: the last message, else when the thread was opened (never
    null, so it can order a cursor).
    """
    return (
        Thread.objects.for_org(organization)
        .select_related("task", "task__organization", "supplier")
        .annotate(
            unread_count=unread_count(organization=organization, user=user, per="thread"),
            activity_at=Coalesce("last_message_at", "created_at"),
        )
    )


def thread_summaries(*, organization: Organization, user: Any) -> QuerySet[Thread]:
    """:func:`threads_with_unread` plus the last message's text and side, newest activity first; one query."""

    last = Message.objects.filter(thread=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        threads_with_unread(organization=organization, user=user)
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_sender_id=Subquery(last.values("sender_organization_id")[:1]),
        )
        .order_by("-activity_at", "-id")
    )


def thread_summary_page(*, organization: Organization, user: Any, number: Any, per_page: int) -> Page[Thread]:
    """One page of :func:`thread_summaries`: two queries (the count, then the page).

    The page's threads are chosen by id first, and only those 25 are joined to
    their task, client and supplier and get their subqueries: sorting the joined
    rows of a client with 5,000 threads cost 50 ms (docs/benchmarks.md, 18).
    """
    ids = (
        Thread.objects.for_org(organization)
        .annotate(activity_at=Coalesce("last_message_at", "created_at"))
        .order_by("-activity_at", "-id")
        .values("pk")
    )
    page: Page[Any] = Paginator(ids, per_page).get_page(number)
    page.object_list = list(thread_summaries(organization=organization, user=user).filter(pk__in=page.object_list))
    return page


def thread_messages(*, thread: Thread) -> QuerySet[Any]:
    """A thread's messages, oldest first, with senders and attachments (three queries)."""
    return (
        Message.objects.filter(thread=thread)
        .select_related("sender", "sender_organization")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def read_mark(*, thread: Thread, user: Any) -> datetime | None:
    """When the user last read the thread (None if never)."""
    return ThreadReadMark.objects.filter(thread=thread, user=user).values_list("last_read_at", flat=True).first()


def get_message_attachment(*, thread: Thread, attachment_id: int) -> Any:
    """An attachment of a message in a thread the caller already may see."""
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
