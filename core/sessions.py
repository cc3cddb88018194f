"""Sessions kept in the database, read through a short-lived copy in the cache.

Every signed-in request read its session row from PostgreSQL before any view
ran. Django's ``cached_db`` engine reads a copy from Redis instead and writes
through (database first, then the cache), so the database stays the truth:
any web process can answer any user, and a Redis outage costs nothing but the
read (the fail-open cache in :mod:`core.cache` misses and the row is read).

One difference from ``cached_db``: the copy lives at most
``SESSION_CACHE_SECONDS`` (not the whole session age). While Redis is down,
the cache drops writes and deletes, so a session signed out (or changed)
during an outage could come back from an old copy once Redis answers again;
the short life bounds that to a minute after its last read or write. An
active user's session is read from the database once a minute.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(CachedDBStore):
    cache_key_prefix = "core.sessions"

    def _cache_seconds(self, **kwargs: Any) -> int:
        return max(0, min(settings.SESSION_CACHE_SECONDS, self.get_expiry_age(**kwargs)))

    def load(self) -> dict[str, Any]:
        this: Any = self  # django-stubs know neither _cache nor _get_session_from_db
        try:
            data = this._cache.get(self.cache_key)
        except Exception:  # as cached_db: a key the cache refuses is a miss
            data = None
        if data is not None:
            return data  # type: ignore[no-any-return]
        stored = this._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        this._cache.set(self.cache_key, data, self._cache_seconds(expiry=stored.expire_date))
        return data  # type: ignore[no-any-return]

    def save(self, must_create: bool = False) -> None:
        this: Any = self
        super(CachedDBStore, self).save(must_create)  # the database row first
        try:
            this._cache.set(self.cache_key, this._session, self._cache_seconds())
        except Exception:
            logger.exception("Error saving to cache (%s)", this._cache)
