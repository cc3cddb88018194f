"""Who acts, for which organization, and what is in its reach: the one home pages and the API share.

The acting organization is chosen in the session (browser) or fixed by the API
token. It is resolved once per request, by
:class:`accounts.middleware.ActingOrganizationMiddleware` (the session's choice,
always re-checked against the user's memberships, so a stale or forged value
falls back to an organization the user really belongs to) or by
:class:`accounts.api.authentication.ApiTokenAuthentication` (the token's), and
read back here. Pages reach it through :func:`organization_required` and
``request.organization``; the API's permission classes
(``accounts.api.permissions``) and views call the functions below. A request is
either Django's or DRF's (which hands attribute reads to Django's).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.models import ApiToken, Membership, Organization, User
from core.exceptions import AuthenticationFailed, NotFound, PermissionDenied

if TYPE_CHECKING:
    from rest_framework.request import Request

    AnyRequest = HttpRequest | Request

    class AuthedRequest(HttpRequest):
        """What the middleware and :func:`organization_required` guarantee a page's view receives."""

        user: User  # type: ignore[assignment]
        organization: Organization
        membership: Membership

else:
    AuthedRequest = HttpRequest

SESSION_KEY = "acting_organization_id"
NO_ORGANIZATION = "Choose an organization to act in first."


# --- choosing the acting membership ------------------------------------------------------


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


# --- who acts, for which organization -------------------------------------------------------


def acting_user(request: AnyRequest) -> User:
    """The signed-in user (by session or token). Callers sit behind a login check; this one is for the types."""
    user = request.user
    if not isinstance(user, User):
        raise AuthenticationFailed("Sign in first.", code="not_authenticated")
    return user


def acting_membership_or_none(request: AnyRequest) -> Membership | None:
    """The membership the request acts through (the API token's, else the session's), if any."""
    return getattr(request, "membership", None)


def acting_membership(request: AnyRequest) -> Membership:
    """The membership the request acts through; 403 when there is none to act in."""
    membership = acting_membership_or_none(request)
    if membership is None:
        raise PermissionDenied(NO_ORGANIZATION)
    return membership


def acting_organization(request: AnyRequest) -> Organization:
    """The organization the request acts for. Set with the membership (by the token or the
    middleware), already loaded: no query."""
    acting_membership(request)
    organization: Organization = request.organization  # type: ignore[union-attr]
    return organization


def request_token(request: AnyRequest) -> ApiToken | None:
    """The API token that authenticated the request, if one did (a page's request has none)."""
    token = getattr(request, "auth", None)
    return token if isinstance(token, ApiToken) else None


# --- what is in its reach ----------------------------------------------------------------------


def memberships_in_reach(request: AnyRequest) -> QuerySet[Membership]:
    """The user's memberships, in the switcher's order; an API token reaches only its own organization's."""
    memberships = memberships_query().filter(user=acting_user(request))
    token = request_token(request)
    if token is not None:
        memberships = memberships.filter(organization_id=token.organization_id)
    return memberships


def organizations_in_reach(request: AnyRequest) -> QuerySet[Organization]:
    """The organizations this request may read: the user's, narrowed like :func:`memberships_in_reach`."""
    organizations = Organization.objects.for_user(acting_user(request)).order_by("-is_personal", "name")
    token = request_token(request)
    if token is not None:
        organizations = organizations.filter(pk=token.organization_id)
    return organizations


# --- the pages' adapter ------------------------------------------------------------------------------

View = Callable[..., HttpResponse]


def organization_required(view: View) -> View:
    """Login required, and an acting organization to work in (every user has a personal one)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if acting_membership_or_none(request) is None:
            messages.info(request, "Create an organization to continue.")
            return redirect("organization-create")
        return view(request, *args, **kwargs)

    return login_required(wrapper)
