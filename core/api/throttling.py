"""API throttles that count requests in fixed windows: one Redis round trip a request.

DRF's throttles keep, per client, the list of every request's timestamp in
the last window: each request reads the list, unpickles it, drops old
entries, appends, pickles it and writes it back. At the default
1,000 requests a minute that is up to 1,000 floats each way on every API
call, and two round trips that race each other (two requests read the same
list, both append, one write is lost).

These count instead: the key names the client, the scope and the window
(``duration`` seconds, aligned to the clock), and one pipelined ``SET NX EX``
plus ``INCR`` both creates the counter with its expiry and counts the request,
atomically per request. The trade-off, as with any fixed window: a client can
spend its allowance at the end of one window and again at the start of the
next, so up to twice the rate over a short stretch across a boundary; never
more than the rate inside one window. ``Retry-After`` says when the window ends.

Like the rest of the cache, the count fails open when Redis is down
(``core.cache.FailOpenRedisCache.count_hit``).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache as default_cache
from rest_framework import throttling


def count_hit(cache: Any, key: str, timeout: int) -> int:
    """Add one to the counter ``key`` (created with ``timeout`` seconds to live); the new count."""
    counting = getattr(cache, "count_hit", None)
    if counting is not None:
        return int(counting(key, timeout))
    # Any other cache backend: two calls, still atomic per request where ``incr`` is.
    cache.add(key, 0, timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between the two calls: this request starts the window
        cache.set(key, 1, timeout)
        return 1


class FixedWindowRateThrottle(throttling.SimpleRateThrottle):
    """``SimpleRateThrottle`` counting requests per fixed window instead of keeping their history."""

    cache = default_cache
    window_ends: float = 0.0
    # Set by SimpleRateThrottle.__init__ from the rate (or by ScopedRateThrottle per view).
    num_requests: int
    duration: int

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        duration = int(self.duration)
        window = int(self.now // duration)
        self.window_ends = (window + 1) * duration
        # The window's end is the counter's life, plus a second for the clocks of other workers.
        seen = count_hit(self.cache, f"{self.key}_w{window}", int(self.window_ends - self.now) + 1)
        return seen <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_ends - self.timer())


class AnonRateThrottle(throttling.AnonRateThrottle, FixedWindowRateThrottle):
    """Anonymous clients, by address (``anon`` rate)."""


class UserRateThrottle(throttling.UserRateThrottle, FixedWindowRateThrottle):
    """Signed-in users, by user; anonymous ones by address (``user`` rate)."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, FixedWindowRateThrottle):
    """Views naming a ``throttle_scope`` (token exchange), by user or address."""
