from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accounts.tenancy import SESSION_KEY, resolve_membership


class ActingOrganizationMiddleware:
    """Set ``request.organization`` and ``request.membership`` for signed-in users.

    API requests authenticated by token get theirs from the token later, in
    DRF's authentication class; this sets the session's choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            membership = resolve_membership(user=user, organization_id=request.session.get(SESSION_KEY))  # type: ignore[arg-type]
            if membership is not None:
                request.organization = membership.organization  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
                if request.session.get(SESSION_KEY) != membership.organization_id:
                    request.session[SESSION_KEY] = membership.organization_id
        return self.get_response(request)
