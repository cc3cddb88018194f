"""What the header says about the acting organization's marketplace work: one query per request, or none."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from redis.exceptions import RedisError

from accounts.models import Organization
from core.generations import generation
from core.queries import CompiledQuery
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


def unread_threads(*, organization: Organization, user: User | int) -> QuerySet[Thread]:
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


def _activity_query(*, organization: Organization, user: User | int) -> QuerySet[Organization, Any]:
    """The organization's row with whether it has tasks and the user's unread threads: :func:`activity_of`'s."""
    counted = (
        unread_threads(organization=organization, user=user).order_by().annotate(n=Func(F("pk"), function="COUNT"))
    )
    return (
        Organization.objects.filter(pk=organization.pk)
        .annotate(
            has_tasks=Exists(Task.objects.filter(organization=OuterRef("pk"))),
            unread=Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0),
        )
        .order_by()
        .values_list("has_tasks", "unread")[:1]
    )


# Every signed-in page's header asks this; the ORM took about 6 ms of Python to build and compile its
# three subqueries, around 0.3 ms of SQL on the benchmark database, so its SQL is compiled once per
# process (core.queries) with stand-ins no organization or user has.
_ACTIVITY = CompiledQuery(
    Organization,
    lambda organization, user: _activity_query(organization=Organization(pk=organization), user=user),
    organization=-7_401,
    user=-7_402,
)


#: How long an :class:`Activity` is kept. Every write that changes one (a message sent, a thread read, a
#: task created) forgets it after commit, so this bounds only writes outside the services (the admin,
#: generated data) and a forgetting lost while Redis was unavailable.
ACTIVITY_SECONDS = 300


def _activity_keys(organization_id: int, user_id: int) -> tuple[str, str, str]:
    prefix = "marketplace:activity"
    return (
        f"{prefix}:generation:organization:{organization_id}",
        f"{prefix}:generation:user:{user_id}",
        f"{prefix}:{organization_id}:{user_id}",
    )


def activity_of(*, organization: Organization, user: User) -> Activity:
    """:class:`Activity`: whether the organization has tasks, and the user's unread threads; one query, or
    none when the cache holds it (one round trip to Redis either way).

    Every signed-in page's header shows it. Counting a client's unread conversations goes through all of
    its threads (a biggest client's 5,300 hang off 1,800 tasks: about 8 ms of the database a page, more
    than the rest of the page), though it changes only when a message is sent in one of the
    organization's threads, when the user reads one, or when the organization posts its first task.

    Current means: the entry carries the generations of the organization and of the user it was
    computed under, and :func:`forget_activity` drops a generation after a write commits (the pattern
    of :func:`marketplace.selectors.messaging.thread_order`). An entry computed from the database before
    that commit is stored under the old generation, which no later view accepts.
    """
    try:
        has_tasks, unread = _kept_activity(organization, user)
    except RedisError:  # the header works without its cache
        has_tasks, unread = _activity_row(organization, user)
    return Activity(offers_services=organization.offers_services, posts_tasks=has_tasks, unread_threads=unread)


def _activity_row(organization: Organization, user: User) -> tuple[bool, int]:
    rows = _ACTIVITY.rows(organization=organization, user=user)
    has_tasks, unread = rows[0] if rows else (False, 0)
    return bool(has_tasks), int(unread)


def _kept_activity(organization: Organization, user: User) -> tuple[bool, int]:
    organization_key, user_key, entry_key = _activity_keys(organization.pk, user.pk)
    found = cache.get_many([organization_key, user_key, entry_key])
    generations = (found.get(organization_key), found.get(user_key))
    entry = found.get(entry_key)
    if None not in generations and isinstance(entry, tuple) and len(entry) == 4 and entry[:2] == generations:
        return entry[2], entry[3]
    generations = (
        generation(organization_key, generations[0], timeout=ACTIVITY_SECONDS),
        generation(user_key, generations[1], timeout=ACTIVITY_SECONDS),
    )
    has_tasks, unread = _activity_row(organization, user)
    cache.set(entry_key, (*generations, has_tasks, unread), timeout=ACTIVITY_SECONDS)
    return has_tasks, unread


def forget_activity(*, organization_ids: Iterable[int] = (), user_ids: Iterable[int] = ()) -> None:
    """Make the next :func:`activity_of` of these organizations (any member) and users (in any
    organization) read the database: now, for what the writing transaction reads next, and again after
    it commits, for a view that read the database in between (its entry is kept under a generation no
    later view accepts). Call from the write's transaction."""
    keys = [_activity_keys(pk, 0)[0] for pk in organization_ids] + [_activity_keys(0, pk)[1] for pk in user_ids]

    def forget() -> None:
        with contextlib.suppress(RedisError):  # then kept at most ACTIVITY_SECONDS
            cache.delete_many(keys)

    if keys:
        forget()
        transaction.on_commit(forget)
