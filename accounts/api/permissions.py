"""Who may reach the accounts API, and which organizations a request can see.

Roles for writes are checked by the services (one place for the rules); these
classes guard reads, where no service runs, and make sure a request has an
acting organization before a view scopes anything by it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions, permissions
from rest_framework.request import Request

from accounts import selectors
from accounts.models import ApiToken, Membership, Organization, User


class IsOrganizationMember(permissions.IsAuthenticated):
    """Signed in (session or token) and acting inside an organization."""

    message = "Choose an organization to act in first."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and getattr(request, "membership", None) is not None


class IsOrganizationManager(IsOrganizationMember):
    """An owner or admin of the acting organization."""

    message = "Only owners and admins of this organization can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return super().has_permission(request, view) and acting_membership(request).can_manage


def current_user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # the permission classes ran first; this is for the type checker
        raise exceptions.NotAuthenticated()
    return user


def acting_membership(request: Request) -> Membership:
    """The membership the request acts through: fixed by the API token, else chosen in the session."""
    membership = getattr(request, "membership", None)
    if membership is None:
        raise exceptions.PermissionDenied(IsOrganizationMember.message)
    return membership


def acting_organization(request: Request) -> Organization:
    acting_membership(request)
    # Set with the membership (by the token or the middleware), often already loaded: no extra query.
    organization: Organization = request._request.organization  # type: ignore[attr-defined]
    return organization


def organizations_in_reach(request: Request) -> QuerySet[Organization]:
    """The organizations this request may read: the user's, narrowed to its own by an API token.

    A token is scoped to one organization, so it never reaches the user's others.
    """
    organizations = selectors.organizations_for_user(user=current_user(request))
    if isinstance(request.auth, ApiToken):
        organizations = organizations.filter(pk=request.auth.organization_id)
    return organizations


def memberships_in_reach(request: Request) -> QuerySet[Membership]:
    """The user's memberships, narrowed like :func:`organizations_in_reach`."""
    memberships = selectors.memberships_for_user(user=current_user(request))
    if isinstance(request.auth, ApiToken):
        memberships = memberships.filter(organization_id=request.auth.organization_id)
    return memberships
