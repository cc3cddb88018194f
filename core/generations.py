"""Generations: how a cached figure knows it is current.

An entry is stored with the generation its figures were read under; a write forgets the generation
(deletes its key) after it commits, and the next reader starts a new one. An entry read from the
database before that commit is stored under the old generation, which no later reader accepts
(``marketplace.selectors.messaging.thread_order``, ``marketplace.selectors.activity.activity_of``).
"""

from __future__ import annotations

import secrets

from django.core.cache import cache


def generation(key: str, known: str | None, *, timeout: int) -> str:
    """The generation at ``key``: ``known`` (what the caller just read there), or a new one when there is
    none; of two readers starting one at once, both end with the one stored first."""
    if known is not None:
        return known
    started = secrets.token_hex(8)
    if not cache.add(key, started, timeout=timeout):
        return str(cache.get(key) or started)
    return started
