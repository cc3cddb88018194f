"""The messages page's rows (``marketplace.templatetags.thread_list``) write what the template did.

The template below is the loop the tag replaced, verbatim (commit e297d62,
``marketplace/messages/thread_list.html``); both renderings of the same rows
must be the same markup once whitespace between tags is ignored.
"""

# ruff: noqa: E501 - the replaced template is quoted verbatim, long lines and all

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.template import Context, Template
from django.utils import timezone

OLD_ROWS = """{% load accounts_format %}{% now "Ymd" as today_key %}{% for thread in threads %}
          <li class="msg-thread{% if thread.unread_count %} msg-thread-unread{% endif %}">
            <a class="msg-thread-link" href="{% url 'thread-detail' thread.pk %}">
              {% if thread.supplier_id == acting_organization.pk %}
                <span class="avatar avatar-sm" aria-hidden="true">{{ thread.task.organization.name|initials }}</span>
              {% else %}
                <span class="avatar avatar-sm msg-avatar-supplier" aria-hidden="true">{{ thread.supplier.name|initials }}</span>
              {% endif %}
              <span class="msg-thread-main">
                <span class="msg-thread-top">
                  <strong class="msg-thread-name">{% if thread.supplier_id == acting_organization.pk %}{{ thread.task.organization.name }}{% else %}{{ thread.supplier.name }}{% endif %}</strong>
                  <span class="badge msg-side">{% if thread.supplier_id == acting_organization.pk %}Client{% else %}Bidder{% endif %}</span>
                  <span class="msg-thread-task">{{ thread.task.title }}</span>
                </span>
                <span class="msg-thread-preview">
                  {% if thread.last_body is not None %}{% if thread.last_sender_id == acting_organization.pk %}<span class="muted">You:</span> {% endif %}{{ thread.last_body|default:"(attachment)"|truncatechars:140 }}{% else %}<span class="muted">No messages yet</span>{% endif %}
                </span>
              </span>
              <span class="msg-thread-side">
                {% if thread.last_message_at %}<time datetime="{{ thread.last_message_at|date:'c' }}" title="{{ thread.last_message_at|date:'j M Y, H:i' }}">{% if thread.last_message_at|date:"Ymd" == today_key %}{{ thread.last_message_at|date:"H:i" }}{% else %}{{ thread.last_message_at|date:"j M" }}{% endif %}</time>{% else %}<span class="muted small">—</span>{% endif %}
                {% if thread.unread_count %}<span class="msg-unread" aria-label="{{ thread.unread_count }} unread">{{ thread.unread_count }}</span>{% endif %}
              </span>
            </a>
          </li>
        {% endfor %}"""
NEW_ROWS = "{% load thread_list %}{% thread_rows threads %}"
HOSTILE = "<script>alert(\"x\")</script> & Söhne 'Ltd'"
US, THEM = 10, 20


def normalised(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).replace("> <", "><").strip()


def a_thread(pk: int, *, we_supply: bool, body: Any, sender: int, at: Any, unread: int) -> SimpleNamespace:
    client = SimpleNamespace(pk=US if not we_supply else THEM, name=f"Client {HOSTILE}")
    supplier = SimpleNamespace(pk=US if we_supply else THEM, name=f"{HOSTILE} Bidder")
    return SimpleNamespace(
        pk=pk,
        supplier_id=supplier.pk,
        supplier=supplier,
        task=SimpleNamespace(title=f"Task {HOSTILE}", organization=client),
        last_body=body,
        last_sender_id=sender,
        last_message_at=at,
        unread_count=unread,
        bid_status="submitted",  # a live bid: the replaced template called every supplier "Bidder"
    )


def threads() -> list[SimpleNamespace]:
    now = timezone.now()
    return [
        a_thread(1, we_supply=False, body="Short " + HOSTILE, sender=THEM, at=now, unread=3),
        a_thread(2, we_supply=True, body="x" * 300, sender=US, at=now - timedelta(days=3), unread=0),
        a_thread(3, we_supply=True, body="", sender=THEM, at=now - timedelta(hours=30), unread=1),
        a_thread(4, we_supply=False, body=None, sender=None, at=None, unread=0),
        a_thread(5, we_supply=False, body="Late in the day", sender=THEM, at=now - timedelta(hours=11), unread=0),
    ]


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_the_rows_are_the_markup_of_the_template_they_replaced(zone):
    context = {"threads": threads(), "acting_organization": SimpleNamespace(pk=US)}

    with timezone.override(zone):
        new = Template(NEW_ROWS).render(Context(context))
        old = Template(OLD_ROWS).render(Context(context))

    assert normalised(new) == normalised(old)
    assert "<script>" not in new
    assert "x" * 140 not in new  # the preview is cut
