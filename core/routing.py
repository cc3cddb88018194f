"""How a view declares who may reach it.

Every route is private (login required, scoped to the acting organization)
unless its view is marked with :func:`public`. The URL-walking isolation test
reads this mark: a public route must answer anonymous visitors, every other
route must refuse them, and routes taking an object id must answer another
organization's member with 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable[..., object])


def public(view: F) -> F:
    """Mark a view (function, or ``as_view()`` result) as open to anonymous visitors."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable[..., object]) -> bool:
    if getattr(view, "is_public", False):
        return True
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return bool(getattr(view_class, "is_public", False))


# Third-party views we cannot decorate, open to anonymous visitors by design:
# signing in, signing up, email confirmation and password reset links.
THIRD_PARTY_PUBLIC_ROUTES = frozenset(
    {
        "account_login",
        "account_signup",
        "account_logout",
        "account_inactive",
        "account_confirm_email",
        "account_email_verification_sent",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "api-schema",
        "api-docs",
        "api-redoc",
    }
)


def is_public_route(name: str, view: Callable[..., object]) -> bool:
    return name in THIRD_PARTY_PUBLIC_ROUTES or is_public(view)
