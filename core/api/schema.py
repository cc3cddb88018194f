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
            help_text="Per-field messages, for validation errors.",
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
