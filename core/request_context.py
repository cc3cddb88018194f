"""Where the current action comes from, for the audit log.

A middleware stores the client's IP and user agent in context variables for
the length of a request, so services can record "from where" without every
caller threading the request through. Celery tasks and commands leave them
empty, which the audit log shows as a system action.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from core.text import clean


@dataclass(frozen=True)
class RequestOrigin:
    ip_address: str | None = None
    user_agent: str = ""


_origin: ContextVar[RequestOrigin | None] = ContextVar("request_origin", default=None)


def current_origin() -> RequestOrigin:
    return _origin.get() or RequestOrigin()


def current_request_id() -> str:
    return str(structlog.contextvars.get_contextvars().get("request_id", ""))


def _address(value: str) -> str | None:
    """``value`` as an IP address the audit log's ``inet`` column takes, or None."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):  # "fe80::1%eth0": PostgreSQL has no zone ids
        return None
    return str(address)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: a valid one, or None.

    ``X-Forwarded-For`` is anyone's to write, so only the hops our own proxies
    appended count: with ``TRUSTED_PROXY_COUNT`` proxies in front, the client
    is the hop that many places from the right (each proxy appends the peer it
    saw). With none (the default), or a header with fewer hops or a hop that is
    not an address, the connection's peer is what we know. The same rule as
    allauth's rate limits (``accounts.adapters.AccountAdapter.get_client_ip`` calls this) and
    the API throttles (DRF's ``NUM_PROXIES``, set from the same setting).
    """
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if trusted > 0 else ""
    if forwarded:
        hops = forwarded.split(",")
        if len(hops) >= trusted:
            address = _address(hops[-trusted])
            if address is not None:
                return address
    return _address(request.META.get("REMOTE_ADDR", ""))


def bind_client_ip(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """Every log line of the request names the client's address (django-structlog's signal)."""
    structlog.contextvars.bind_contextvars(ip=client_ip(request))


class RequestOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _origin.set(
            RequestOrigin(
                ip_address=client_ip(request),
                # Any client can send any bytes; a NUL would make the audit insert fail.
                user_agent=clean(request.META.get("HTTP_USER_AGENT", ""))[:500],
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _origin.reset(token)
        # Support staff can find every log line of a request a user quotes.
        request_id = current_request_id()
        if request_id:
            response["X-Request-ID"] = request_id
        return response
