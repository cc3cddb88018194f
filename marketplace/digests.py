"""Saved-search digests: email a supplier the new tasks matching a saved search.

The services behind the beat job ``marketplace.send_saved_search_digests``
(hourly, see ``CELERY_BEAT_SCHEDULE``). For each saved search with
``notify`` on, the tasks published in the window
``(last_notified_at, now - SETTLE]`` that match its filters and that its
organization may see are listed (at most :data:`DIGEST_MAX_TASKS`) in one
email to the user who saved it, and ``last_notified_at`` moves to the end of
the window.

Exactly once: the email (an outbox row) and the move of ``last_notified_at``
commit in one transaction, under the saved search's row lock. A second worker
running at the same time skips a locked search (``SKIP LOCKED``), and a
second run finds an empty window: nothing is sent twice. A search that fails
rolls back alone; the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from core.money import format_money
from core.outbox import enqueue
from marketplace.models import BudgetType, LocationType, SavedSearch, Task
from marketplace.selectors import TaskFilters, saved_search_new_tasks

log = structlog.get_logger(__name__)

DIGEST_MAX_TASKS = 10
# A task is published inside its poster's transaction, stamped with the time
# the transaction ran, not when it committed. The window ends a little in the
# past so such a task is committed before its moment is passed over.
SETTLE = timedelta(minutes=2)


@dataclass
class DigestRun:
    emailed: int = 0  # digests sent
    empty: int = 0  # searches with nothing new (their window still moved on)
    skipped: int = 0  # locked by another worker, switched off, or their user can no longer see them
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"emailed": self.emailed, "empty": self.empty, "skipped": self.skipped, "failed": self.failed}


def send_due_digests(*, now: datetime | None = None) -> DigestRun:
    """Send every saved search's digest that is due. One failing search does not stop the others."""
    until = (now or timezone.now()) - SETTLE
    due = (
        SavedSearch.objects.filter(notify=True)
        .filter(Q(last_notified_at__lt=until) | Q(last_notified_at__isnull=True))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    run = DigestRun()
    for saved_search_id in due.iterator(chunk_size=500):
        try:
            outcome = send_saved_search_digest(saved_search_id=saved_search_id, until=until)
        except Exception:
            run.failed += 1
            log.exception("saved_search_digest.failed", saved_search_id=saved_search_id)
            continue
        if outcome is None:
            run.skipped += 1
        elif outcome:
            run.emailed += 1
        else:
            run.empty += 1
    log.info("saved_search_digests.done", **run.as_dict())
    return run


@transaction.atomic
def send_saved_search_digest(*, saved_search_id: int, until: datetime) -> int | None:
    """Email one saved search's new matches up to ``until``; return how many tasks it listed.

    ``None`` when the search was skipped: another worker holds it, notify is
    off, or its user is no longer an active member of its organization (the
    window then moves on, so a returning member is not sent a backlog).
    """
    saved_search = (
        SavedSearch.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("user", "organization")
        .filter(pk=saved_search_id, notify=True)
        .first()
    )
    if saved_search is None:
        return None
    since = saved_search.last_notified_at or saved_search.created_at
    if since >= until:
        return 0
    user, organization = saved_search.user, saved_search.organization
    allowed = user.is_active and Membership.objects.filter(user=user, organization=organization).exists()
    tasks: list[Task] = []
    if allowed:
        tasks = saved_search_new_tasks(
            filters=TaskFilters.from_params(saved_search.filters),
            organization=organization,
            published_after=since,
            published_until=until,
            limit=DIGEST_MAX_TASKS + 1,
        )
    if tasks:
        subject, body = render_digest(saved_search=saved_search, tasks=tasks)
        enqueue("core.send_email", subject=subject, body=body, to=[user.email])
    saved_search.last_notified_at = until
    saved_search.save(update_fields=["last_notified_at"])
    if not allowed:
        return None
    listed = min(len(tasks), DIGEST_MAX_TASKS)
    if listed:
        log.info("saved_search_digest.sent", saved_search_id=saved_search.pk, tasks=listed)
    return listed


def render_digest(*, saved_search: SavedSearch, tasks: list[Task]) -> tuple[str, str]:
    """Subject and plain-text body; ``tasks`` may hold one more than fits, meaning "and more"."""
    shown, more = tasks[:DIGEST_MAX_TASKS], len(tasks) > DIGEST_MAX_TASKS
    count = f"{len(shown)}+" if more else str(len(shown))
    noun = "task" if len(shown) == 1 and not more else "tasks"
    subject = f"[{settings.SITE_NAME}] {count} new {noun} for “{saved_search.name}”"
    lines = [
        f"Hello {saved_search.user.display_name},",
        "",
        f"New {noun} matching your saved search “{saved_search.name}” ({saved_search.organization.name}):",
        "",
    ]
    for task in shown:
        lines += [f"- {task.title}", f"  {_summary(task)}", f"  {_link('task-detail', task_id=task.pk)}", ""]
    filters = TaskFilters.from_params(saved_search.filters)
    filters.sort = "newest"
    browse = _link("task-list") + "?" + urlencode(filters.as_params(), doseq=True)
    if more:
        lines += ["There are more: see them all at", f"  {browse}", ""]
    lines += [
        "You get this email because notifications are on for this saved search.",
        f"Switch them off: {_link('saved-search-list')}",
    ]
    return subject, "\n".join(lines) + "\n"


def _summary(task: Task) -> str:
    if task.budget_type == BudgetType.HOURLY and task.hourly_rate_min and task.hourly_rate_max:
        budget = (
            f"{format_money(task.hourly_rate_min, task.currency)}–{format_money(task.hourly_rate_max, task.currency)}"
            f"/h, up to {task.hours_cap} h"
        )
    else:
        budget = format_money(task.budget_amount, task.currency)
    place = "Remote"
    if task.location_type != LocationType.REMOTE:
        place = f"{task.get_location_type_display()}, {task.city}"
    closes = timezone.localtime(task.bidding_closes_at).strftime("%d %b %Y")
    return f"{budget} · {task.category.name} · {place} · bidding closes {closes}"


def _link(name: str, **kwargs: object) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, kwargs=kwargs or None)
