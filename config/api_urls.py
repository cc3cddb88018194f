"""Every API route lives under /api/v1/; each app contributes its own router."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("marketplace.api.urls")),
    path("", include("contracts.api.urls")),
]
