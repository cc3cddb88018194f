"""What the header says about the acting organization's marketplace work, in one query per request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Organization
from marketplace.models import Message, Task, Thread, ThreadReadMark

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class Activity:
    """The sides of the marketplace the acting organization works on, and the user's unread conversations."""

    offers_services: bool  # it says it works for others (accounts.Organization.offers_services)
    posts_tasks: bool  # it has posted (or drafted) a task
    unread_threads: int  # conversations with a message from the other side the user has not read

    @property
    def client_side(self) -> bool:
        """My tasks and the directory are its pages: it has tasks, or it offers no services (so it hires)."""
        return self.posts_tasks or not self.offers_services

    @property
    def supplier_side(self) -> bool:
        """Find work and Bids are its pages."""
        return self.offers_services


def unread_threads(*, organization: Organization, user: User) -> QuerySet[Thread]:
    """The organization's threads (either side) with a message from the other side after the user's read mark.

    Only threads whose last message is newer than the mark are looked into
    (``last_message_at`` is on the thread row), so a read inbox costs a walk
    of its threads, not of their messages. No mark: every message counts.
    """
    mark = ThreadReadMark.objects.filter(thread=OuterRef("pk"), user=user).values("last_read_at")[:1]
    from_them = Message.objects.filter(thread=OuterRef("pk"), created_at__gt=OuterRef("read_to")).exclude(
        sender_organization=organization
    )
    return (
        Thread.objects.for_org(organization)
        .annotate(read_to=Coalesce(Subquery(mark), Value(NEVER)))
        .filter(last_message_at__gt=F("read_to"))
        .filter(Exists(from_them))
    )


# Before any message: what a thread the user never opened counts as read to.
NEVER = datetime(1, 1, 1, tzinfo=UTC)


def activity_of(*, organization: Organization, user: User) -> Activity:
    """:class:`Activity` in one statement: whether the organization has tasks, and the user's unread threads."""
    counted = (
        unread_threads(organization=organization, user=user).order_by().annotate(n=Func(F("pk"), function="COUNT"))
    )
    rows = list(
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            has_tasks=Exists(Task.objects.filter(organization=OuterRef("pk"))),
            unread=Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0),
        )
        .order_by()
        .values_list("has_tasks", "unread")[:1]
    )
    has_tasks, unread = rows[0] if rows else (False, 0)
    return Activity(
        offers_services=organization.offers_services, posts_tasks=bool(has_tasks), unread_threads=int(unread)
    )
