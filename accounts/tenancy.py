"""The acting organization: chosen in the session (browser) or fixed by the API token.

It is resolved once per request by :class:`accounts.middleware.ActingOrganizationMiddleware`
and always re-checked against the user's memberships, so a stale or forged
session value falls back to an organization the user really belongs to.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import Membership, Organization, User
from core.exceptions import NotFound

SESSION_KEY = "acting_organization_id"


def resolve_membership(*, user: User, organization_id: int | None) -> Membership | None:
    """The membership to act in: the session's choice, else the one the user last switched to,
    else their first firm (people who join a firm mostly work for it), else their personal one."""
    return pick_membership(user_memberships(user=user), user=user, organization_id=organization_id)


def memberships_query() -> QuerySet[Membership]:
    """Memberships with their organizations, in the order the switcher lists them."""
    return Membership.objects.select_related("organization").order_by(
        "-organization__is_personal", "organization__name"
    )


def user_memberships(*, user: User) -> list[Membership]:
    """Every membership of the user with its organization, in the order the switcher lists them."""
    return list(memberships_query().filter(user=user))


def pick_membership(memberships: list[Membership], *, user: User, organization_id: int | None) -> Membership | None:
    """:func:`resolve_membership`'s choice among memberships already loaded."""
    by_organization = {membership.organization_id: membership for membership in memberships}
    for candidate in (organization_id, user.last_organization_id):
        if candidate is not None and candidate in by_organization:
            return by_organization[candidate]
    return min(
        memberships,
        key=lambda membership: (membership.organization.is_personal, membership.created_at, membership.pk),
        default=None,
    )


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
