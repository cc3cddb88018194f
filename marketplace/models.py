"""Tasks, bids, invitations to bid, messaging threads, saved searches and reviews.

Money is integer minor units of the row's ``currency`` (ISO 4217). Every
private row belongs to an organization and is read through a ``for_org`` (or
``visible_to``) queryset method; status fields move only through the
transition tables in ``marketplace/services``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django_countries.fields import CountryField

from core import limits
from core.lookups import AnyOf

if TYPE_CHECKING:
    from accounts.models import Organization

# --- vocabulary -----------------------------------------------------------------------


class Category(models.Model):
    """A kind of work businesses outsource (seeded by migration 0002)."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Skill(models.Model):
    """A tag for tasks and supplier profiles; tasks store skill slugs in an array."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="skills")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- tasks ------------------------------------------------------------------------------


class BudgetType(models.TextChoices):
    FIXED = "fixed", "Fixed price"
    HOURLY = "hourly", "Hourly"


class LocationType(models.TextChoices):
    REMOTE = "remote", "Remote"
    ONSITE = "onsite", "On-site"
    HYBRID = "hybrid", "Hybrid"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public"
    INVITE_ONLY = "invite_only", "Invite only"


class TaskStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    AWARDED = "awarded", "Awarded"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
    HIDDEN = "hidden", "Hidden by a moderator"


EDITABLE_TASK_STATUSES = (TaskStatus.DRAFT, TaskStatus.OPEN)


# A public task in these states is anyone's to see (see task_visibility and Task.is_listed).
LISTED_STATUSES = (TaskStatus.OPEN, TaskStatus.AWARDED, TaskStatus.CLOSED)


def task_visibility(organization: Organization | None, *, open_only: bool = False) -> Q:
    """Which tasks ``organization`` may see (``None``: an anonymous visitor): the one definition,
    read by :meth:`TaskQuerySet.visible_to` (a task's page, its files, its threads) and by the task
    search (``marketplace.selectors.search``).

    - listed: public, in a :data:`LISTED_STATUSES` state: anyone's;
    - invited: invite-only, with an invitation to the organization;
    - bidder: the organization bid on it;
    - its own, in every state.

    A draft is not out yet and a task a moderator hid is its client's alone, so neither is seen
    through an invitation or a bid.

    ``open_only`` is for a caller that already keeps to open tasks (the search: ``status = 'open'``
    leads its covering indexes). An open task is out and not hidden, so the status tests are true
    and left out, and so is the invite-only test (a public one is listed). The bidder clause is left
    out too: browsing offers tasks to bid on, and a task the organization bid on and that was made
    invite-only since is in its list of bids, not in the browse page; an EXISTS on bids for every
    candidate row would cost the search's budget for nothing it shows. What stays is the SQL the
    search has been measured with (docs/benchmarks.md).
    """
    listed = (
        Q(visibility=Visibility.PUBLIC) if open_only else Q(status__in=LISTED_STATUSES, visibility=Visibility.PUBLIC)
    )
    if organization is None:
        return listed
    # EXISTS, not joins: a join repeats the task per bid and invitation, and the DISTINCT that
    # undid it compared every column (the description and its search vector too).
    invitation = Exists(BidInvitation.objects.filter(task=OuterRef("pk"), supplier=organization))
    own = Q(organization=organization)
    if open_only:
        return listed | own | Q(invitation)
    unseen = Q(status__in=(TaskStatus.DRAFT, TaskStatus.HIDDEN))
    invited = Q(visibility=Visibility.INVITE_ONLY) & invitation & ~unseen
    bidder = Exists(Bid.objects.filter(task=OuterRef("pk"), supplier=organization)) & ~unseen
    return listed | invited | bidder | own


class TaskQuerySet(models.QuerySet["Task"]):
    def for_org(self, organization: Organization) -> TaskQuerySet:
        """Tasks the organization posted (the client side), in every status."""
        return self.filter(organization=organization)

    def visible_to(self, organization: Organization | None) -> TaskQuerySet:
        """Tasks an organization may see (:func:`task_visibility`): its own, listed public ones, and
        invite-only ones it was invited to or bid on. ``None`` (an anonymous visitor) sees listed ones only.
        """
        return self.filter(task_visibility(organization))

    def open_for_bids(self) -> TaskQuerySet:
        return self.filter(status=TaskStatus.OPEN)


class Task(models.Model):
    """Work a client organization wants done."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="tasks", help_text="The client."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=limits.TITLE)
    description = models.TextField(help_text="Markdown; sanitised when rendered.")
    # Lists and meta tags show this instead of rendering every description's
    # Markdown: a 50,000-character description costs the same as a short one.
    excerpt = models.CharField(
        max_length=limits.EXCERPT,
        blank=True,
        editable=False,
        help_text="The description's start as plain text; written with the description by the task services.",
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="tasks")
    skills = ArrayField(models.SlugField(max_length=60), default=list, blank=True)

    budget_type = models.CharField(max_length=10, choices=BudgetType.choices, default=BudgetType.FIXED)
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code of every amount on the task.")
    budget_amount = models.BigIntegerField(
        help_text="Minor units. Fixed price: the budget. Hourly: the cap (maximum rate x hours cap)."
    )
    hourly_rate_min = models.BigIntegerField(null=True, blank=True, help_text="Minor units per hour (hourly only).")
    hourly_rate_max = models.BigIntegerField(null=True, blank=True, help_text="Minor units per hour (hourly only).")
    hours_cap = models.PositiveIntegerField(null=True, blank=True, help_text="Most hours paid (hourly only).")
    in_house_cost_estimate = models.BigIntegerField(
        null=True, blank=True, help_text="Minor units: what doing it internally would cost. Private to the client."
    )

    deadline = models.DateField(help_text="The date the work must be done.")
    bidding_closes_at = models.DateTimeField()

    location_type = models.CharField(max_length=10, choices=LocationType.choices, default=LocationType.REMOTE)
    country = CountryField(blank=True)
    city = models.CharField(max_length=limits.CITY, blank=True)
    postal_code = models.CharField(max_length=limits.POSTAL_CODE, blank=True)
    visibility = models.CharField(max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)

    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.DRAFT)
    status_before_hiding = models.CharField(
        max_length=10,
        choices=TaskStatus.choices,
        blank=True,
        default="",
        db_default="",  # also for rows written without the ORM (COPY in generate_marketplace_data)
        help_text="What a moderator's restore puts back (marketplace.services.moderation).",
    )
    comparison_weights = models.JSONField(
        default=dict, blank=True, help_text="The client's weights per comparison factor (0-5)."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True, help_text="Last edit while open, shown to bidders.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Title outranks description. Generated by PostgreSQL, so bulk loads
    # (COPY) and raw SQL keep it right without application code.
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("description", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("hide_task", "Can hide a task from the marketplace, and restore it")]
        indexes = [
            GinIndex(fields=["search_vector"], name="task_search_gin"),
            GinIndex(fields=["skills"], name="task_skills_gin"),
            models.Index(fields=["status", "-published_at", "-id"], name="task_status_newest"),
            models.Index(fields=["status", "budget_amount", "id"], name="task_status_budget"),
            models.Index(fields=["status", "deadline", "id"], name="task_status_deadline"),
            models.Index(fields=["category", "status", "-published_at"], name="task_category_status"),
            models.Index(fields=["country", "city"], name="task_location"),
            models.Index(fields=["organization", "status"], name="task_org_status"),
            # The client dashboard: an organization's newest tasks, a page at a time (not all of them sorted).
            models.Index(fields=["organization", "-created_at", "-id"], name="task_org_newest"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gt=0), name="task_budget_positive"),
            models.CheckConstraint(
                condition=Q(in_house_cost_estimate__isnull=True) | Q(in_house_cost_estimate__gt=0),
                name="task_estimate_positive",
            ),
            models.CheckConstraint(
                condition=Q(budget_type=BudgetType.FIXED)
                | Q(hourly_rate_min__gt=0, hourly_rate_max__gte=models.F("hourly_rate_min"), hours_cap__gt=0),
                name="task_hourly_terms",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("task-detail", kwargs={"task_id": self.pk})

    @property
    def is_listed(self) -> bool:
        """Anyone may see it, signed in or not: the ``listed`` part of :func:`task_visibility`."""
        return self.visibility == Visibility.PUBLIC and self.status in LISTED_STATUSES

    @property
    def is_editable(self) -> bool:
        """Drafts and open tasks take edits and invitations to bid; later states are settled."""
        return self.status in EDITABLE_TASK_STATUSES

    @property
    def is_open_for_bids(self) -> bool:
        from django.utils import timezone

        return self.status == TaskStatus.OPEN and self.bidding_closes_at > timezone.now()

    @property
    def listed_attachments(self) -> Any:
        """The attachments: those a list loaded with ``Prefetch("attachments", to_attr=PREFETCHED_ATTACHMENTS)``,
        else a query.

        The list view's prefetch keeps them as a plain list: Django's own prefetch builds a
        filtered queryset per task to hold each task's list (0.6 ms of a page of 25).
        """
        prefetched = self.__dict__.get(PREFETCHED_ATTACHMENTS)
        return prefetched if prefetched is not None else self.attachments.all()


# Where a list's Prefetch of tasks' attachments puts them (read by Task.listed_attachments).
PREFETCHED_ATTACHMENTS = "prefetched_attachments"
# Where a loaded row says whether its task has attachments at all (load_listed_attachments asks only for
# those that do).
HAS_ATTACHMENTS = "has_attachments"


class TaskRevision(models.Model):
    """An edit of an open task, kept so bidders can see what changed and when."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="revisions")
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    changes = models.JSONField(help_text="{field: [old, new]} of the fields bidders see.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Edit of {self.task} on {self.created_at:%Y-%m-%d}"


def attachment_path(instance: Any, filename: str) -> str:
    # A random folder per upload: names never collide and never guess.
    import uuid

    return f"attachments/{instance._meta.model_name}/{uuid.uuid4().hex}/{filename}"


class AttachmentBase(models.Model):
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text="Bytes.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class TaskAttachment(AttachmentBase):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="attachments")


class BidInvitation(models.Model):
    """A client asks a supplier organization to bid on a task (the only way into an invite-only task)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="bid_invitations")
    supplier = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="bid_invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["task", "supplier"], name="one_bid_invitation_per_supplier")]

    def __str__(self) -> str:
        return f"{self.supplier} invited to {self.task}"


# --- bids ---------------------------------------------------------------------------------


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SHORTLISTED = "shortlisted", "Shortlisted"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


LIVE_BID_STATUSES = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED, BidStatus.ACCEPTED)
# Live and not yet decided: the supplier may still edit, the client still decide.
PENDING_BID_STATUSES = (BidStatus.SUBMITTED, BidStatus.SHORTLISTED)


def supplier_or_client_is(organization: Organization) -> Q:
    """Rows with a ``supplier`` and a ``task`` where the organization is either side.

    Spelled as ``supplier_id = x OR task_id = ANY(ARRAY(its task ids))``, so
    PostgreSQL ORs two index scans; the plain OR across the join to tasks
    read all 2.9 million threads of the benchmark (1 s for one inbox).
    """
    own_tasks = ArraySubquery(Task.objects.filter(organization=organization).order_by().values("pk"))
    return Q(supplier=organization) | Q(AnyOf(F("task_id"), own_tasks))


class BidQuerySet(models.QuerySet["Bid"]):
    def for_org(self, organization: Organization) -> BidQuerySet:
        """Bids the organization can see: those it made, and those on its own tasks."""
        return self.filter(supplier_or_client_is(organization))

    def by_supplier(self, organization: Organization) -> BidQuerySet:
        return self.filter(supplier=organization)

    def on_tasks_of(self, organization: Organization) -> BidQuerySet:
        return self.filter(task__organization=organization)

    def live(self) -> BidQuerySet:
        return self.filter(status__in=LIVE_BID_STATUSES)


class Bid(models.Model):
    """A supplier organization's proposal on a task. One live bid per supplier and task."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="bids")
    supplier = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="bids")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=BidStatus.choices, default=BidStatus.SUBMITTED)

    price_type = models.CharField(
        max_length=10, choices=BudgetType.choices, help_text="Follows the task's budget type."
    )
    currency = models.CharField(max_length=3, help_text="The task's currency.")
    amount = models.BigIntegerField(help_text="Minor units: the fixed total, or the estimated total for hourly bids.")
    hourly_rate = models.BigIntegerField(null=True, blank=True, help_text="Minor units per hour (hourly bids).")
    estimated_hours = models.PositiveIntegerField(null=True, blank=True)

    start_date = models.DateField(help_text="Earliest start.")
    availability_hours_per_week = models.PositiveSmallIntegerField(help_text="Hours a week the supplier can give.")
    delivery_date = models.DateField()
    cover_letter = models.TextField()

    decline_reason = models.TextField(blank=True)
    shortlisted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When accepted, declined or withdrawn.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BidQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "supplier"],
                condition=Q(status__in=["submitted", "shortlisted", "accepted"]),
                name="one_live_bid_per_supplier_and_task",
            ),
            models.UniqueConstraint(fields=["task"], condition=Q(status="accepted"), name="one_accepted_bid_per_task"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bid_amount_positive"),
            models.CheckConstraint(
                condition=Q(delivery_date__gte=models.F("start_date")), name="bid_delivery_after_start"
            ),
        ]
        indexes = [models.Index(fields=["task", "status"], name="bid_task_status")]

    def __str__(self) -> str:
        return f"Bid by {self.supplier} on {self.task}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_BID_STATUSES

    @property
    def is_pending(self) -> bool:
        """Not yet accepted, declined or withdrawn: editable by the supplier, decidable by the client."""
        return self.status in PENDING_BID_STATUSES


class BidMilestone(models.Model):
    """A deliverable the supplier proposes: the contract's milestones start from these."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=limits.TITLE)
    amount = models.BigIntegerField(help_text="Minor units of the bid's currency.")
    due_date = models.DateField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "position"], name="bid_milestone_position"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bid_milestone_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class BidAttachment(AttachmentBase):
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="attachments")


# --- messaging ------------------------------------------------------------------------------


class ThreadQuerySet(models.QuerySet["Thread"]):
    def for_org(self, organization: Organization) -> ThreadQuerySet:
        return self.filter(supplier_or_client_is(organization))


class Thread(models.Model):
    """The conversation between a task's client and one bidder (or invited supplier)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="threads")
    supplier = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="threads")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["task", "supplier"], name="one_thread_per_task_and_supplier")]

    def __str__(self) -> str:
        return f"{self.task} / {self.supplier}"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sender_organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="message_thread_time")]

    def __str__(self) -> str:
        return f"Message in {self.thread_id} at {self.created_at:%Y-%m-%d %H:%M}"


class MessageAttachment(AttachmentBase):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")


class ThreadReadMark(models.Model):
    """How far a user has read a thread; unread counts are messages after it from the other side."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_read_mark_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} to {self.last_read_at:%Y-%m-%d %H:%M}"


class SupplierReplyTime(models.Model):
    """How fast a supplier answers clients: the median of its reply times over the last 90 days, stored.

    The directory shows it on every card of a page and reading the messages of twelve suppliers per
    page view was out of the question; the supplier's profile and the API read the same row, so they
    never disagree. ``marketplace.services.replies`` writes it (after a supplier's answer, and nightly
    as the window slides); ``marketplace.selectors.messaging.supplier_reply_seconds`` defines it.
    """

    organization = models.OneToOneField(
        "accounts.Organization", primary_key=True, on_delete=models.CASCADE, related_name="reply_time"
    )
    #: Seconds from a client's message to the supplier's answer, median of ``replies``; None without any.
    median_seconds = models.PositiveIntegerField(null=True, blank=True)
    replies = models.PositiveIntegerField(default=0, help_text="Answers to clients timed in the window.")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(replies=0, median_seconds__isnull=True) | Q(replies__gt=0, median_seconds__isnull=False),
                name="reply_time_median_with_replies",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.median_seconds}s over {self.replies} replies"


# --- saved searches and reviews ----------------------------------------------------------------


class SavedSearch(models.Model):
    """A supplier's filters, with a digest of new matching tasks sent by Celery."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="saved_searches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=limits.NAME)
    filters = models.JSONField(default=dict, help_text="The browse page's query parameters.")
    notify = models.BooleanField(default=True, help_text="Email a digest of new matching tasks.")
    last_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
