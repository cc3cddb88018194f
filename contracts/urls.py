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
]
