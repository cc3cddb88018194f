"""Bidding: submit, edit, withdraw; the client shortlists, declines or accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization, User
from contracts import services as contract_services
from core import audit, limits
from core.exceptions import Conflict, DomainError, ErrorCollector, NotFound
from core.text import is_blank
from core.updates import apply_changes
from marketplace import notifications
from marketplace.models import (
    LIVE_BID_STATUSES,
    Bid,
    BidAttachment,
    BidInvitation,
    BidMilestone,
    BidStatus,
    BudgetType,
    Task,
    TaskStatus,
    Visibility,
)
from marketplace.services._common import (
    check_transition,
    check_uploads,
    delete_attachment,
    require_manager,
    require_member,
    store_attachments,
)
from marketplace.services.messaging import get_or_create_thread
from marketplace.services.tasks import _decline_live_bids, lock_task

BID_TRANSITIONS: dict[str, frozenset[str]] = {
    BidStatus.SUBMITTED: frozenset(
        {BidStatus.SHORTLISTED, BidStatus.DECLINED, BidStatus.WITHDRAWN, BidStatus.ACCEPTED}
    ),
    BidStatus.SHORTLISTED: frozenset(
        {BidStatus.SUBMITTED, BidStatus.DECLINED, BidStatus.WITHDRAWN, BidStatus.ACCEPTED}
    ),
    BidStatus.ACCEPTED: frozenset(),
    BidStatus.DECLINED: frozenset(),
    BidStatus.WITHDRAWN: frozenset(),
}
MAX_MILESTONES = 20


@dataclass
class MilestoneInput:
    title: str
    amount: int  # minor units of the task's currency
    due_date: date


@dataclass
class BidInput:
    """A supplier's terms. Fixed-price bids give ``amount``; hourly bids give rate and hours.

    Empty defaults let a form hand over what it could read while other fields
    could not be read, so ``validate_bid`` judges the rest in the same round.
    """

    start_date: date | None = None
    availability_hours_per_week: int | None = None
    delivery_date: date | None = None
    cover_letter: str = ""
    amount: int | None = None
    hourly_rate: int | None = None
    estimated_hours: int | None = None
    milestones: list[MilestoneInput] = field(default_factory=list)


def _clean_bid_input(*, task: Task, data: BidInput) -> dict[str, object]:
    errors = ErrorCollector()
    values: dict[str, object] = {"price_type": task.budget_type, "currency": task.currency}
    most = limits.too_much(task.currency)
    if task.budget_type == BudgetType.FIXED:
        if data.amount is None or data.amount <= 0:
            errors.add("amount", "Enter a price above zero.")
        elif data.amount > limits.MAX_AMOUNT:
            errors.add("amount", f"Enter a price of {most}.")
        values.update(amount=data.amount, hourly_rate=None, estimated_hours=None)
    else:
        rate, hours = data.hourly_rate, data.estimated_hours
        if rate is None or rate <= 0:
            errors.add("hourly_rate", "Enter an hourly rate above zero.")
        elif rate > limits.MAX_AMOUNT:
            errors.add("hourly_rate", f"Enter an hourly rate of {most}.")
        if hours is None or hours <= 0:
            errors.add("estimated_hours", "Estimate the hours the work takes.")
        elif task.hours_cap and hours > task.hours_cap:
            errors.add("estimated_hours", f"The client pays for at most {task.hours_cap} hours.")
        elif hours > limits.MAX_HOURS:
            errors.add("estimated_hours", f"Estimate at most {limits.MAX_HOURS:,} hours.")
        elif rate is not None and 0 < rate <= limits.MAX_AMOUNT and rate * hours > limits.MAX_AMOUNT:
            # The bid's amount is rate x hours: it must fit where amounts are kept.
            errors.add("estimated_hours", f"The hourly rate times the hours must come to {most}.")
        values.update(
            amount=(data.hourly_rate or 0) * (data.estimated_hours or 0),
            hourly_rate=data.hourly_rate,
            estimated_hours=data.estimated_hours,
        )

    today = timezone.localdate()
    if data.start_date is None:
        errors.add("start_date", "When can you start?")
    elif data.start_date < today:
        errors.add("start_date", "The start date cannot be in the past.")
    if data.delivery_date is None:
        errors.add("delivery_date", "When will the work be done?")
    elif data.start_date is not None and data.delivery_date < data.start_date:
        errors.add("delivery_date", "Delivery cannot come before the start.")
    if data.availability_hours_per_week is None or not 1 <= data.availability_hours_per_week <= limits.HOURS_PER_WEEK:
        errors.add(
            "availability_hours_per_week",
            f"Give the hours a week you can work on this (1 to {limits.HOURS_PER_WEEK}).",
        )
    if is_blank(data.cover_letter):
        errors.add("cover_letter", "Tell the client why you are the right choice.")
    elif len(data.cover_letter.strip()) > limits.COVER_LETTER:
        errors.add("cover_letter", f"Keep the cover letter under {limits.COVER_LETTER:,} characters.")

    if len(data.milestones) > MAX_MILESTONES:
        errors.add("milestones", f"Propose at most {MAX_MILESTONES} milestones.")
    for number, milestone in enumerate(data.milestones[: MAX_MILESTONES + 1], start=1):
        if is_blank(milestone.title):
            errors.add("milestones", f"Milestone {number} needs a title.")
        elif len(milestone.title.strip()) > limits.TITLE:
            errors.add("milestones", f"Keep milestone {number}'s title under {limits.TITLE} characters.")
        if milestone.amount <= 0:
            errors.add("milestones", f"Milestone {number} needs an amount above zero.")
        elif milestone.amount > limits.MAX_AMOUNT:
            errors.add("milestones", f"Milestone {number} must come to {most}.")
        if data.start_date is not None and milestone.due_date < data.start_date:
            errors.add("milestones", f"Milestone {number} is due before the work starts.")
    if task.budget_type == BudgetType.FIXED:
        if not data.milestones:
            errors.add("milestones", "Propose at least one milestone: payments are released milestone by milestone.")
        elif data.amount and sum(m.amount for m in data.milestones) != data.amount:
            errors.add("milestones", "The milestones must add up to the price.")
    errors.raise_if_any()
    values.update(
        start_date=data.start_date,
        availability_hours_per_week=data.availability_hours_per_week,
        delivery_date=data.delivery_date,
        cover_letter=data.cover_letter.strip(),
    )
    return values


def _check_can_bid(*, task: Task, supplier: Organization) -> None:
    if task.organization_id == supplier.pk:
        raise DomainError("You cannot bid on your own organization's task.")
    if (
        task.visibility == Visibility.INVITE_ONLY
        and not BidInvitation.objects.filter(task=task, supplier=supplier).exists()
    ):
        raise NotFound("No such task.")
    if task.status != TaskStatus.OPEN:
        raise DomainError(f"This task is {task.get_status_display().lower()}: it takes no bids.")
    if task.bidding_closes_at <= timezone.now():
        raise DomainError("Bidding on this task has closed.")


def validate_bid(*, task: Task, data: BidInput, attachments: list[UploadedFile] | None = None) -> None:
    """Check a bid's terms and files against the task, saving nothing; ``Invalid`` names every broken rule.

    For forms that cannot submit yet (a field or a milestone row could not be
    read) but want to report the other rules at once rather than after the next try.
    """
    errors = ErrorCollector()
    for check in (lambda: _clean_bid_input(task=task, data=data), lambda: check_uploads(attachments or [])):
        try:
            check()
        except DomainError as refused:
            errors.absorb(refused)
    errors.raise_if_any()


def _write_milestones(*, bid: Bid, milestones: list[MilestoneInput]) -> None:
    bid.milestones.all().delete()
    BidMilestone.objects.bulk_create(
        BidMilestone(bid=bid, position=number, title=m.title.strip()[:200], amount=m.amount, due_date=m.due_date)
        for number, m in enumerate(milestones, start=1)
    )


def lock_bid(bid: Bid) -> Bid:
    """Row-lock a bid. Callers that also lock its task take the task first."""
    return Bid.objects.select_for_update(of=("self",)).select_related("task", "supplier").get(pk=bid.pk)


@transaction.atomic
def submit_bid(
    *,
    actor: User,
    supplier: Organization,
    task: Task,
    data: BidInput,
    attachments: list[UploadedFile] | None = None,
) -> Bid:
    """A member of the supplier organization bids; the client's members are told."""
    require_member(actor=actor, organization=supplier)
    task = lock_task(task)
    _check_can_bid(task=task, supplier=supplier)
    values = _clean_bid_input(task=task, data=data)
    checked = check_uploads(attachments or [])
    if Bid.objects.filter(task=task, supplier=supplier, status__in=LIVE_BID_STATUSES).exists():
        raise Conflict("Your organization already has a live bid on this task: edit it instead.")
    try:
        with transaction.atomic():
            bid = Bid.objects.create(task=task, supplier=supplier, created_by=actor, **values)
    except IntegrityError as exc:  # the database's one-live-bid rule caught a race
        raise Conflict("Your organization already has a live bid on this task: edit it instead.") from exc
    _write_milestones(bid=bid, milestones=data.milestones)
    for item in checked:
        BidAttachment.objects.create(bid=bid, uploaded_by=actor, **item)
    get_or_create_thread(task=task, supplier=supplier)
    audit.record(
        action="bid.submitted",
        actor=actor,
        organization=supplier,
        target=bid,
        details={"task": task.pk, "amount": bid.amount, "currency": bid.currency},
    )
    notifications.bid_received(bid=bid)
    return bid


def _lock_editable_bid(bid: Bid) -> Bid:
    """Lock the task, then the bid; the bidder may change a bid while it is pending and the task takes bids."""
    task = lock_task(bid.task)
    bid = lock_bid(bid)
    if not bid.is_pending:
        raise DomainError(f"A {bid.get_status_display().lower()} bid can no longer be edited.")
    _check_can_bid(task=task, supplier=bid.supplier)
    return bid


@transaction.atomic
def update_bid(*, actor: User, bid: Bid, data: BidInput, attachments: list[UploadedFile] | None = None) -> Bid:
    """Edit a live bid's terms; ``attachments`` are added in the same transaction (both or neither)."""
    require_member(actor=actor, organization=bid.supplier)
    bid = _lock_editable_bid(bid)
    values = _clean_bid_input(task=bid.task, data=data)
    checked = check_uploads(attachments or [], existing=bid.attachments.count()) if attachments else []
    changed = apply_changes(bid, values)
    bid.save(update_fields=[*changed, "updated_at"])
    _write_milestones(bid=bid, milestones=data.milestones)
    for item in checked:
        BidAttachment.objects.create(bid=bid, uploaded_by=actor, **item)
    audit.record(
        action="bid.updated",
        actor=actor,
        organization=bid.supplier,
        target=bid,
        details={"fields": sorted(changed), "attachments_added": len(checked)},
    )
    return bid


@transaction.atomic
def add_bid_attachments(*, actor: User, bid: Bid, uploads: list[UploadedFile]) -> list[BidAttachment]:
    """A member of the supplier attaches files to its bid, while it may still edit the bid."""
    require_member(actor=actor, organization=bid.supplier)
    bid = _lock_editable_bid(bid)
    return store_attachments(
        actor=actor,
        uploads=uploads,
        files=bid.attachments,
        organization=bid.supplier,
        target=bid,
        action="bid.attachments_added",
    )


@transaction.atomic
def remove_bid_attachment(*, actor: User, attachment: BidAttachment) -> None:
    """A member of the supplier removes a file from its bid, while it may still edit the bid."""
    require_member(actor=actor, organization=attachment.bid.supplier)
    bid = _lock_editable_bid(attachment.bid)
    delete_attachment(
        actor=actor, attachment=attachment, organization=bid.supplier, target=bid, action="bid.attachment_removed"
    )


def _move(*, actor: User, bid: Bid, target: str, action: str, acting_for: Organization, **extra: object) -> Bid:
    if bid.status == target:
        return bid  # repeating it is harmless
    check_transition(BID_TRANSITIONS, current=bid.status, target=target, noun="bid")
    old = bid.status
    bid.status = target
    fields = ["status", "updated_at"]
    now = timezone.now()
    if target == BidStatus.SHORTLISTED:
        bid.shortlisted_at = now
        fields.append("shortlisted_at")
    if target in (BidStatus.ACCEPTED, BidStatus.DECLINED, BidStatus.WITHDRAWN):
        bid.decided_at = now
        fields.append("decided_at")
    for name, value in extra.items():
        setattr(bid, name, value)
        fields.append(name)
    bid.save(update_fields=fields)
    audit.record(
        action=action,
        actor=actor,
        organization=acting_for,
        target=bid,
        details={"from": old, "to": target, "task": bid.task_id},
    )
    return bid


@transaction.atomic
def withdraw_bid(*, actor: User, bid: Bid) -> Bid:
    require_member(actor=actor, organization=bid.supplier)
    lock_task(bid.task)
    bid = lock_bid(bid)
    return _move(actor=actor, bid=bid, target=BidStatus.WITHDRAWN, action="bid.withdrawn", acting_for=bid.supplier)


@transaction.atomic
def shortlist_bid(*, actor: User, bid: Bid, shortlisted: bool = True) -> Bid:
    """The client marks a bid for a closer look (or takes the mark away)."""
    require_member(actor=actor, organization=bid.task.organization)
    task = lock_task(bid.task)
    bid = lock_bid(bid)
    if task.status != TaskStatus.OPEN:
        raise DomainError("Bids can be shortlisted only while the task is open.")
    target = BidStatus.SHORTLISTED if shortlisted else BidStatus.SUBMITTED
    return _move(
        actor=actor,
        bid=bid,
        target=target,
        action="bid.shortlisted" if shortlisted else "bid.unshortlisted",
        acting_for=task.organization,
    )


@transaction.atomic
def decline_bid(*, actor: User, bid: Bid, reason: str = "") -> Bid:
    require_member(actor=actor, organization=bid.task.organization)
    task = lock_task(bid.task)
    bid = lock_bid(bid)
    already = bid.status == BidStatus.DECLINED
    bid = _move(
        actor=actor,
        bid=bid,
        target=BidStatus.DECLINED,
        action="bid.declined",
        acting_for=task.organization,
        decline_reason=reason.strip()[: limits.SHORT_NOTE],
    )
    if not already:
        notifications.bid_declined(bid=bid)
    return bid


@transaction.atomic
def accept_bid(*, actor: User, bid: Bid) -> Bid:
    """Award the task: this bid is accepted, the other live bids declined, a contract draft made.

    Owners and admins only, since it commits the organization. The task row
    lock serialises two members accepting different bids at once: the second
    finds the task awarded and is refused. The one-accepted-bid constraint
    backs this up in the database.
    """
    require_manager(actor=actor, organization=bid.task.organization, action="accept a bid")
    task = lock_task(bid.task)
    bid = lock_bid(bid)
    if bid.status == BidStatus.ACCEPTED:
        return bid  # accepting the same bid again changes nothing
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"This task is already {task.get_status_display().lower()}.")
    if not bid.is_live:
        raise Conflict(f"This bid was {bid.get_status_display().lower()}.")
    try:
        with transaction.atomic():
            bid = _move(
                actor=actor, bid=bid, target=BidStatus.ACCEPTED, action="bid.accepted", acting_for=task.organization
            )
    except IntegrityError as exc:
        raise Conflict("Another bid was accepted on this task a moment ago.") from exc
    task.status = TaskStatus.AWARDED
    task.save(update_fields=["status", "updated_at"])
    audit.record(
        action="task.awarded",
        actor=actor,
        organization=task.organization,
        target=task,
        details={"bid": bid.pk, "supplier": bid.supplier_id},
    )
    _decline_live_bids(task=task, reason="The client chose another bid.", keep=bid)
    contract = contract_services.create_draft_from_bid(actor=actor, bid=bid)
    notifications.bid_accepted(bid=bid, contract_id=contract.pk)
    return bid


def bid_input_from(bid: Bid) -> BidInput:
    """A bid's current terms, as an input to edit."""
    fixed = bid.price_type == BudgetType.FIXED
    return BidInput(
        start_date=bid.start_date,
        availability_hours_per_week=bid.availability_hours_per_week,
        delivery_date=bid.delivery_date,
        cover_letter=bid.cover_letter,
        amount=bid.amount if fixed else None,
        hourly_rate=bid.hourly_rate,
        estimated_hours=bid.estimated_hours,
        milestones=[MilestoneInput(title=m.title, amount=m.amount, due_date=m.due_date) for m in bid.milestones.all()],
    )
