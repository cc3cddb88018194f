"""What platform moderators do to tasks: hide one from the marketplace, and restore it.

Until the dispute console exists, moderators work in the admin (the "Moderators"
group, ``marketplace.apps``); its actions call these. A hidden task is its
client's alone: off the browse page, its public page and every supplier's view
(``TaskQuerySet.visible_to``), and its client cannot move it on
(``TASK_TRANSITIONS``). A restore puts back the status it had. The client's
members are emailed either way, with the moderator's reason on hiding.
"""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core import audit, limits
from core.exceptions import DomainError, PermissionDenied
from core.text import clean, visible
from marketplace import notifications
from marketplace.models import Task, TaskStatus
from marketplace.services.tasks import lock_task

HIDE_PERMISSION = "marketplace.hide_task"
# Tasks others can see: a draft or a cancelled task has nothing to hide.
HIDEABLE = (TaskStatus.OPEN, TaskStatus.AWARDED, TaskStatus.CLOSED)


def _require_moderator(actor: User) -> None:
    if not (actor.is_active and actor.has_perm(HIDE_PERMISSION)):
        raise PermissionDenied("Only platform moderators can hide or restore tasks.")


@transaction.atomic
def hide_task(*, actor: User, task: Task, reason: str) -> Task:
    """Take a task off the marketplace. Hiding a hidden task again changes nothing."""
    _require_moderator(actor)
    reason = visible(clean(reason))  # the admin action reads it from the POST, past its form's checks
    if not reason:
        raise DomainError("Say why the task is hidden: its client and other moderators read it.", field="reason")
    if len(reason) > limits.SHORT_NOTE:
        raise DomainError(f"Keep the reason under {limits.SHORT_NOTE:,} characters.", field="reason")
    task = lock_task(task)
    if task.status == TaskStatus.HIDDEN:
        return task
    if task.status not in HIDEABLE:
        raise DomainError(f"A {task.get_status_display().lower()} task is not on the marketplace.")
    old = task.status
    task.status, task.status_before_hiding = TaskStatus.HIDDEN, old
    task.save(update_fields=["status", "status_before_hiding", "updated_at"])
    audit.record(
        action="task.hidden",
        actor=actor,
        organization=task.organization,
        target=task,
        details={"from": old, "reason": reason},
    )
    notifications.task_hidden(task=task, reason=reason)
    return task


@transaction.atomic
def restore_task(*, actor: User, task: Task) -> Task:
    """Put a hidden task back as it was. Restoring a task that is not hidden changes nothing."""
    _require_moderator(actor)
    task = lock_task(task)
    if task.status != TaskStatus.HIDDEN:
        return task
    back = task.status_before_hiding or TaskStatus.CLOSED
    task.status, task.status_before_hiding = back, ""
    task.save(update_fields=["status", "status_before_hiding", "updated_at"])
    audit.record(action="task.restored", actor=actor, organization=task.organization, target=task, details={"to": back})
    notifications.task_restored(task=task)
    return task
