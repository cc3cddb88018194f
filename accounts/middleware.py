from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.auth_backends import take_loaded_memberships
from accounts.tenancy import SESSION_KEY, pick_membership, user_memberships


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


class ActingOrganizationMiddleware:
    """Set ``request.organization`` and ``request.membership`` for signed-in users.

    Pages show times in the acting organization's time zone (stored in UTC).
    API requests authenticated by token get their organization from the token
    later, in DRF's authentication class; this sets the session's choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated:
            chosen = request.session.get(SESSION_KEY)
            # The acting membership and the header's organization switcher: loaded with the user
            # by the authentication backend (accounts.auth_backends), else one query here.
            memberships = take_loaded_memberships(user)  # type: ignore[arg-type]
            if memberships is None:
                memberships = user_memberships(user=user)  # type: ignore[arg-type]
            request.memberships = memberships  # type: ignore[attr-defined]
            membership = pick_membership(memberships, user=user, organization_id=chosen)  # type: ignore[arg-type]
            if membership is not None:
                request.organization = membership.organization  # type: ignore[attr-defined]
                request.membership = membership  # type: ignore[attr-defined]
                zone = _zone(membership.organization.time_zone)
                if chosen != membership.organization_id:
                    request.session[SESSION_KEY] = membership.organization_id
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
