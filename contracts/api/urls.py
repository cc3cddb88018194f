"""Routes of the contracts API, mounted at /api/v1/.

Names are ``contracts-api:api-contract-<action>`` (``api-contract-list``, ``api-contract-detail``,
``api-contract-versions``, ``api-contract-amendments``, ``api-contract-send``, ``api-contract-sign``,
``api-contract-hand-over``, ``api-contract-confirm-signature``, ``api-contract-terminate``,
``api-contract-pdf``) and ``api-verify``. The id in the URL is ``contract_id``, as in the pages' routes,
so the URL-walking isolation test fills it with the same contract.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from contracts.api import views

app_name = "contracts-api"

router = SimpleRouter(use_regex_path=False)
router.register("contracts", views.ContractViewSet, basename="api-contract")

urlpatterns = [
    path("verify/", views.VerifyView.as_view(), name="api-verify"),
    *router.urls,
]
