"""HTML routes of contracts."""

from django.urls import path

from contracts import views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:contract_id>/versions/<int:number>/", views.contract_version, name="contract-version"),
    path(
        "contracts/<int:contract_id>/changes/<int:older>...<int:newer>/",
        views.contract_changes,
        name="contract-changes",
    ),
    path("contracts/<int:contract_id>/propose/", views.contract_propose, name="contract-propose"),
]
