"""The signed-in home: the acting organization's work queue. Visitors get the landing page (``core.views``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.routing import public
from core.views import landing
from marketplace.context_processors import activity
from marketplace.selectors.home import work_queue


@public
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What waits for the acting organization on each side it works, each item linking to where it is done."""
    if not request.user.is_authenticated:
        return landing(request)
    organization = getattr(request, "organization", None)
    if organization is None:  # staff without an organization: the page offers to create one
        return render(request, "marketplace/home.html", {"queue": None})
    sides = activity(request)
    queue = work_queue(
        organization=organization,
        user=request.user,  # type: ignore[arg-type]
        client=sides.client_side,
        supplier=sides.supplier_side,
        unread_total=sides.unread_threads,
    )
    return render(request, "marketplace/home.html", {"queue": queue})
