"""OpenAPI pieces shared by every app's API: the error body, its responses, and the Idempotency-Key header."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `fields` names each field and what is wrong with it.",
    401: "Not signed in, or the token is malformed, unknown, expired or revoked.",
    403: "Signed in, but the role in the acting organization does not allow this.",
    404: "No such object in the acting organization (or not yours: both look the same).",
    409: "The object's current state does not allow this.",
    422: "The `Idempotency-Key` was already used for a different request (`idempotency_key_reused`).",
    429: "Too many requests: wait for the number of seconds in `Retry-After`.",
    503: (
        "Another change collided with this one in the database (`busy`): nothing was saved; "
        "send it again after `Retry-After` seconds."
    ),
}


# The answer of a DELETE that worked.
NO_CONTENT = {204: OpenApiResponse(description="Done.")}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable reason, e.g. `validation_error`.")
    message = serializers.CharField(help_text="Human-readable explanation.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # A field called ``fields`` cannot be declared on the class: it would shadow Serializer.fields.
        declared = super().get_fields()
        declared["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Per-field messages, for validation errors. A field inside a list or object is named by "
            "its path: `milestones.1.amount`, `skills.0`; an item's own errors by the item's: `milestones.1`.",
        )
        return declared


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def error_responses(*status_codes: int, descriptions: dict[int, str] | None = None) -> dict[int, OpenApiResponse]:
    """``responses=`` entries documenting the common error body for each status code.

    ``descriptions`` replaces the generic wording where an endpoint means something more precise.
    """
    wording = {**ERROR_DESCRIPTIONS, **(descriptions or {})}
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=wording.get(code, "Error."))
        for code in status_codes
    }


IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=(
        "Any unique string (a UUID) to make a retry safe: a request repeated with the same key, by the same user "
        "in the same organization, with the same body, is not acted on again; it answers the first response's "
        "status and body, with the header `Idempotent-Replayed: true`. The same key with a different body answers "
        "422. Keys are kept 24 hours. 1 to 255 printable ASCII characters. Without the header, every request acts."
    ),
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the ``Idempotency-Key`` header on handlers marked ``core.idempotency.idempotent``.

    The mark is read from the handler, so an operation documents the header
    exactly when it honours it.
    """

    def _honours_idempotency_key(self) -> bool:
        if self.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return False
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        return bool(getattr(handler, "idempotent", False))

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._honours_idempotency_key():
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if self._honours_idempotency_key():
            # A malformed key is a 400; a key reused for another request a 422.
            for code, response in error_responses(400, 422).items():
                responses.setdefault(str(code), self._get_response_for_code(response, str(code), direction=direction))
        return responses


def document_shared_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Document the errors that come from machinery every view shares, not from the view itself.

    A postprocessing hook (``SPECTACULAR_SETTINGS``): a body DRF cannot parse
    answers 400, one in a media type the view does not take 415, a paginated
    list answers 400 to a cursor it did not give out, content negotiation 406
    to an ``Accept`` without JSON, the throttles (``REST_FRAMEWORK``) 429
    anywhere, and a write that collided with another in the database 503
    (``core.conflicts``).
    """
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            shared = {"429": ERROR_DESCRIPTIONS[429]}
            if method in ("post", "put", "patch", "delete"):
                shared["503"] = ERROR_DESCRIPTIONS[503]
            if _answers_json(operation):
                shared["406"] = "The `Accept` header does not allow JSON, the only type this API answers in."
            if "requestBody" in operation:
                shared["400"] = "The body cannot be parsed, or `fields` names each field and what is wrong with it."
                shared["415"] = "The body is in a media type this operation does not take."
            if any(parameter.get("name") == "cursor" for parameter in operation.get("parameters", [])):
                shared.setdefault("400", "The `cursor` is not one this list gave out.")
            responses = operation.setdefault("responses", {})
            for code, description in shared.items():
                responses.setdefault(code, {"description": description}).setdefault("content", error)
    return result


def _answers_json(operation: dict[str, Any]) -> bool:
    """Whether the operation negotiates JSON (file downloads do not negotiate: they answer with the file)."""
    return any(
        "application/json" in response.get("content", {"application/json": None})
        for code, response in operation.get("responses", {}).items()
        if code.startswith("2")
    )
