from django.contrib import admin
from django.urls import include, path

from core import views as core_views
from core.api import views as api_views
from marketplace.views.home import home

urlpatterns = [
    # Visitors get the landing page; signed in, the acting organization's work queue.
    path("", home, name="home"),
    path("health/", core_views.health_view, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("marketplace.urls")),
    path("", include("contracts.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", api_views.SchemaView.as_view(), name="api-schema"),
    path("api/docs/", api_views.SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", api_views.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

# API paths answer a missing route with the API's error body; pages keep the HTML 404.
handler404 = "core.api.views.not_found"

# Uploaded files are never served from MEDIA_URL, in development neither: each
# answers only through its owner's route, which checks who may see it
# (core.web.serve_attachment).
