"""Markdown written by users, rendered to HTML that is safe to show anyone.

markdown-it renders CommonMark with raw HTML switched off, then nh3 (the
Ammonia sanitiser) keeps only an allow-list of tags and attributes, so a
``<script>`` or an ``onclick`` never reaches a page whatever the input.
"""

from __future__ import annotations

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    html = _renderer.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


# Enough source for any excerpt: the first paragraphs, not a 50,000-character description.
_EXCERPT_SOURCE = 20_000
# Text without any of these renders to itself (whitespace aside): no emphasis,
# code, links, HTML, entities, escapes, tables, lists, rules or quotes. Most
# descriptions are plain prose, and skipping the renderer makes them 20 times
# cheaper to summarise (a million generated tasks, for one).
_MARKUP = re.compile(r"[\\`*_\[\]<>&|~!\x00\r\x0b\x0c]|^[ \t]*(?:[-+=>#]|\d{1,9}[.)])|^(?: {4}|\t)", re.MULTILINE)


def plain_text(text: str) -> str:
    """What a reader of the rendered Markdown sees, as plain text on one line (entities decoded, tags gone).

    A plain ``str``, never marked safe: templates escape it like any other text,
    so it can go into an attribute as well as between tags.
    """
    text = text or ""
    if not _MARKUP.search(text):
        return " ".join(text.split())
    html = nh3.clean(render_markdown(text), tags=set(), clean_content_tags=set())
    return " ".join(unescape(html).split())


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def excerpt(text: str, limit: int) -> str:
    """The start of a Markdown text as plain text of at most ``limit`` characters (for lists and meta tags)."""
    return shorten(plain_text((text or "")[:_EXCERPT_SOURCE]), limit)
