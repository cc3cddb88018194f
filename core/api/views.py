"""The API's own pages: the OpenAPI schema, its two readers, and the JSON 404.

The schema and docs are public (marked for the URL-walking isolation test).
Swagger UI and Redoc come from drf-spectacular-sidecar on our own origin: the
Swagger page loads its start-up script from a URL instead of inline, so the
site's strict Content-Security-Policy holds; Redoc injects its styles at run
time and starts a search worker from a blob, so its page alone allows those.
Both templates (``templates/api/``) drop what the packaged ones pull from a
CDN or put inline.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.exceptions import error_body

API_PREFIX = "/api/"


class SchemaView(SpectacularAPIView):
    is_public = True


class SwaggerView(SpectacularSwaggerSplitView):
    is_public = True
    template_name = "api/swagger_ui.html"


class RedocView(SpectacularRedocView):
    is_public = True
    # The packaged template pulls fonts from Google and starts Redoc inline.
    template_name = "api/redoc.html"

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        response._csp_update = {  # type: ignore[attr-defined]  # read by django-csp's middleware
            "style-src": ["'unsafe-inline'"],
            "worker-src": ["'self'", "blob:"],
        }
        return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: API paths answer with the common error body, pages with the HTML 404."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse(error_body("not_found", "No such endpoint."), status=404)
    return page_not_found(request, exception)  # type: ignore[arg-type]
