"""Liveness of the parts the product needs: database, cache and Celery broker."""

from __future__ import annotations

import uuid

from django.core.cache import cache, caches
from django.db import connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    # The cache fails open when Redis is down (core/cache.py); its ping does not.
    ping = getattr(caches["default"], "ping", None)
    if ping is not None:
        ping()
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=5)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value it was given")
    cache.delete(key)


def check_broker() -> None:
    from config.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def run_checks() -> dict[str, str]:
    """Each part's status: "ok", or the error that made it fail."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure is a failing part, reported by name
            results[name] = f"error: {type(exc).__name__}: {exc}"[:300]
        else:
            results[name] = "ok"
    return results
