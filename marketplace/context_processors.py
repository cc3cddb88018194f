"""What every page's header shows of the marketplace: ``header_activity``, read once per request, when shown.

The header (``accounts.templatetags.page_chrome``) sits below the marketplace
and cannot ask it; it reads this value from the template context. The query
runs only when a page renders the header, and at most once per request
(:func:`activity`), whichever of the header and the page asks first.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from marketplace.selectors.activity import Activity, activity_of

_KEPT = "_marketplace_activity"


def activity(request: HttpRequest) -> Activity:
    """The acting organization's :class:`Activity` for the signed-in user, read once per request."""
    kept = getattr(request, _KEPT, None)
    if kept is None:
        kept = activity_of(organization=request.organization, user=request.user)  # type: ignore[attr-defined,arg-type]
        setattr(request, _KEPT, kept)
    return kept


def header_activity(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "organization", None) is None:
        return {}
    return {"header_activity": SimpleLazyObject(lambda: activity(request))}
