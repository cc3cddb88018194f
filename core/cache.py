"""The cache backend: Django's Redis cache that fails open when Redis is down.

Everything the product keeps in the cache can be lost without harm: API
throttles (DRF), allauth's rate limits and its record of used TOTP codes.
With the plain backend a Redis outage turned every API call and every login
POST into a 500, though the pages, the database and the sessions were fine.
Here a Redis connection error or timeout degrades instead: reads miss, writes
are dropped, ``add`` claims (so allauth's cache lock and ``incr`` counters let
the request through). The trade-off, while Redis is down: no rate limits, and
a TOTP code can be replayed within its 30-second window.

A failure opens a short circuit: for ``RETRY_AFTER`` seconds calls skip Redis
(no connect timeout paid on every call of every request), then one call tries
again. One warning is logged when an outage starts (and every five minutes
while it lasts) per process, and one line when Redis is back. The health
check must see the outage, so :meth:`ping` never degrades.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

import structlog
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
# A long outage is logged again every so often, not on every request.
REMIND_EVERY = 300.0


def _public_location(location: str) -> str:
    """The server's address without credentials, for logs."""
    parsed = urlparse(location)
    if parsed.scheme == "unix":
        return f"unix://{parsed.path}"
    return f"{parsed.scheme}://{parsed.hostname}:{parsed.port or 6379}"


@dataclass
class _Outage:
    since: float
    retry_at: float
    warned_at: float


class _Circuit:
    """Which Redis servers are believed down, shared by every thread of the process.

    Django builds one cache object per thread; the outage is the server's.
    """

    _lock = threading.Lock()
    _outages: dict[str, _Outage] = {}

    @classmethod
    def is_open(cls, location: str) -> bool:
        outage = cls._outages.get(location)
        return outage is not None and time.monotonic() < outage.retry_at

    @classmethod
    def trip(cls, location: str, *, retry_after: float, operation: str, error: Exception) -> None:
        now = time.monotonic()
        with cls._lock:
            outage = cls._outages.get(location)
            warn = outage is None or now - outage.warned_at >= REMIND_EVERY
            if outage is None:
                outage = cls._outages[location] = _Outage(since=now, retry_at=now, warned_at=now)
            outage.retry_at = now + retry_after
            if warn:
                outage.warned_at = now
        if warn:
            log.warning(
                "cache.unavailable",
                location=_public_location(location),
                operation=operation,
                error=f"{type(error).__name__}: {error}",
                down_for_seconds=round(now - outage.since),
                retry_after_seconds=retry_after,
                effect="reads miss, writes are dropped, rate limits are off",
            )

    @classmethod
    def close(cls, location: str) -> None:
        if location not in cls._outages:
            return
        with cls._lock:
            outage = cls._outages.pop(location, None)
        if outage is not None:
            log.info(
                "cache.recovered",
                location=_public_location(location),
                down_for_seconds=round(time.monotonic() - outage.since),
            )


def _fail_open(fallback: Callable[..., Any]) -> Callable[[F], F]:
    """Run the Redis operation; when Redis is unreachable return ``fallback(*args, **kwargs)``."""

    def decorate(method: F) -> F:
        @wraps(method)
        def wrapper(self: FailOpenRedisCache, *args: Any, **kwargs: Any) -> Any:
            location = self._location
            if _Circuit.is_open(location):
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                _Circuit.trip(location, retry_after=self.RETRY_AFTER, operation=method.__name__, error=exc)
                return fallback(*args, **kwargs)
            _Circuit.close(location)
            return result

        return cast(F, wrapper)

    return decorate


def _default(key: Any, default: Any = None, version: Any = None) -> Any:
    return default


def _incremented(key: Any, delta: int = 1, version: Any = None) -> int:
    return delta  # as if the counter had been missing: the first hit


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _true(*args: Any, **kwargs: Any) -> bool:
    return True


def _empty_dict(*args: Any, **kwargs: Any) -> dict[Any, Any]:
    return {}


def _first_hit(key: Any, timeout: int) -> int:
    return 1  # as if the counter had been missing: never throttled while Redis is down


def _all_keys(data: dict[Any, Any], *args: Any, **kwargs: Any) -> list[Any]:
    return list(data)  # set_many names the keys it could not store: all of them


class _ReusedClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` (and its table of response callbacks)
    for every operation, about a tenth of a millisecond each; a ``Redis`` object
    is safe to share, and its connections come from the same pool either way.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = cast(Any, self)._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = cast(Any, self)._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    """``RedisCache`` whose operations degrade instead of raising when Redis is unreachable."""

    #: Seconds calls skip Redis after a failure before one tries again.
    RETRY_AFTER = 5.0

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClient
        self._location: str = (re.split("[;,]", server) if isinstance(server, str) else list(server))[0]

    def ping(self) -> None:
        """Raise when the (first) Redis server does not answer. Never degrades: for health checks."""
        cast(Any, self)._cache.get_client(write=True).ping()  # django-stubs do not know RedisCache's client

    def _count_hit(self, key: str, timeout: int) -> int:
        """Add one to an integer counter, creating it with ``timeout`` seconds to live: one round trip.

        ``SET NX EX`` then ``INCR`` in one pipeline, so the first hit both creates and counts, and a
        counter never lives without its expiry (``incr`` alone would create one that never expires).
        """
        key = self.make_and_validate_key(key)
        client = cast(Any, self)._cache.get_client(key, write=True)
        pipeline = client.pipeline(transaction=False)
        pipeline.set(key, 0, ex=max(1, int(timeout)), nx=True)
        pipeline.incr(key)
        return int(pipeline.execute()[1])

    count_hit = _fail_open(_first_hit)(_count_hit)

    # BaseCache.get_or_set, get_many's callers and the like go through these.
    get = _fail_open(_default)(RedisCache.get)
    set = _fail_open(_nothing)(RedisCache.set)
    add = _fail_open(_true)(RedisCache.add)
    touch = _fail_open(_false)(RedisCache.touch)
    delete = _fail_open(_false)(RedisCache.delete)
    has_key = _fail_open(_false)(RedisCache.has_key)
    incr = _fail_open(_incremented)(RedisCache.incr)
    get_many = _fail_open(_empty_dict)(RedisCache.get_many)
    set_many = _fail_open(_all_keys)(RedisCache.set_many)
    delete_many = _fail_open(_nothing)(RedisCache.delete_many)
    clear = _fail_open(_false)(RedisCache.clear)
