"""One error body for every 4xx of the API.

    {"error": {"code": "validation_error", "message": "...", "fields": {"email": ["..."]}}}

``fields`` maps a field's path to its messages: an item of a list or a field
of a nested object is named by its path (``milestones.1.amount``, ``skills.0``).

Domain errors raised by services map to the same shape with their own code
and status, so the API and the HTML pages tell the user the same thing.
DRF's own errors (401, 403, 404, 405, 406, 415, 429, parse errors) and the
few Django errors that can surface inside a view (Http404, PermissionDenied,
an oversized or suspicious request) are translated here too; routes that match
no view get the same body from :func:`core.api.views.not_found`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.parsers import RequestTooLarge
from core.exceptions import DomainError

# Sent with every 401, as HTTP requires: the API's only scheme is the bearer token.
WWW_AUTHENTICATE = 'Bearer realm="api"'


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def field_messages(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's error detail as one list of messages per field path, e.g. ``milestones.0.title``.

    Nested serializers, list items and list fields report objects (``{"0": {...}}``);
    the schema promises a list of strings under each key of ``fields``, and a
    client can act on a path without walking a tree whose shape depends on the field.
    """
    messages: dict[str, list[str]] = {}

    def add(found: dict[str, list[str]]) -> None:
        for name, texts in found.items():
            messages.setdefault(name, []).extend(texts)

    if isinstance(detail, dict):
        for key, value in detail.items():
            # An item's own (non-field) errors belong to the item's path.
            child = path if (key == api_settings.NON_FIELD_ERRORS_KEY and path) else _join(path, str(key))
            add(field_messages(value, child))
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                add(field_messages(item, _join(path, str(index))))
            else:
                add({path: [str(item)]})
    else:
        messages[path] = [str(detail)]
    return messages


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _as_api_exception(exc: Exception) -> Exception:
    """Translate the Django exceptions a view can raise into DRF's."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request could not be understood.")
    return exc


def _validation_body(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
    fields = field_messages(detail, "")
    message = "Some fields are not valid."
    non_field = fields.get(api_settings.NON_FIELD_ERRORS_KEY)
    if non_field and len(fields) == 1:
        message = non_field[0]
    return error_body("validation_error", message, fields)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        fields = {
            ("non_field_errors" if name == "__all__" else name): messages
            for name, messages in exc.field_errors.items()
            if name != "__all__" or len(exc.field_errors) > 1
        } or None
        domain_response = Response(error_body(exc.code, exc.message, fields), status=exc.status_code)
        if exc.status_code == status.HTTP_401_UNAUTHORIZED:
            domain_response["WWW-Authenticate"] = WWW_AUTHENTICATE
        return domain_response

    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500 handling (and error reporting) takes over
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        message = exc.detail if isinstance(exc.detail, str) else exc.default_detail
        response.data = error_body(str(code), str(message))
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
        response.data["error"]["code"] = "throttled"
    return response
