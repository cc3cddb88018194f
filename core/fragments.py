"""Repeated pieces of a page (a table's rows, a list's cards) rendered once and then read from the cache.

A row of the client dashboard cost about 0.25 ms of template work (links,
dates, badges), twenty per page; reading twenty rendered rows back is one
round trip. Each piece's key is a hash of everything it shows, given by the
caller, plus the template's source: when any of it changes the key changes,
so a piece is never stale, only unused until it expires. What the caller puts
in the key must therefore be all the piece depends on, the viewer's time zone
and day included when it shows dates; private pieces put the owning
organization in their key too.

Without the cache (Redis down) the pieces are rendered, as before.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def render_each(
    template_name: str,
    contexts: Sequence[Mapping[str, Any]],
    keys: Sequence[tuple[Any, ...]],
    *,
    prefix: str,
    seconds: int,
) -> SafeString:
    """:func:`render_parts`, joined."""
    parts = render_parts(template_name, contexts, keys, prefix=prefix, seconds=seconds)
    # Each part is an autoescaped render of our template (now, or earlier and read back from the cache).
    return mark_safe("".join(parts))  # noqa: S308


def render_parts(
    template_name: str,
    contexts: Sequence[Mapping[str, Any]],
    keys: Sequence[tuple[Any, ...]],
    *,
    prefix: str,
    seconds: int,
) -> list[SafeString]:
    """``template_name`` rendered with each context; a piece whose key was rendered before is read back.

    ``keys[i]`` holds the values ``contexts[i]``'s piece shows; ``repr`` of it
    must be stable (numbers, strings, dates, tuples of those).
    """
    if len(keys) != len(contexts):
        raise ValueError("one key per context")
    template = get_template(template_name)
    stamp = template_stamp((template_name,))
    names = [f"{prefix}:{hashlib.sha256(repr((stamp, key)).encode()).hexdigest()}" for key in keys]
    try:
        found = cache.get_many(names)
    except RedisError:  # the page works without its cache
        logger.warning("fragment cache unavailable, rendering", extra={"template": template_name}, exc_info=True)
        found = {}
    fresh = {}
    parts = []
    for name, context in zip(names, contexts, strict=True):
        html = found.get(name)
        if html is None:
            html = fresh[name] = template.render(dict(context))
        # An autoescaped render of our template (now, or earlier and read back from the cache).
        parts.append(mark_safe(html))  # noqa: S308
    if fresh:
        try:
            cache.set_many(fresh, seconds)
        except RedisError:
            logger.warning("fragment cache unavailable, not kept", extra={"template": template_name}, exc_info=True)
    return parts


@functools.cache
def template_stamp(names: tuple[str, ...]) -> str:
    """The templates as this process has them: a deploy that changes one changes every key it is in."""
    sources = [get_template(name).template.source for name in names]  # type: ignore[attr-defined]
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]
