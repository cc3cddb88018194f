"""Threads between a task's client and a supplier, with unread counts."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Organization, User
from core import generations, joins
from core.exceptions import NotFound
from core.queries import one_or_not_found
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
    threads = Thread.objects.for_org(organization).select_related("task", "task__organization", "supplier")
    return one_or_not_found(threads, "No such conversation.", pk=thread_id)


def unread_count(*, organization: Organization, user: User, per: str) -> Coalesce:
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


def threads_with_unread(*, organization: Organization, user: User) -> QuerySet[Thread]:
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


def thread_summaries(*, organization: Organization, user: User) -> QuerySet[Thread]:
    """:func:`threads_with_unread` plus the last message's text and side, newest activity first; one query.

    The messages page reads the same figures for its 25 threads with
    :func:`_summaries` (a test holds the two equal).
    """

    last = Message.objects.filter(thread=OuterRef("pk")).order_by("-created_at", "-id")
    # The supplier's latest bid on the task, as bid_in_thread reads it: None when it was invited and has not bid.
    latest_bid = Bid.objects.filter(task=OuterRef("task"), supplier=OuterRef("supplier")).order_by("-created_at", "-id")
    return (
        threads_with_unread(organization=organization, user=user)
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_sender_id=Subquery(last.values("sender_organization_id")[:1]),
            bid_status=Subquery(latest_bid.values("status")[:1]),
        )
        .order_by("-activity_at", "-id")
    )


#: How long an organization's thread order is kept. Every thread created and
#: every message sent (the only writes that add threads or move them) forgets
#: it after commit, so this bounds only writes outside the services (the
#: admin, a cascade from deleting a task or an organization, generated data).
THREAD_ORDER_SECONDS = 300
#: Ids kept per organization: the first ten pages of 25. Later pages ask the database.
THREAD_ORDER_IDS = 250


@dataclass(frozen=True)
class ThreadOrder:
    """An organization's threads, newest activity first: how many, and the first ids."""

    count: int
    ids: tuple[int, ...]


def _thread_ids(organization: Organization) -> QuerySet[Thread]:
    return (
        Thread.objects.for_org(organization)
        .annotate(activity_at=Coalesce("last_message_at", "created_at"))
        .order_by("-activity_at", "-id")
    )


def _thread_order_keys(organization_id: int) -> tuple[str, str]:
    return f"marketplace:thread-order:generation:{organization_id}", f"marketplace:thread-order:{organization_id}"


def thread_order(*, organization: Organization) -> ThreadOrder:
    """The organization's thread count and first :data:`THREAD_ORDER_IDS` ids, from the cache when current.

    The same for every member (unread counts, the per-user part, are not
    kept), so the key is the organization's. A biggest client's 5,300
    threads hang off 1,800 tasks: counting and sorting them reads about
    5,400 index pages, 10-20 ms a view, for a list that changes only when a
    message is sent or a thread is opened.

    Current means: the entry carries the generation it was computed under,
    and :func:`forget_thread_order` drops the generation after a write
    commits. A view that read the database before that commit stores its
    entry under the old generation, which no later view accepts.
    """
    generation_key, order_key = _thread_order_keys(organization.pk)
    found = cache.get_many([generation_key, order_key])
    generation, entry = found.get(generation_key), found.get(order_key)
    if generation is not None and isinstance(entry, tuple) and len(entry) == 3 and entry[0] == generation:
        return ThreadOrder(count=entry[1], ids=entry[2])
    generation = generations.generation(generation_key, generation, timeout=THREAD_ORDER_SECONDS)
    # One query: the window counts every row before the limit takes the first ids.
    rows = list(
        _thread_ids(organization).annotate(total=Window(Count("pk"))).values_list("pk", "total")[:THREAD_ORDER_IDS]
    )
    order = ThreadOrder(count=rows[0][1] if rows else 0, ids=tuple(pk for pk, _ in rows))
    cache.set(order_key, (generation, order.count, order.ids), timeout=THREAD_ORDER_SECONDS)
    return order


def forget_thread_order(*, organization_ids: Iterable[int]) -> None:
    """Make the next :func:`thread_order` of these organizations read the database. Call after commit."""
    cache.delete_many([_thread_order_keys(pk)[0] for pk in organization_ids])


class _ThreadIdList:
    """What the paginator pages: the count and the first ids from :func:`thread_order`, later ids from the database."""

    def __init__(self, organization: Organization, order: ThreadOrder) -> None:
        self.organization = organization
        self.order = order

    def count(self) -> int:
        return self.order.count

    def __len__(self) -> int:
        return self.order.count

    def __getitem__(self, window: slice) -> Any:
        if window.stop is not None and window.stop <= len(self.order.ids):
            return list(self.order.ids[window])
        return list(_thread_ids(self.organization).values_list("pk", flat=True)[window])


@functools.cache
def _page_query(database: str) -> tuple[str, tuple[joins.Columns, ...]]:
    """The threads of a page of ids with what the list shows, each with the user's unread count and
    the last message's body and sending organization and the supplier's latest bid status, newest activity
    first: one statement, written once.

    The ORM took 2.3 ms to build and compile the unread and last-message subqueries, and another
    millisecond for the threads' join, for every view of the messages page: about as long as
    PostgreSQL takes to answer both. ``thread_summaries`` is the same read as a queryset (a test
    holds the two equal). Only a few columns of the task, the client and the supplier are read
    (never the task's description). The two organizations' names and the user's read mark are
    subqueries, not joins: with five tables to join PostgreSQL spent 0.6-0.9 ms planning the
    statement, with two about 0.5 (docs/benchmarks.md, round 7).
    """
    tables = (
        joins.Columns.of(Thread, "t", database=database),
        joins.Columns.of(Task, "task", database=database, only=["title", "organization"]),
        joins.Columns.of(Organization, "client", database=database, only=["name"]),
        joins.Columns.of(Organization, "supplier", database=database, only=["name"]),
    )
    t, c = functools.partial(joins.table, database=database), functools.partial(joins.column, database=database)

    def name_of(organization_id: str) -> str:
        """The id and (a subquery) the name of the organization ``organization_id`` (a column) names,
        in the order of its ``Columns`` (``only=["name"]``)."""
        name, pk = c(Organization, "name"), c(Organization, "id")
        return f"{organization_id}, (SELECT o.{name} FROM {t(Organization)} o WHERE o.{pk} = {organization_id})"  # noqa: S608 - a column of ours, no value

    thread, task = tables[0], tables[1]
    client_id, supplier_id = f"task.{c(Task, 'organization')}", f"t.{c(Thread, 'supplier')}"
    sql = f"""
        SELECT {thread.sql}, {task.sql},
               {name_of(client_id)},
               {name_of(supplier_id)},
               (SELECT count(*) FROM {t(Message)} m
                 WHERE m.{c(Message, "thread")} = t.{c(Thread, "id")}
                   AND m.{c(Message, "sender_organization")} <> %(organization)s
                   AND m.{c(Message, "created_at")} > COALESCE(
                        (SELECT r.{c(ThreadReadMark, "last_read_at")} FROM {t(ThreadReadMark)} r
                          WHERE r.{c(ThreadReadMark, "thread")} = t.{c(Thread, "id")}
                            AND r.{c(ThreadReadMark, "user")} = %(user)s),
                        '-infinity')),
               last.{c(Message, "body")},
               last.{c(Message, "sender_organization")},
               (SELECT b.{c(Bid, "status")} FROM {t(Bid)} b
                 WHERE b.{c(Bid, "task")} = t.{c(Thread, "task")} AND b.{c(Bid, "supplier")} = t.{c(Thread, "supplier")}
                 ORDER BY b.{c(Bid, "created_at")} DESC, b.{c(Bid, "id")} DESC LIMIT 1)
          FROM {t(Thread)} t
          JOIN {t(Task)} task ON task.{c(Task, "id")} = t.{c(Thread, "task")}
          LEFT JOIN LATERAL (
                SELECT m.{c(Message, "body")}, m.{c(Message, "sender_organization")} FROM {t(Message)} m
                 WHERE m.{c(Message, "thread")} = t.{c(Thread, "id")}
                 ORDER BY m.{c(Message, "created_at")} DESC, m.{c(Message, "id")} DESC LIMIT 1
               ) last ON true
         WHERE t.{c(Thread, "id")} = ANY(%(ids)s)
           AND (t.{c(Thread, "supplier")} = %(organization)s OR task.{c(Task, "organization")} = %(organization)s)
         ORDER BY COALESCE(t.{c(Thread, "last_message_at")}, t.{c(Thread, "created_at")}) DESC, t.{c(Thread, "id")} DESC
    """  # noqa: S608 - table and column names from the models; every value is a parameter
    return sql, tables


def thread_summary_page(*, organization: Organization, user: User, number: Any, per_page: int) -> Page[Thread]:
    """One page of :func:`thread_summaries`: one query when the thread order is cached.

    The page's threads are chosen by id first (:func:`thread_order`), and only
    those 25 are read, with their task, client, supplier, unread count and
    last message (:func:`_page_query`), still filtered by the organization, so
    a cached id can never show another organization's thread. Sorting the
    joined rows of a client with 5,000 threads cost 50 ms (docs/benchmarks.md, 18).
    """
    ids = _ThreadIdList(organization, thread_order(organization=organization))
    page: Page[Any] = Paginator(ids, per_page).get_page(number)  # type: ignore[arg-type]
    database = router.db_for_read(Thread)
    sql, tables = _page_query(database)
    with connections[database].cursor() as cursor:
        cursor.execute(sql, {"organization": organization.pk, "user": user.pk, "ids": list(page.object_list)})
        rows = cursor.fetchall()
    threads = []
    width = sum(len(table.attnames) for table in tables)
    for row in rows:
        thread, task, client, supplier = joins.instances(tables, row, database)
        joins.relate(task, "organization", client)
        joins.relate(thread, "task", task)
        joins.relate(thread, "supplier", supplier)
        thread.unread_count, thread.last_body, thread.last_sender_id, thread.bid_status = row[width:]
        threads.append(thread)
    page.object_list = threads
    return page


def thread_messages(*, thread: Thread) -> QuerySet[Any]:
    """A thread's messages, oldest first, with senders and attachments (three queries)."""
    return (
        Message.objects.filter(thread=thread)
        .select_related("sender", "sender_organization")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def read_mark(*, thread: Thread, user: User) -> datetime | None:
    """When the user last read the thread (None if never)."""
    return ThreadReadMark.objects.filter(thread=thread, user=user).values_list("last_read_at", flat=True).first()


def get_message_attachment(*, thread: Thread, attachment_id: int) -> Any:
    """An attachment of a message in a thread the caller already may see."""
    return one_or_not_found(MessageAttachment.objects.filter(message__thread=thread), "No such file.", pk=attachment_id)


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


# --- replies: a conversation's messages read as questions and answers -----------------------------


def unanswered_since(messages: list[tuple[int, datetime]], *, client_id: int) -> datetime | None:
    """When the first client message after the supplier's last word was sent, if it is still unanswered."""
    waiting_since: datetime | None = None
    for sender_id, sent_at in messages:
        waiting_since = (waiting_since or sent_at) if sender_id == client_id else None
    return waiting_since


def reply_times(messages: list[tuple[int, datetime]], *, client_id: int) -> list[int]:
    """Seconds from each client message still unanswered to the supplier's next message.

    ``messages`` are (sender organization id, sent at), oldest first. Several
    client messages in a row wait on one answer, timed from the first of them.
    """
    waiting_since: datetime | None = None
    replies: list[int] = []
    for sender_id, sent_at in messages:
        if sender_id == client_id:
            if waiting_since is None:
                waiting_since = sent_at
        elif waiting_since is not None:
            replies.append(int((sent_at - waiting_since).total_seconds()))
            waiting_since = None
    return replies


#: How far back a supplier's replies are timed, and at most how many of its messages are read for it.
REPLY_WINDOW = timedelta(days=90)
REPLY_MESSAGES = 2_000


def supplier_reply_seconds(*, supplier_id: int) -> list[int]:
    """Seconds from each client message to the supplier's answer, in its threads of the last
    :data:`REPLY_WINDOW` (the newest :data:`REPLY_MESSAGES` messages), by :func:`reply_times`: one query.

    The one definition of a supplier's reply time; ``marketplace.services.replies`` stores its
    :func:`median_seconds` for the directory, the profile and the API.
    """
    since = timezone.now() - REPLY_WINDOW
    rows = (
        Message.objects.filter(thread__supplier_id=supplier_id, created_at__gte=since)
        .order_by("-created_at", "-id")
        .values_list("thread_id", "thread__task__organization_id", "sender_organization_id", "created_at")[
            :REPLY_MESSAGES
        ]
    )
    seconds: list[int] = []
    for (_thread, client_id), messages in groupby(sorted(rows, key=lambda row: (row[0], row[3])), key=lambda r: r[:2]):
        seconds += reply_times([(sender, at) for *_, sender, at in messages], client_id=client_id)
    return seconds


def median_seconds(seconds: list[int]) -> int | None:
    """The median of reply times, whole seconds (rounded down), or None for none."""
    return int(statistics.median(seconds)) if seconds else None
