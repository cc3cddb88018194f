"""Two requests that collide in the database get "busy, try again", not a bare 500.

PostgreSQL ends one of two transactions that wait on each other (a deadlock),
that cannot both be serialized, or that waited past ``lock_timeout``; the
loser's work is rolled back whole (every posting view runs in one transaction,
its idempotency record included), so sending it again is safe and usually
succeeds at once. Those three answer 503 with ``Retry-After: 1``: the API with
its common error body (code ``busy``), pages with the product's 503 page. A
warning is logged; anything else stays Django's 500 with its error report.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from core.api.exceptions import error_body
from core.api.views import API_PREFIX

log = structlog.get_logger(__name__)

# deadlock_detected, serialization_failure, lock_not_available
RETRYABLE = {"40P01": "deadlock", "40001": "serialization_failure", "55P03": "lock_timeout"}
MESSAGE = "Someone else was changing the same thing at that moment. Nothing was saved; send it again."


def conflict_of(exc: BaseException) -> str | None:
    """Which retryable collision ``exc`` is (a name), or None."""
    if not isinstance(exc, OperationalError):
        return None
    return RETRYABLE.get(getattr(exc.__cause__, "pgcode", None) or "")


class RetryLaterOnConflictMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        conflict = conflict_of(exception)
        if conflict is None:
            return None
        log.warning("db.conflict", conflict=conflict, method=request.method, path=request.path)
        if request.path.startswith(API_PREFIX):
            response: HttpResponse = JsonResponse(error_body("busy", MESSAGE), status=503)
        else:
            response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
        response["Retry-After"] = "1"
        return response
