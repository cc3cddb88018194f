"""Threads between a task's client and a supplier: messages, attachments, read marks."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organization, User
from core import limits
from core.exceptions import DomainError, NotFound
from core.text import is_blank
from marketplace import notifications
from marketplace.models import BidInvitation, Message, MessageAttachment, Task, Thread, ThreadReadMark
from marketplace.selectors.activity import forget_activity
from marketplace.selectors.messaging import forget_thread_order
from marketplace.services._common import check_uploads, require_member
from marketplace.services.replies import refresh_after_answer

MAX_MESSAGE_LENGTH = limits.MESSAGE


def get_or_create_thread(*, task: Task, supplier: Organization) -> Thread:
    thread = Thread.objects.filter(task=task, supplier=supplier).first()
    if thread is not None:
        return thread
    try:
        with transaction.atomic():
            thread = Thread.objects.create(task=task, supplier=supplier)
    except IntegrityError:  # created by a concurrent request
        return Thread.objects.get(task=task, supplier=supplier)
    _forget_order_after_commit(thread)
    return thread


def _forget_order_after_commit(thread: Thread) -> None:
    """Both sides' cached thread order (:func:`~marketplace.selectors.thread_order`) is stale once this commits."""
    sides = (thread.task.organization_id, thread.supplier_id)
    transaction.on_commit(lambda: forget_thread_order(organization_ids=sides))


def _forget_activity(thread: Thread) -> None:
    """Both sides' members' unread counts (:func:`~marketplace.selectors.activity.activity_of`) change with a
    message."""
    sides = (thread.task.organization_id, thread.supplier_id)
    forget_activity(organization_ids=sides)


@transaction.atomic
def open_thread(*, actor: User, organization: Organization, task: Task, supplier: Organization) -> Thread:
    """The client messages a bidder or invited supplier; a supplier messages the client of a task it bid on."""
    require_member(actor=actor, organization=organization)
    if organization.pk == supplier.pk == task.organization_id:
        raise DomainError("You cannot message your own organization.")
    if organization.pk not in (task.organization_id, supplier.pk):
        raise NotFound("No such conversation.")
    involved = (
        task.bids.filter(supplier=supplier).exists()
        or BidInvitation.objects.filter(task=task, supplier=supplier).exists()
    )
    if not involved:
        raise DomainError("Conversations are with suppliers who bid on, or were invited to, the task.")
    return get_or_create_thread(task=task, supplier=supplier)


@transaction.atomic
def send_message(
    *,
    actor: User,
    organization: Organization,
    thread: Thread,
    body: str,
    attachments: list[UploadedFile] | None = None,
) -> Message:
    """Post a message as one side of the thread; the other side is emailed after commit, and a supplier's
    answer to the client has its reply time recomputed after commit."""
    require_member(actor=actor, organization=organization)
    thread = Thread.objects.select_for_update(of=("self",)).select_related("task", "supplier").get(pk=thread.pk)
    if organization.pk not in (thread.task.organization_id, thread.supplier_id):
        raise NotFound("No such conversation.")
    body = body.strip()
    if is_blank(body):
        body = ""  # invisible characters alone say nothing
    if not body and not attachments:
        raise DomainError("Write a message or attach a file.", field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise DomainError(f"Keep messages under {MAX_MESSAGE_LENGTH:,} characters.", field="body")
    checked = check_uploads(attachments or [])
    message = Message.objects.create(thread=thread, sender=actor, sender_organization=organization, body=body)
    for item in checked:
        MessageAttachment.objects.create(message=message, uploaded_by=actor, **item)
    thread.last_message_at = message.created_at
    thread.save(update_fields=["last_message_at"])
    _forget_order_after_commit(thread)
    _forget_activity(thread)
    mark_thread_read(user=actor, thread=thread, at=message.created_at)
    notifications.message_received(message=message)
    refresh_after_answer(message=message, thread=thread)
    return message


def mark_thread_read(*, user: User, thread: Thread, at: object = None) -> None:
    """Remember the user has read the thread up to now (or ``at``); never moves backwards."""
    moment = at or timezone.now()
    mark, created = ThreadReadMark.objects.get_or_create(thread=thread, user=user, defaults={"last_read_at": moment})
    if not created and mark.last_read_at < moment:  # type: ignore[operator]
        ThreadReadMark.objects.filter(pk=mark.pk, last_read_at__lt=moment).update(last_read_at=moment)
    if created or mark.last_read_at < moment:  # type: ignore[operator]
        forget_activity(user_ids=[user.pk])  # the user's unread count moved
