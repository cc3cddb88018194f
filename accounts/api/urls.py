"""Routes of the accounts API, mounted at /api/v1/.

Names are ``accounts-api:api-<resource>-<action>``: tests/test_isolation.py
knows the API's detail routes by ``api-organization-detail`` and friends, and
the namespace keeps them apart from the HTML pages' names (``api-token-list``
is the settings page).
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views

app_name = "accounts-api"

router = SimpleRouter(use_regex_path=False)
router.register("organizations", views.OrganizationViewSet, basename="api-organization")
router.register("memberships", views.MembershipViewSet, basename="api-membership")
router.register("invitations", views.InvitationViewSet, basename="api-invitation")
router.register("api-tokens", views.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", views.TokenExchangeView.as_view(), name="api-auth-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
