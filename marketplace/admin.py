"""Tasks and bids in the admin, for platform moderators: read-only, with hide and restore as actions.

Every change to a task goes through ``marketplace.services``; the admin changes nothing itself.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from core import limits
from core.exceptions import DomainError
from marketplace.models import Bid, Task
from marketplace.services import moderation


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ModerationForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=limits.SHORT_NOTE,
        label="Reason",
        help_text="Why the task is hidden (required to hide); recorded in the audit log.",
    )


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "organization", "status", "visibility", "published_at", "bidding_closes_at")
    list_filter = ("status", "visibility", "budget_type", "category")
    search_fields = ("title", "organization__name")
    list_select_related = ("organization",)
    show_full_result_count = False  # a million tasks: no COUNT(*) per page
    exclude = ("search_vector", "comparison_weights")
    action_form = ModerationForm
    actions = ("hide", "restore")

    def has_hide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(moderation.HIDE_PERMISSION)

    @admin.action(description="Hide from the marketplace", permissions=["hide"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        actor, reason = cast(User, request.user), request.POST.get("reason", "")
        self._each(request, queryset, lambda task: moderation.hide_task(actor=actor, task=task, reason=reason))

    @admin.action(description="Restore to the marketplace", permissions=["hide"])
    def restore(self, request: HttpRequest, queryset: QuerySet[Task]) -> None:
        actor = cast(User, request.user)  # the admin site lets only signed-in staff in
        self._each(request, queryset, lambda task: moderation.restore_task(actor=actor, task=task))

    def _each(self, request: HttpRequest, queryset: QuerySet[Task], act: Any) -> None:
        done = 0
        for task in queryset[:100]:
            try:
                act(task)
            except DomainError as exc:
                self.message_user(request, f"“{task.title}”: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} task{'s' if done != 1 else ''} done.", messages.SUCCESS)


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ("task", "supplier", "status", "amount", "currency", "created_at")
    list_filter = ("status",)
    search_fields = ("task__title", "supplier__name")
    list_select_related = ("task", "supplier")
    show_full_result_count = False
