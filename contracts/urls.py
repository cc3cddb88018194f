"""HTML routes of contracts."""

from django.urls import path

from contracts import document_views, views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:contract_id>/versions/<int:number>/", views.contract_version, name="contract-version"),
    path(
        "contracts/<int:contract_id>/changes/<int:older>...<int:newer>/",
        views.contract_changes,
        name="contract-changes",
    ),
    # The signed PDF (contracts/document_views.py): its download, its state while it is prepared, and the
    # public page that checks a copy.
    path("contracts/<int:contract_id>/document/", document_views.contract_document, name="contract-document"),
    path(
        "contracts/<int:contract_id>/document/status/",
        document_views.contract_document_status,
        name="contract-document-status",
    ),
    path("verify/", document_views.verify_document, name="verify-document"),
]
