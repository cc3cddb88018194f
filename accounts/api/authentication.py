"""Personal API tokens: ``Authorization: Bearer mkt_...``, scoped to one organization."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts import selectors, services
from accounts.models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: expected 'Bearer <token>'.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Malformed token.") from exc
        if not key.startswith(f"{ApiToken.PREFIX}_"):
            raise exceptions.AuthenticationFailed("Malformed token.")
        token, membership = selectors.active_token_and_membership(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if membership is None:
            raise exceptions.AuthenticationFailed("The token's user is no longer a member of its organization.")
        services.touch_api_token(token=token)
        # The token fixes the acting organization, whatever the session says.
        django_request = request._request
        django_request.organization = token.organization  # type: ignore[attr-defined]
        django_request.membership = membership  # type: ignore[attr-defined]
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
