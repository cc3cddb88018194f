"""The messages page's rows: ``{% load thread_list %}``.

Twenty-five rows of some 30 template nodes each (a ``{% url %}``, five date
filters, the side tested three times) were half of the page's rendering.
This tag writes the same markup with :func:`core.html.format_html`,
which escapes every value (names, titles, message bodies); the dates are
formatted as the ``date`` filter does, in the viewer's time zone.
``marketplace/tests/test_thread_list.py`` holds it to the template it replaced.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from accounts.templatetags.accounts_format import initials
from core.html import format_html
from marketplace.templatetags.comparison_table import id_url

register = template.Library()

PREVIEW_CHARACTERS = 140

# What the supplier of a thread is to the client, from its latest bid on the task (``bid_status``; None: it was
# invited and has not bid): the list's badge, and the sentence of the thread's header.
SUPPLIER_SIDES: dict[str | None, tuple[str, str]] = {
    None: ("Invited", "Invited to bid on your task"),
    "submitted": ("Bidder", "Bidder on your task"),
    "shortlisted": ("Bidder", "Bidder on your task"),
    "accepted": ("Chosen", "Chosen for your task"),
    "declined": ("Declined", "Declined bidder on your task"),
    "withdrawn": ("Withdrew", "Withdrew their bid on your task"),
}


def _side(bid_status: str | None) -> tuple[str, str]:
    return SUPPLIER_SIDES.get(bid_status or None, SUPPLIER_SIDES["submitted"])


@register.filter
def supplier_side(bid_status: str | None) -> str:
    """``{{ bid.status|supplier_side }}``: the supplier of a thread as the client's header describes it."""
    return _side(bid_status)[1]


def _when(moment: datetime | None, today_key: str) -> SafeString:
    """The last message's time: hours and minutes today, else day and month; a dash when there is none."""
    if not moment:
        return mark_safe('<span class="muted small">—</span>')
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    shown = date_format(local, "H:i") if date_format(local, "Ymd") == today_key else date_format(local, "j M")
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', date_format(local, "c"), date_format(local, "j M Y, H:i"), shown
    )


def thread_row_key(thread: Any, *, organization_id: int) -> tuple[Any, ...]:
    """Everything :func:`thread_row` shows of ``thread`` to ``organization_id``, as a cache key (the day the
    dates count from and the time zone are the caller's)."""
    we_supply = thread.supplier_id == organization_id
    return (
        thread.pk,
        we_supply,
        thread.task.organization.name if we_supply else thread.supplier.name,
        thread.task.title,
        thread.bid_status,
        thread.last_body,
        thread.last_sender_id == organization_id,
        thread.last_message_at,
        thread.unread_count,
    )


def today_key() -> str:
    """The viewer's day, as :func:`thread_rows` compares a message's with it."""
    return date_format(timezone.localtime(timezone.now()), "Ymd")


def thread_row(thread: Any, *, organization_id: int, url: Any, today_key: str) -> str:
    we_supply = thread.supplier_id == organization_id
    other = thread.task.organization.name if we_supply else thread.supplier.name
    if thread.last_body is not None:
        you = mark_safe('<span class="muted">You:</span> ') if thread.last_sender_id == organization_id else ""
        preview = format_html("{}{}", you, Truncator(thread.last_body or "(attachment)").chars(PREVIEW_CHARACTERS))
    else:
        preview = mark_safe('<span class="muted">No messages yet</span>')
    count = thread.unread_count
    unread = format_html('<span class="msg-unread" aria-label="{} unread">{}</span>', count, count) if count else ""
    return str(
        format_html(
            '<li class="msg-thread{}">\n<a class="msg-thread-link" href="{}">\n'
            '<span class="avatar avatar-sm{}" aria-hidden="true">{}</span>\n'
            '<span class="msg-thread-main">\n<span class="msg-thread-top">\n'
            '<strong class="msg-thread-name">{}</strong>\n<span class="badge msg-side">{}</span>\n'
            '<span class="msg-thread-task">{}</span>\n</span>\n'
            '<span class="msg-thread-preview">\n{}\n</span>\n</span>\n'
            '<span class="msg-thread-side">\n{}\n{}\n</span>\n</a>\n</li>\n',
            " msg-thread-unread" if thread.unread_count else "",
            url(thread.pk),
            "" if we_supply else " msg-avatar-supplier",
            initials(other),
            other,
            "Client" if we_supply else _side(thread.bid_status)[0],
            thread.task.title,
            preview,
            _when(thread.last_message_at, today_key),
            unread,
        )
    )


@register.simple_tag(takes_context=True)
def thread_rows(context: template.Context, threads: Iterable[Any]) -> SafeString:
    """One ``<li>`` per thread, as the acting organization sees it (client or bidder side)."""
    organization_id = context["acting_organization"].pk
    url = id_url("thread-detail", "thread_id")
    day = today_key()
    rows = (thread_row(thread, organization_id=organization_id, url=url, today_key=day) for thread in threads)
    return mark_safe("".join(rows))  # noqa: S308 - each row is format_html output
