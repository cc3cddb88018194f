"""``format_html`` for markup written in Python many times a page.

Django's :func:`~django.utils.html.format_html` sends every argument through
``conditional_escape``, whose lazy-string wrapper costs more than the escaping:
the bid comparison calls it some 300 times a view, about 3 ms. This one
escapes exactly as Django does (a value with ``__html__`` is already markup;
anything else is ``html.escape``'d text: ``& < > " '``) without that wrapper.
``core/tests/test_html.py`` holds the two equal.
"""

from __future__ import annotations

from html import escape as _escape_text
from typing import Any

from django.utils.safestring import SafeString, mark_safe


def conditional_escape(value: Any) -> str:
    """``value`` as markup: its own ``__html__`` when it has one, else its text escaped."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else _escape_text(str(value))


def format_html(format_string: str, *args: Any) -> SafeString:
    """``format_string`` (a literal of ours) with every argument escaped."""
    # Every argument is escaped above; the format string is a literal of the caller's.
    return mark_safe(format_string.format(*map(conditional_escape, args)))  # noqa: S308
