"""One error body for every 4xx of the API.

    {"error": {"code": "validation_error", "message": "...", "fields": {"email": ["..."]}}}

Domain errors raised by services map to the same shape with their own code
and status, so the API and the HTML pages tell the user the same thing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import DomainError


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return Response(error_body(exc.code, exc.message, fields), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        if isinstance(detail, list):
            detail = {"non_field_errors": detail}
        message = "Some fields are not valid."
        non_field = detail.get("non_field_errors")
        if non_field and len(detail) == 1:
            message = non_field[0]
        response.data = error_body("validation_error", message, detail)
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        response.data = error_body(str(code), str(exc.detail))
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data["error"]["code"] = "throttled"
    return response
