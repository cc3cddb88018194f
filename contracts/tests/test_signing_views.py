"""The signing pages: sending for signatures, the sign page behind allauth's re-authentication, the
three methods, handing over, confirming a paper signature, and the files only the parties read."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contracts import services
from contracts.models import Contract, ContractStatus, Signature
from contracts.tests.test_signing import png, typed
from core.models import AuditEvent
from tests.factories import OrganizationFactory, make_member
from tests.support import html, signed_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def url(name: str, contract: Contract, **more) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"contract_id": contract.pk, **more})


def reauthenticated(user, organization):  # type: ignore[no-untyped-def]
    """A client signed in as ``user`` who has just typed their password again, through allauth's own flow."""
    client = signed_in(user, organization)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def waiting(contract, firm) -> Contract:
    return services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)


def sign_form(contract: Contract, **fields):  # type: ignore[no-untyped-def]
    return {"sha256": contract.current_version.sha256, "consent": "on", "intent": "on", "method": "typed", **fields}


class TestSending:
    def test_a_signatory_sends_from_the_contract_page(self, contract, firm, other_firm):
        client = signed_in(firm.owner, firm)
        page = html(client.get(url("contract-detail", contract)))
        assert url("contract-send", contract) in page

        response = client.post(url("contract-send", contract), {"order": "supplier_first", "expires_on": ""})

        assert response.status_code == 302
        contract.refresh_from_db()
        assert contract.status == ContractStatus.SIGNING
        assert contract.signing_order == "supplier_first"
        page = html(signed_in(other_firm.owner, other_firm).get(url("contract-detail", contract)))
        assert "supplier first" in page
        assert url("contract-sign", contract) in page  # the supplier goes first
        page = html(client.get(url("contract-detail", contract)))
        assert "The supplier signs first" in page

    def test_a_plain_member_sees_no_send_button_and_cannot_post_one(self, contract, firm):
        member = make_member(firm)
        client = signed_in(member, firm)
        assert url("contract-send", contract) not in html(client.get(url("contract-detail", contract)))
        client.post(url("contract-send", contract), {"order": "any"})
        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT

    def test_a_bad_expiry_changes_nothing(self, contract, firm):
        client = signed_in(firm.owner, firm)
        form = {"order": "any", "expires_on": "2020-01-01"}
        response = client.post(url("contract-send", contract), form, follow=True)
        assert "expires in the future" in html(response)
        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT


class TestTheSignPage:
    def test_asks_for_the_password_again_first(self, waiting, firm):
        response = signed_in(firm.owner, firm).get(url("contract-sign", waiting))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))

    def test_typed_then_drawn_makes_the_contract_active(self, waiting, firm, other_firm):
        client = reauthenticated(firm.owner, firm)
        page = html(client.get(url("contract-sign", waiting)))
        assert "Consent to electronic signatures" in page
        assert waiting.current_version.sha256 in page

        response = client.post(url("contract-sign", waiting), sign_form(waiting, typed_name="Ada Lovelace"))
        assert response.status_code == 302

        drawing = "data:image/png;base64," + base64.b64encode(png()).decode()
        supplier = reauthenticated(other_firm.owner, other_firm)
        response = supplier.post(url("contract-sign", waiting), sign_form(waiting, method="drawn", drawing=drawing))
        assert response.status_code == 302

        waiting.refresh_from_db()
        assert waiting.status == ContractStatus.ACTIVE
        drawn = Signature.objects.get(method="drawn")
        assert supplier.get(url("contract-signature-drawing", waiting, signature_id=drawn.pk)).status_code == 200
        page = html(client.get(url("contract-detail", waiting)))
        assert "Every party signed version 1" in page
        assert f"{firm.owner.display_name} · typed name" in page
        assert f"{other_firm.owner.display_name} · drawn signature" in page

    def test_consent_is_asked_once(self, waiting, firm):
        services.give_consent(user=firm.owner)
        page = html(reauthenticated(firm.owner, firm).get(url("contract-sign", waiting)))
        assert "Consent to electronic signatures" not in page

    def test_without_consent_or_intent_nothing_is_signed(self, waiting, firm):
        client = reauthenticated(firm.owner, firm)
        form = sign_form(waiting, typed_name="Ada")
        del form["consent"], form["intent"]
        response = client.post(url("contract-sign", waiting), form)
        assert response.status_code == 400
        page = html(response)
        assert "Agree to sign electronically" in page
        assert "Nothing was saved." in page
        assert not Signature.objects.exists()

    def test_a_stale_version_is_refused_on_the_page(self, waiting, firm, other_firm):
        from dataclasses import replace

        client = reauthenticated(firm.owner, firm)
        old = sign_form(waiting, typed_name="Ada")
        services.propose_version(
            actor=other_firm.owner,
            organization=other_firm,
            contract=waiting,
            terms=replace(waiting.terms, title="Annual accounts, revised"),
        )
        services.send_for_signing(actor=other_firm.owner, organization=other_firm, contract=waiting)
        response = client.post(url("contract-sign", waiting), old)
        assert response.status_code == 400
        assert "version 2 is the current one" in html(response)
        assert not Signature.objects.exists()

    def test_hostile_input_is_refused_without_an_error_page(self, waiting, firm):
        client = reauthenticated(firm.owner, firm)
        for fields in (
            {"typed_name": "<script>alert(1)</script>\x00"},
            {"typed_name": "x" * 5000},
            {"method": "drawn", "drawing": "data:image/png;base64,!!!"},
            {"method": "drawn", "drawing": "javascript:alert(1)"},
            {"method": "telepathy"},
            {"sha256": "' onmouseover=alert(1) x='"},
        ):
            response = client.post(url("contract-sign", waiting), sign_form(waiting, **fields))
            assert response.status_code == 400, fields
            assert "<script>alert(1)" not in html(response)
        assert not Signature.objects.exists()

    def test_a_paper_signature_needs_the_other_sides_confirmation(self, waiting, firm, other_firm):
        client = reauthenticated(firm.owner, firm)
        scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
        form = sign_form(waiting, method="in_person", scan=scan)
        del form["consent"]  # signing on paper needs no consent to electronic signatures
        assert client.post(url("contract-sign", waiting), form).status_code == 302
        paper = Signature.objects.get()

        supplier = signed_in(other_firm.owner, other_firm)
        page = html(supplier.get(url("contract-detail", waiting)))
        assert "Confirm the paper signature" in page
        assert supplier.get(url("contract-signature-scan", waiting, signature_id=paper.pk)).status_code == 200
        supplier.post(url("contract-confirm-signature", waiting, signature_id=paper.pk))
        paper.refresh_from_db()
        assert paper.confirmed_by == other_firm.owner

    def test_someone_who_cannot_sign_is_told_why(self, waiting, firm):
        member = make_member(firm)
        client = signed_in(member, firm)
        client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
        page = html(client.get(url("contract-sign", waiting)))
        assert "You cannot sign this contract now" in page
        response = client.post(url("contract-sign", waiting), sign_form(waiting, typed_name="Mallory"))
        assert response.status_code == 400
        assert not Signature.objects.exists()


class TestHandingOver:
    def test_an_owner_hands_the_signing_to_an_admin(self, waiting, firm):
        admin = make_member(firm, role="admin")
        client = signed_in(firm.owner, firm)
        assert "Hand the signing to someone else" in html(client.get(url("contract-detail", waiting)))
        client.post(url("contract-hand-over", waiting), {"to": admin.pk})
        waiting.refresh_from_db()
        assert waiting.client_signer == admin
        assert AuditEvent.objects.filter(action="contract.signing_handed_over").count() == 1
        page = html(client.get(url("contract-detail", waiting)))
        assert f"The signing for {firm.name} was handed to {admin.display_name}" in page

    def test_not_to_a_member_of_another_organization(self, waiting, firm, other_firm):
        signed_in(firm.owner, firm).post(url("contract-hand-over", waiting), {"to": other_firm.owner.pk})
        waiting.refresh_from_db()
        assert waiting.client_signer is None


def test_an_outsider_reaches_none_of_the_signing_routes(waiting, firm, other_firm):
    services.give_consent(user=firm.owner)
    signature = services.sign(actor=firm.owner, organization=firm, contract=waiting, data=typed(waiting))
    stranger = OrganizationFactory()
    stranger.owner = make_member(stranger, role="owner")
    client = signed_in(stranger.owner, stranger)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    for name, more, method in (
        ("contract-sign", {}, "get"),
        ("contract-sign", {}, "post"),
        ("contract-send", {}, "post"),
        ("contract-hand-over", {}, "post"),
        ("contract-confirm-signature", {"signature_id": signature.pk}, "post"),
        ("contract-signature-scan", {"signature_id": signature.pk}, "get"),
        ("contract-signature-drawing", {"signature_id": signature.pk}, "get"),
    ):
        assert getattr(client, method)(url(name, waiting, **more)).status_code == 404, name
