"""Teach drf-spectacular the API token scheme (``Authorization: Bearer mkt_...``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition = build_bearer_security_scheme_object(header_name="HTTP_AUTHORIZATION", token_prefix="Bearer")
        definition["description"] = (
            "A personal API token from `POST /api/v1/auth/token/` or `POST /api/v1/api-tokens/`."
        )
        return definition
