"""The acting organization: chosen in the session (browser) or fixed by the API token.

It is resolved once per request by :class:`accounts.middleware.ActingOrganizationMiddleware`
and always re-checked against the user's memberships, so a stale or forged
session value falls back to an organization the user really belongs to.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Membership, Organization, User
from core.exceptions import NotFound

SESSION_KEY = "acting_organization_id"


def resolve_membership(*, user: User, organization_id: int | None) -> Membership | None:
    """The membership to act in: the session's choice, else the one the user last switched to,
    else their first firm (people who join a firm mostly work for it), else their personal one."""
    memberships = Membership.objects.filter(user=user).select_related("organization")
    for candidate in (organization_id, user.last_organization_id):
        if candidate is not None:
            chosen = memberships.filter(organization_id=candidate).first()
            if chosen is not None:
                return chosen
    return memberships.order_by("organization__is_personal", "created_at", "pk").first()


def switch_organization(request: HttpRequest, *, organization_id: int) -> Organization:
    """Make ``organization_id`` the acting organization; 404 for non-members."""
    if not request.user.is_authenticated:
        raise NotFound("Sign in to choose an organization.")
    user = request.user
    membership = (
        Membership.objects.filter(user=user, organization_id=organization_id).select_related("organization").first()
    )
    if membership is None:
        raise NotFound("You are not a member of that organization.")
    request.session[SESSION_KEY] = membership.organization_id
    if user.last_organization_id != membership.organization_id:
        user.last_organization_id = membership.organization_id
        user.save(update_fields=["last_organization"])
    request.organization = membership.organization  # type: ignore[attr-defined]
    request.membership = membership  # type: ignore[attr-defined]
    return membership.organization
