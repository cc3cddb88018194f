"""Single tasks as a viewer may see them, the client's dashboard, attachments, revisions, saved searches."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Organization
from core.exceptions import NotFound
from marketplace.models import (
    Bid,
    BidInvitation,
    Category,
    SavedSearch,
    Skill,
    Task,
    TaskAttachment,
    TaskRevision,
)
from marketplace.selectors.messaging import unread_count
from marketplace.selectors.suppliers import SupplierFilters, search_suppliers


def get_task_for_viewer(*, task_id: int, organization: Organization | None) -> Task:
    """A task as a viewer may see it: its client, invited suppliers, bidders, or anyone if public and listed."""
    task = Task.objects.visible_to(organization).select_related("category", "organization").filter(pk=task_id).first()
    if task is None:
        raise NotFound("No such task.")
    return task


def get_own_task(*, task_id: int, organization: Organization) -> Task:
    """A task of the acting organization (the client side)."""
    task = Task.objects.for_org(organization).select_related("category").filter(pk=task_id).first()
    if task is None:
        raise NotFound("No such task.")
    task.organization = organization  # for_org chose it: reading it again would be a query (the comparison's)
    return task


def categories() -> QuerySet[Category]:
    return Category.objects.all()


def client_tasks(*, organization: Organization) -> QuerySet[Task]:
    """The organization's tasks with live bid counts, newest first.

    The count is a subquery, not a join with GROUP BY: PostgreSQL then counts
    the bids of a page's rows only, and the paginator's count drops it. (A
    grouped join counted every bid of a client's 2,000 tasks per page.)
    """
    live_bids = (
        Bid.objects.live()
        .filter(task=OuterRef("pk"))
        .order_by()
        .values("task")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return (
        Task.objects.for_org(organization)
        .select_related("category")
        .defer("search_vector")
        .annotate(bid_count=Coalesce(Subquery(live_bids, output_field=IntegerField()), 0))
        .order_by("-created_at", "-id")
    )


def skill_names(*, slugs: Any) -> dict[str, str]:
    """Display names of the given skill slugs in one query; unknown slugs are left out."""
    wanted = sorted({str(slug) for slug in slugs if slug})
    if not wanted:
        return {}
    return dict(Skill.objects.filter(slug__in=wanted).values_list("slug", "name"))


def live_bid_of(*, task: Task, organization: Organization) -> Bid | None:
    """The organization's live bid on the task, if it has one (one live bid per supplier and task)."""
    return Bid.objects.by_supplier(organization).live().filter(task=task).order_by("-created_at").first()


def live_bid_count(*, task: Task) -> int:
    return Bid.objects.filter(task=task).live().count()


def task_revisions(*, task: Task) -> QuerySet[Any]:
    """The edits of an open task, newest first: every viewer of the task may see them."""
    return TaskRevision.objects.filter(task=task).order_by("-created_at", "-id")


def task_attachments(*, task: Task) -> QuerySet[Any]:
    return TaskAttachment.objects.filter(task=task).order_by("created_at", "id")


def get_task_attachment(*, task: Task, attachment_id: int) -> Any:
    """An attachment of a task the caller has already fetched for its viewer."""
    attachment = task_attachments(task=task).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    return attachment


def task_invitations(*, task: Task) -> QuerySet[BidInvitation]:
    """Suppliers invited to bid on a task (the client's view of its own task)."""
    return BidInvitation.objects.filter(task=task).select_related("supplier").order_by("-created_at")


def open_tasks_of(*, organization: Organization, limit: int = 25) -> list[Task]:
    """The organization's open tasks, newest first: what a client can invite a supplier to."""
    return list(
        Task.objects.for_org(organization)
        .open_for_bids()
        .only("id", "title", "visibility", "published_at")
        .order_by("-published_at", "-id")[:limit]
    )


def suggested_suppliers(*, task: Task, limit: int = 5) -> list[Organization]:
    """Suppliers whose skills overlap the task's, best rated first (not yet invited, not bidding)."""
    if not task.skills:
        return []
    invited = BidInvitation.objects.filter(task=task, supplier=OuterRef("pk"))
    bidding = Bid.objects.filter(task=task, supplier=OuterRef("pk"))
    return list(
        search_suppliers(filters=SupplierFilters(skills=list(task.skills)), exclude=task.organization)
        .exclude(Exists(invited))
        .exclude(Exists(bidding))
        .only("id", "name", "slug", "headline", "city", "country", "skills", "hourly_rate", "hourly_rate_currency")[
            :limit
        ]
    )


def client_dashboard_tasks(*, organization: Organization, user: Any, status: str = "") -> QuerySet[Task]:
    """The client's tasks with live bid counts and the user's unread messages per task, in one query.

    A message is unread when a supplier sent it after the user's read mark on
    its thread (every supplier message counts when the user never opened it).
    """
    queryset = client_tasks(organization=organization).annotate(
        unread_count=unread_count(organization=organization, user=user, per="thread__task")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def task_status_counts(*, organization: Organization) -> dict[str, int]:
    """How many of the organization's tasks are in each status, in one query."""
    rows = Task.objects.for_org(organization).order_by().values("status").annotate(total=Count("id"))
    return {row["status"]: row["total"] for row in rows}


def saved_searches_of(*, user: Any, organization: Organization) -> QuerySet[Any]:
    return SavedSearch.objects.filter(user=user, organization=organization).order_by("name", "id")


def get_saved_search(*, saved_search_id: int, user: Any, organization: Organization) -> Any:
    """One of the user's saved searches in the acting organization; anybody else's is missing."""
    saved = saved_searches_of(user=user, organization=organization).filter(pk=saved_search_id).first()
    if saved is None:
        raise NotFound("No such saved search.")
    return saved
