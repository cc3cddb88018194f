"""``{% submit_token %}``: the one-time token of a form whose view is marked ``core.idempotency.submit_once``.

A builtin (see ``TEMPLATES`` in settings), so forms need no ``{% load %}``.
Each call renders a fresh random token; nothing is stored until the form is
posted, so rendering a page costs no write.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.idempotency import TOKEN_FIELD, new_form_token

register = template.Library()


@register.simple_tag
def submit_token() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', TOKEN_FIELD, new_form_token())
