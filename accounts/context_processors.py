from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.tenancy import memberships_in_reach


def acting_organization(request: HttpRequest) -> dict[str, Any]:
    """The organization switcher in the header needs the user's memberships."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "acting_organization": getattr(request, "organization", None),
        "acting_membership": getattr(request, "membership", None),
        # The middleware loaded them with the acting membership; requests it did not see query here.
        "my_memberships": (
            request.memberships  # type: ignore[attr-defined]
            if getattr(request, "memberships", None) is not None
            else memberships_in_reach(request)
        ),
    }
