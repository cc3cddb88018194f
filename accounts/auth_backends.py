"""Authentication backends that load a signed-in user together with their memberships.

Every signed-in request needs both: the session's user (Django's
authentication middleware, through the backend's ``get_user``) and that
user's memberships (:class:`accounts.middleware.ActingOrganizationMiddleware`
picks the acting one and the header's switcher lists them all). Here one
query joins them; the middleware takes the memberships from the user instead
of asking again (users with no membership, staff accounts, arrive with an
empty list). What signs people in is unchanged: these are Django's and
allauth's backends with another ``get_user``.
"""

from __future__ import annotations

from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends as django_backends

from accounts.models import Membership, User
from accounts.selectors import user_with_memberships

LOADED = "_loaded_memberships"


class MembershipsWithUser:
    """``get_user`` in one query: the user's memberships with their organizations and the user."""

    def get_user(self, user_id: Any) -> User | None:
        user, memberships = user_with_memberships(user_id=User._meta.pk.to_python(user_id))  # type: ignore[union-attr]
        if user is None:
            return None
        setattr(user, LOADED, memberships)
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


def take_loaded_memberships(user: User) -> list[Membership] | None:
    """The memberships ``get_user`` loaded with ``user``, once: a later call finds none and queries."""
    memberships: list[Membership] | None = getattr(user, LOADED, None)  # user may be a lazy proxy
    if memberships is not None:
        delattr(user, LOADED)
    return memberships


class ModelBackend(MembershipsWithUser, django_backends.ModelBackend):
    """Django's backend (the admin's sign-in by email and password)."""


class AuthenticationBackend(MembershipsWithUser, allauth_backends.AuthenticationBackend):
    """allauth's backend (the product's sign-in, with its rate limits)."""
