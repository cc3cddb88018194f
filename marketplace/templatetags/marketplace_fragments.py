"""Rows and cards of marketplace pages, each rendered once per content: ``{% load marketplace_fragments %}``.

See :mod:`core.fragments`: each tag's key lists everything its template shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from core.fragments import render_each

register = template.Library()

FRAGMENT_SECONDS = 600


@register.simple_tag
def dashboard_rows(tasks: Iterable[Any]) -> SafeString:
    """``{% dashboard_rows tasks %}``: the client dashboard's table rows (``_dashboard_row.html``).

    Private to the client: the key holds its organization. Dates are shown in
    the viewer's time zone, and "in 3 days" counts from the viewer's day.
    """
    tasks = list(tasks)
    zone, today = timezone.get_current_timezone_name(), timezone.localdate()
    keys = [
        (
            task.organization_id,
            task.pk,
            task.title,
            task.category_name,
            task.status,
            task.visibility,
            task.budget_type,
            task.currency,
            task.budget_amount,
            task.hourly_rate_min,
            task.hourly_rate_max,
            task.edited_at is not None,
            task.deadline,
            task.bidding_closes_at,
            task.bid_count,
            task.unread_count,
            zone,
            today,
        )
        for task in tasks
    ]
    return render_each(
        "marketplace/tasks/_dashboard_row.html",
        [{"task": task} for task in tasks],
        keys,
        prefix="dashboard-row",
        seconds=FRAGMENT_SECONDS,
    )
