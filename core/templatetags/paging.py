"""``{% load paging %}``: links between the pages of a list, keeping the page's other query parameters."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, number: int) -> str:
    """``?status=open&page=3``: the current query string with ``page`` set to ``number``, encoded."""
    query = context["request"].GET.copy()
    query["page"] = str(int(number))
    return f"?{query.urlencode()}"
