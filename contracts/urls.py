"""HTML routes of contracts."""

from django.urls import path

from contracts import document_views, views

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path("contracts/offer/<slug:slug>/", views.contract_offer, name="contract-offer"),
    path("contracts/<int:contract_id>/versions/<int:number>/", views.contract_version, name="contract-version"),
    path(
        "contracts/<int:contract_id>/changes/<int:older>...<int:newer>/",
        views.contract_changes,
        name="contract-changes",
    ),
    path("contracts/<int:contract_id>/send/", views.contract_send, name="contract-send"),
    path("contracts/<int:contract_id>/sign/", views.contract_sign, name="contract-sign"),
    path("contracts/<int:contract_id>/hand-over/", views.contract_hand_over, name="contract-hand-over"),
    path(
        "contracts/<int:contract_id>/signatures/<int:signature_id>/confirm/",
        views.contract_confirm_signature,
        name="contract-confirm-signature",
    ),
    path(
        "contracts/<int:contract_id>/signatures/<int:signature_id>/drawing/",
        views.signature_file,
        {"kind": "drawing"},
        name="contract-signature-drawing",
    ),
    path(
        "contracts/<int:contract_id>/signatures/<int:signature_id>/scan/",
        views.signature_file,
        {"kind": "scan"},
        name="contract-signature-scan",
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
    path("contracts/<int:contract_id>/propose/", views.contract_propose, name="contract-propose"),
    path("contracts/<int:contract_id>/end/", views.contract_end, name="contract-end"),
]
