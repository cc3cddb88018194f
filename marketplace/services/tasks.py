"""Posting, editing and moving tasks through their states; invitations to bid."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_countries import countries

from accounts.models import Organization, User
from core import audit, limits
from core.exceptions import Conflict, DomainError, ErrorCollector, NotFound
from core.markdown import excerpt
from core.money import RATE_CURRENCIES
from core.text import is_blank
from core.updates import apply_changes
from marketplace import notifications
from marketplace.models import (
    PENDING_BID_STATUSES,
    Bid,
    BidInvitation,
    BidStatus,
    BudgetType,
    Category,
    LocationType,
    Skill,
    Task,
    TaskAttachment,
    TaskRevision,
    TaskStatus,
    Visibility,
)
from marketplace.selectors.activity import forget_activity
from marketplace.services._common import (
    check_transition,
    check_uploads,
    delete_attachment,
    require_member,
    store_attachments,
)

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    TaskStatus.DRAFT: frozenset({TaskStatus.OPEN, TaskStatus.CANCELLED}),
    TaskStatus.OPEN: frozenset({TaskStatus.AWARDED, TaskStatus.CLOSED, TaskStatus.CANCELLED}),
    TaskStatus.AWARDED: frozenset({TaskStatus.CLOSED}),
    TaskStatus.CLOSED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
    TaskStatus.HIDDEN: frozenset(),  # only a moderator restores it (marketplace.services.moderation)
}

# Fields a bidder sees; changing one of them on an open task is recorded.
BIDDER_VISIBLE_FIELDS = (
    "title",
    "description",
    "category_id",
    "skills",
    "budget_type",
    "currency",
    "budget_amount",
    "hourly_rate_min",
    "hourly_rate_max",
    "hours_cap",
    "deadline",
    "bidding_closes_at",
    "location_type",
    "country",
    "city",
    "postal_code",
    "visibility",
)
MAX_SKILLS = limits.MAX_SKILLS


@dataclass
class TaskInput:
    """What a client states about a task. Amounts in minor units of ``currency``.

    Every field has an empty default so that a form or a serializer can hand
    over what it could read even when other fields could not be read: the
    rules then judge the rest in the same round (``validate_task_input``), and
    an empty field is refused with the message that belongs to it.
    """

    title: str = ""
    description: str = ""
    category_id: int | None = None
    budget_type: str = ""
    currency: str = ""
    deadline: date | None = None
    bidding_closes_at: datetime | None = None
    budget_amount: int | None = None  # fixed price
    hourly_rate_min: int | None = None
    hourly_rate_max: int | None = None
    hours_cap: int | None = None
    skills: list[str] = field(default_factory=list)
    location_type: str = LocationType.REMOTE
    country: str = ""
    city: str = ""
    postal_code: str = ""
    visibility: str = Visibility.PUBLIC
    in_house_cost_estimate: int | None = None


def _task_errors(data: TaskInput) -> ErrorCollector:
    """Every broken rule of a task's terms, by field: none of them waits for another to be fixed.

    A cross-field rule is judged only when the fields it compares are there,
    so an empty deadline is reported once (as empty), not again as "bidding
    closes after it". Reads the categories; writes nothing.

    The budget: a task states what it can cost at most, drafts included
    (the search sorts and filters by it, suppliers bid against it, and the
    database refuses a task without one). Fixed price: ``budget_amount``.
    Hourly: a rate range and an hours cap; the budget is the highest rate
    times the cap.
    """
    errors = ErrorCollector()
    title = data.title.strip()
    if is_blank(title):
        errors.add("title", "Give the task a title.")
    elif len(title) > limits.TITLE:
        errors.add("title", f"Keep the title under {limits.TITLE} characters.")
    description = data.description.strip()
    if is_blank(description):
        errors.add("description", "Describe the work so suppliers can price it.")
    elif len(description) > limits.DESCRIPTION:
        errors.add("description", f"Keep the description under {limits.DESCRIPTION:,} characters.")
    if data.category_id is None or not Category.objects.filter(pk=data.category_id).exists():
        errors.add("category", "Choose a category.")
    currency = (data.currency or "").upper()
    if currency not in RATE_CURRENCIES:
        errors.add("currency", f"Choose one of: {', '.join(RATE_CURRENCIES)}.")
    most = limits.too_much(currency if currency in RATE_CURRENCIES else "EUR")

    if data.budget_type == BudgetType.FIXED:
        if data.budget_amount is None or data.budget_amount <= 0:
            errors.add("budget_amount", "Enter a budget above zero.")
        elif data.budget_amount > limits.MAX_AMOUNT:
            errors.add("budget_amount", f"Enter a budget of {most}.")
    elif data.budget_type == BudgetType.HOURLY:
        low, high, cap = data.hourly_rate_min, data.hourly_rate_max, data.hours_cap
        if low is None or low <= 0:
            errors.add("hourly_rate_min", "Enter a lowest hourly rate above zero.")
        elif low > limits.MAX_AMOUNT:
            errors.add("hourly_rate_min", f"Enter a lowest hourly rate of {most}.")
        if high is None or high <= 0:
            errors.add("hourly_rate_max", "Enter a highest hourly rate above zero.")
        elif high > limits.MAX_AMOUNT:
            errors.add("hourly_rate_max", f"Enter a highest hourly rate of {most}.")
        elif low is not None and high < low:
            errors.add("hourly_rate_max", "The highest rate cannot be below the lowest.")
        if cap is None or cap <= 0:
            errors.add("hours_cap", "Enter the most hours you will pay for.")
        elif cap > limits.MAX_HOURS:
            errors.add("hours_cap", f"Cap the hours at {limits.MAX_HOURS:,} or fewer.")
        elif high is not None and 0 < high <= limits.MAX_AMOUNT and high * cap > limits.MAX_AMOUNT:
            # The cap is the budget, so it must fit where budgets are kept.
            errors.add("hours_cap", f"The highest rate times the hours cap must come to {most}.")
    else:
        errors.add("budget_type", "Choose fixed price or hourly.")

    if data.in_house_cost_estimate is not None and data.in_house_cost_estimate <= 0:
        errors.add("in_house_cost_estimate", "An in-house estimate must be above zero, or left empty.")
    elif data.in_house_cost_estimate is not None and data.in_house_cost_estimate > limits.MAX_AMOUNT:
        errors.add("in_house_cost_estimate", f"Enter an in-house estimate of {most}.")

    if data.deadline is None:
        errors.add("deadline", "Choose the date the work must be done.")
    elif data.deadline <= timezone.localdate():
        errors.add("deadline", "The deadline must be in the future.")
    if data.bidding_closes_at is None:
        errors.add("bidding_closes_at", "Choose when bidding closes.")
    elif data.bidding_closes_at <= timezone.now():
        errors.add("bidding_closes_at", "Bidding must close in the future.")
    elif data.deadline is not None and data.bidding_closes_at.date() > data.deadline:
        errors.add("bidding_closes_at", "Bidding must close before the deadline.")

    city, postal_code = data.city.strip(), data.postal_code.strip()
    if len(city) > limits.CITY:
        errors.add("city", f"Keep the city under {limits.CITY} characters.")
    if len(postal_code) > limits.POSTAL_CODE:
        errors.add("postal_code", f"Keep the postal code under {limits.POSTAL_CODE} characters.")
    if data.country and data.country not in countries:
        errors.add("country", "Choose a country from the list.")
    if data.location_type not in LocationType.values:
        errors.add("location_type", "Choose remote, on-site or hybrid.")
    elif data.location_type != LocationType.REMOTE:
        if not data.country:
            errors.add("country", "On-site and hybrid work need a country.")
        if is_blank(city):
            errors.add("city", "On-site and hybrid work need a city.")
    if data.visibility not in Visibility.values:
        errors.add("visibility", "Choose public or invite only.")

    if len(_skill_names(data.skills)) > MAX_SKILLS:
        errors.add("skills", f"Tag at most {MAX_SKILLS} skills.")
    return errors


def validate_task_input(*, data: TaskInput, attachments: list[UploadedFile] | None = None, files_kept: int = 0) -> None:
    """Judge a task's terms (and files to add) without saving anything; raises ``Invalid`` naming every broken rule.

    Forms and serializers call it with what they could read when some field
    could not be read, so the person hears about every problem in one round.
    ``files_kept``: the files the task keeps, which count towards the limit.
    """
    errors = _task_errors(data)
    if attachments:
        try:
            check_uploads(attachments, existing=files_kept)
        except DomainError as refused:
            errors.absorb(refused)
    errors.raise_if_any()


def _clean_task_input(data: TaskInput) -> dict[str, Any]:
    """Check every rule of a task's terms at once; return the model field values (skill tags not yet stored)."""
    _task_errors(data).raise_if_any()
    values: dict[str, Any] = {"hourly_rate_min": None, "hourly_rate_max": None, "hours_cap": None}
    if data.budget_type == BudgetType.FIXED:
        values["budget_amount"] = data.budget_amount
    else:
        high, cap = data.hourly_rate_max or 0, data.hours_cap or 0
        # The budget of an hourly task is its cap: the most it can cost.
        values.update(
            hourly_rate_min=data.hourly_rate_min, hourly_rate_max=data.hourly_rate_max, hours_cap=data.hours_cap
        )
        values["budget_amount"] = high * cap
    description = data.description.strip()
    values.update(
        title=data.title.strip(),
        description=description,
        excerpt=excerpt(description, limits.EXCERPT),
        category_id=data.category_id,
        budget_type=data.budget_type,
        currency=data.currency.upper(),
        deadline=data.deadline,
        bidding_closes_at=data.bidding_closes_at,
        skills=list(_skill_names(data.skills)),
        location_type=data.location_type,
        country=data.country or "",
        city=data.city.strip(),
        postal_code=data.postal_code.strip(),
        visibility=data.visibility,
        in_house_cost_estimate=data.in_house_cost_estimate,
    )
    return values


def _skill_names(names: list[str]) -> dict[str, str]:
    """Free-text tags as skill slugs (in order, without repeats), each with the name it was typed as."""
    slugs: dict[str, str] = {}
    for name in names:
        name = name.strip()
        slug = slugify(name)[:60]
        if slug and slug not in slugs:
            slugs[slug] = name[:60]
    return slugs


def _remember_skills(names: list[str]) -> None:
    """New tags join the vocabulary (after the terms were accepted, so a refused form adds none)."""
    for slug, name in _skill_names(names).items():
        Skill.objects.get_or_create(slug=slug, defaults={"name": name})


def lock_task(task: Task) -> Task:
    """Row-lock a task. Take it before any bid lock: task, then bids."""
    return Task.objects.select_for_update().get(pk=task.pk)


@transaction.atomic
def create_task(
    *,
    actor: User,
    organization: Organization,
    data: TaskInput,
    publish: bool = False,
    attachments: list[UploadedFile] | None = None,
) -> Task:
    """Any member of the client organization posts a task, as a draft or open for bids."""
    require_member(actor=actor, organization=organization)
    values = _clean_task_input(data)
    checked = check_uploads(attachments or [])
    _remember_skills(data.skills)
    task = Task.objects.create(organization=organization, created_by=actor, **values)
    forget_activity(organization_ids=[organization.pk])  # it posts tasks now
    for item in checked:
        TaskAttachment.objects.create(task=task, uploaded_by=actor, **item)
    audit.record(
        action="task.created", actor=actor, organization=organization, target=task, details={"status": task.status}
    )
    if publish:
        task = publish_task(actor=actor, task=task)
    return task


@transaction.atomic
def update_task(*, actor: User, task: Task, data: TaskInput) -> Task:
    """Edit a draft or open task; edits of an open task are kept for bidders to see."""
    require_member(actor=actor, organization=task.organization)
    task = lock_task(task)
    if not task.is_editable:
        raise DomainError(f"A {task.get_status_display().lower()} task can no longer be edited.")
    values = _clean_task_input(data)
    _remember_skills(data.skills)
    changed = apply_changes(task, values)
    if not changed:
        return task
    visible = {
        name: [_jsonable(old), _jsonable(new)] for name, (old, new) in changed.items() if name in BIDDER_VISIBLE_FIELDS
    }
    update_fields = [*changed, "updated_at"]
    if task.status == TaskStatus.OPEN and visible:
        task.edited_at = timezone.now()
        update_fields.append("edited_at")
        TaskRevision.objects.create(task=task, edited_by=actor, changes=visible)
    task.save(update_fields=update_fields)
    audit.record(
        action="task.updated",
        actor=actor,
        organization=task.organization,
        target=task,
        details={"fields": sorted(set(changed) - {"excerpt"})},  # the excerpt follows the description
    )
    return task


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value) if not isinstance(value, int | list | type(None)) else value


def _transition(*, actor: User, task: Task, target: str, action: str) -> Task:
    task = lock_task(task)
    if task.status == target:
        return task  # repeating a transition is harmless
    check_transition(TASK_TRANSITIONS, current=task.status, target=target, noun="task")
    old = task.status
    task.status = target
    fields = ["status", "updated_at"]
    if target == TaskStatus.OPEN:
        if task.bidding_closes_at <= timezone.now():
            raise DomainError(
                "Bidding would already be closed: move the closing date first.", field="bidding_closes_at"
            )
        task.published_at = timezone.now()
        fields.append("published_at")
    task.save(update_fields=fields)
    audit.record(
        action=action, actor=actor, organization=task.organization, target=task, details={"from": old, "to": target}
    )
    return task


@transaction.atomic
def publish_task(*, actor: User, task: Task) -> Task:
    """Open a draft for bids; suppliers invited while it was a draft are told now."""
    require_member(actor=actor, organization=task.organization)
    was = Task.objects.values_list("status", flat=True).get(pk=task.pk)
    task = _transition(actor=actor, task=task, target=TaskStatus.OPEN, action="task.published")
    if was == TaskStatus.DRAFT:
        for invitation in task.bid_invitations.select_related("supplier", "task__organization"):
            notifications.invited_to_bid(invitation=invitation)
    return task


@transaction.atomic
def close_task(*, actor: User, task: Task) -> Task:
    """Stop taking bids without awarding (or mark awarded work finished)."""
    require_member(actor=actor, organization=task.organization)
    task = _transition(actor=actor, task=task, target=TaskStatus.CLOSED, action="task.closed")
    _decline_live_bids(task=task, reason="The client closed this task.")
    return task


@transaction.atomic
def cancel_task(*, actor: User, task: Task) -> Task:
    require_member(actor=actor, organization=task.organization)
    task = _transition(actor=actor, task=task, target=TaskStatus.CANCELLED, action="task.cancelled")
    _decline_live_bids(task=task, reason="The client cancelled this task.")
    return task


def _decline_live_bids(*, task: Task, reason: str, keep: Any = None) -> list[Any]:
    now = timezone.now()
    live = Bid.objects.select_for_update(of=("self",)).filter(task=task, status__in=PENDING_BID_STATUSES)
    if keep is not None:
        live = live.exclude(pk=keep.pk)
    declined = list(live.select_related("supplier", "task"))
    for bid in declined:
        bid.status = BidStatus.DECLINED
        bid.decline_reason = reason
        bid.decided_at = now
        bid.save(update_fields=["status", "decline_reason", "decided_at", "updated_at"])
        notifications.bid_declined(bid=bid)
    return declined


def _check_files_editable(task: Task) -> None:
    """A task's files change with its terms: only while it is a draft or open (caller holds the task lock)."""
    if not task.is_editable:
        raise DomainError(f"A {task.get_status_display().lower()} task's files can no longer be changed.")


@transaction.atomic
def add_task_attachments(*, actor: User, task: Task, uploads: list[UploadedFile]) -> list[TaskAttachment]:
    """Any member of the client attaches files to a draft or open task."""
    require_member(actor=actor, organization=task.organization)
    task = lock_task(task)
    _check_files_editable(task)
    return store_attachments(
        actor=actor,
        uploads=uploads,
        files=task.attachments,
        organization=task.organization,
        target=task,
        action="task.attachments_added",
    )


@transaction.atomic
def remove_task_attachment(*, actor: User, attachment: TaskAttachment) -> None:
    """Any member of the client removes a file from a draft or open task; the stored file goes after commit."""
    require_member(actor=actor, organization=attachment.task.organization)
    task = lock_task(attachment.task)
    _check_files_editable(task)
    delete_attachment(
        actor=actor,
        attachment=attachment,
        organization=task.organization,
        target=task,
        action="task.attachment_removed",
    )


@transaction.atomic
def invite_supplier_to_bid(*, actor: User, task: Task, supplier: Organization, message: str = "") -> BidInvitation:
    """Ask a supplier to bid; the supplier's members are emailed. Inviting twice is harmless."""
    require_member(actor=actor, organization=task.organization)
    task = lock_task(task)
    if not supplier.is_listed_supplier:  # the directory's suppliers only (get_listed_supplier)
        raise NotFound("No such supplier.", field="supplier")
    if supplier.pk == task.organization_id:
        raise DomainError("You cannot invite your own organization.", field="supplier")
    if not task.is_editable:
        raise DomainError("Only draft or open tasks take invitations to bid.")
    if len(message.strip()) > limits.SHORT_NOTE:
        raise DomainError(f"Keep the message under {limits.SHORT_NOTE:,} characters.", field="message")
    existing = BidInvitation.objects.filter(task=task, supplier=supplier).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            invitation = BidInvitation.objects.create(
                task=task, supplier=supplier, invited_by=actor, message=message.strip()
            )
    except IntegrityError as exc:  # a concurrent identical invitation
        raise Conflict("This supplier was just invited.") from exc
    audit.record(
        action="task.supplier_invited",
        actor=actor,
        organization=task.organization,
        target=task,
        details={"supplier": supplier.pk},
    )
    if task.status == TaskStatus.OPEN:
        notifications.invited_to_bid(invitation=invitation)
    return invitation


@transaction.atomic
def set_comparison_weights(*, actor: User, task: Task, weights: dict[str, int]) -> Task:
    """The client's weights for the bid comparison, 0 (ignore) to 5 (matters most)."""
    from marketplace.comparison.factors import FACTORS, weight_problem

    require_member(actor=actor, organization=task.organization)
    errors = ErrorCollector()
    clean: dict[str, int] = {}
    for name, value in weights.items():
        problem = weight_problem(name, value)
        if problem is not None:
            errors.add(name if name in FACTORS else "weights", problem)
        else:
            clean[name] = value
    errors.raise_if_any()
    task = lock_task(task)
    merged = {**task.comparison_weights, **clean}
    if merged != task.comparison_weights:
        task.comparison_weights = merged
        task.save(update_fields=["comparison_weights", "updated_at"])
    return task


def task_input_from(task: Task) -> TaskInput:
    """The current terms of a task, as an input to edit."""
    names = TaskInput.__dataclass_fields__
    values = {name: getattr(task, name) for name in names}
    values["country"] = str(task.country or "")
    return TaskInput(**values)


def task_as_dict(data: TaskInput) -> dict[str, Any]:
    return asdict(data)
