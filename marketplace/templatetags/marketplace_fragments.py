"""Rows and cards of marketplace pages, each rendered once per content: ``{% load marketplace_fragments %}``.

See :mod:`core.fragments`: each tag's key lists everything its template shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, cast

from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString

from core.fragments import render_each, render_parts
from marketplace.templatetags.marketplace_tags import reply_time, skill_name

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
    keys = [dashboard_row_key(task, zone=zone, today=today) for task in tasks]
    return render_each(
        "marketplace/tasks/_dashboard_row.html",
        [{"task": task} for task in tasks],
        keys,
        prefix="dashboard-row",
        seconds=FRAGMENT_SECONDS,
    )


def dashboard_row_key(task: Any, *, zone: str, today: date) -> tuple[Any, ...]:
    """Everything a row of the client dashboard shows (``_dashboard_row.html``), as a cache key."""
    return (
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


def supplier_card_key(supplier: Any, names: Mapping[str, str]) -> tuple[Any, ...]:
    """Everything the body of a supplier's card shows (``_supplier_card_body.html``), as a cache key."""
    return (
        supplier.pk,
        supplier.name,
        supplier.slug,
        str(supplier.logo or ""),
        supplier.city,
        str(supplier.country or ""),
        supplier.headline,
        supplier.rating,
        supplier.review_count,
        supplier.completed_contracts,
        reply_time(supplier.median_reply_seconds),  # as shown: a new median in the same hour keeps the body
        supplier.created_at.strftime("%Y-%m"),
        supplier.hourly_rate,
        supplier.hourly_rate_currency,
        len(supplier.skills),
        tuple(skill_name(slug, names) for slug in supplier.skills[:6]),
    )


@register.simple_tag
def supplier_card_bodies(
    suppliers: Iterable[Any], names: Mapping[str, str] | None = None
) -> list[tuple[Any, SafeString]]:
    """``{% supplier_card_bodies suppliers skill_names as cards %}``: (supplier, the body of its card) pairs.

    The body (``_supplier_card_body.html``) is the same for every viewer: name,
    place, member since, headline, figures, reply time, rate and skills. The card's actions, which depend
    on the viewer's open tasks and invitations, stay in the page.
    """
    suppliers, names = list(suppliers), names or {}
    keys = [supplier_card_key(supplier, names) for supplier in suppliers]
    bodies = render_parts(
        "marketplace/suppliers/_supplier_card_body.html",
        [{"supplier": supplier, "skill_names": names} for supplier in suppliers],
        keys,
        prefix="supplier-card",
        seconds=FRAGMENT_SECONDS,
    )
    return list(zip(suppliers, bodies, strict=True))


@register.simple_tag
def invite_menu_list(open_tasks: Iterable[Any]) -> SafeString:
    """``{% invite_menu_list open_tasks as invite_list %}``: the directory's "Invite to" choices.

    They depend on the viewer's open tasks, not on the supplier, so the page renders
    them once for every card's menu (twelve cards of up to 25 tasks each were most of
    the page's template work).
    """
    markup = get_template("marketplace/suppliers/_invite_menu_list.html").render({"open_tasks": list(open_tasks)})
    return cast(SafeString, markup)  # a template's render is autoescaped markup, typed as str
