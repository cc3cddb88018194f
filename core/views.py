from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import health
from core.routing import public


def landing(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; the "home" route (``marketplace.views.home``) serves it to them."""
    return render(request, "core/home.html")


@public
@never_cache
@require_GET
def health_view(request: HttpRequest) -> JsonResponse:
    """200 when database, cache and broker answer; 503 naming the part that does not."""
    checks = health.run_checks()
    healthy = all(status == "ok" for status in checks.values())
    failing = [name for name, status in checks.items() if status != "ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "checks": checks, "failing": failing},
        status=200 if healthy else 503,
    )
