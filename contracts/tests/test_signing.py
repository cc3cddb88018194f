"""Signing: who may sign, what they sign (the current version's hash), how (typed, drawn, in person),
in which order and until when; the last signature makes the contract active."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from contracts import selectors, services
from contracts.models import Contract, ContractStatus, Signature, SigningOrder
from contracts.services import SignatureInput, StaleVersion
from core.exceptions import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from core.models import AuditEvent, OutboxMessage
from core.request_context import RequestOrigin, _origin
from tests.factories import OrganizationFactory, make_member

pytestmark = pytest.mark.django_db


def png(*, blank: bool = False, size: tuple[int, int] = (400, 150)) -> bytes:
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line((20, 100, 120, 40, 220, 110, 380, 30), fill=(20, 20, 80, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def typed(contract: Contract, name: str = "Ada Lovelace") -> SignatureInput:
    assert contract.current_version is not None
    return SignatureInput(sha256=contract.current_version.sha256, method="typed", typed_name=name)


def sent(contract: Contract, firm, **options) -> Contract:  # type: ignore[no-untyped-def]
    return services.send_for_signing(actor=firm.owner, organization=firm, contract=contract, **options)


def consenting(*users) -> None:  # type: ignore[no-untyped-def]
    for user in users:
        services.give_consent(user=user)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.fixture
def signing(contract, firm, other_firm) -> Contract:
    consenting(firm.owner, other_firm.owner)
    return sent(contract, firm)


class TestSendingForSignatures:
    def test_a_signatory_sends_the_current_version_once(self, contract, firm):
        sent(contract, firm)
        sent(contract, firm)

        contract.refresh_from_db()
        assert contract.status == ContractStatus.SIGNING
        assert events("contract.sent_for_signing") == 1
        assert events("contract.signing") == 1
        assert OutboxMessage.objects.filter(task_name="core.send_email").exists()  # the supplier is told

    def test_a_plain_member_cannot_send_it(self, contract, firm):
        member = make_member(firm)
        with pytest.raises(PermissionDenied):
            services.send_for_signing(actor=member, organization=firm, contract=contract)
        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT

    def test_an_outsider_learns_nothing(self, contract):
        stranger = OrganizationFactory()
        stranger.owner = make_member(stranger, role="owner")
        with pytest.raises(NotFound):
            services.send_for_signing(actor=stranger.owner, organization=stranger, contract=contract)

    @pytest.mark.parametrize("days", [-1, 0, 91])
    def test_an_expiry_is_in_the_future_and_within_ninety_days(self, contract, firm, days):
        with pytest.raises(DomainError) as refused:
            sent(contract, firm, expires_at=timezone.now() + timedelta(days=days))
        assert refused.value.field == "expires_at"

    def test_an_unknown_order_is_refused(self, contract, firm):
        with pytest.raises(DomainError):
            sent(contract, firm, order="alphabetical")

    def test_the_order_cannot_change_once_someone_signed(self, signing, firm, other_firm):
        services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        with pytest.raises(InvalidTransition):
            sent(signing, firm, order=SigningOrder.SUPPLIER_FIRST)


class TestSigning:
    def test_both_signatures_make_the_contract_active(self, signing, firm, other_firm):
        version = signing.current_version
        token = _origin.set(RequestOrigin(ip_address="203.0.113.9", user_agent="Firefox/140"))
        try:
            first = services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        finally:
            _origin.reset(token)
        signing.refresh_from_db()
        assert signing.status == ContractStatus.SIGNING
        assert selectors.waiting_for(signing) == ["supplier"]

        services.sign(actor=other_firm.owner, organization=other_firm, contract=signing, data=typed(signing, "Bo"))

        signing.refresh_from_db()
        assert signing.status == ContractStatus.ACTIVE
        assert signing.signed_version == version
        assert signing.activated_at is not None
        assert (first.side, first.sha256, first.method, first.role) == ("client", version.sha256, "typed", "owner")
        assert (first.ip_address, first.user_agent, first.typed_name) == ("203.0.113.9", "Firefox/140", "Ada Lovelace")
        assert events("contract.signed") == 2
        assert events("contract.active") == 1
        render = OutboxMessage.objects.get(task_name="contracts.render_contract_pdf")
        assert render.kwargs == {"contract_id": signing.pk, "version_id": version.pk}

    def test_signing_twice_is_one_signature(self, signing, firm):
        first = services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        again = services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        assert again == first
        assert Signature.objects.count() == 1
        assert events("contract.signed") == 1

    def test_a_repeat_after_activation_returns_the_signature(self, signing, firm, other_firm):
        mine = services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        services.sign(actor=other_firm.owner, organization=other_firm, contract=signing, data=typed(signing))
        assert services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing)) == mine

    def test_a_second_signatory_of_a_side_that_signed_is_refused(self, signing, firm):
        admin = make_member(firm, role="admin")
        consenting(admin)
        services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        with pytest.raises(Conflict):
            services.sign(actor=admin, organization=firm, contract=signing, data=typed(signing))

    def test_a_stale_hash_is_refused_and_nothing_is_written(self, signing, firm, other_firm):
        old = typed(signing)
        services.propose_version(
            actor=other_firm.owner,
            organization=other_firm,
            contract=signing,
            terms=replace(signing.terms, title="Annual accounts 2026, with payroll"),
        )
        sent(signing, firm)
        with pytest.raises(StaleVersion) as refused:
            services.sign(actor=firm.owner, organization=firm, contract=signing, data=old)
        assert refused.value.status_code == 409
        assert not Signature.objects.exists()

    def test_consent_comes_before_the_first_signature(self, contract, firm):
        sent(contract, firm)
        with pytest.raises(PermissionDenied) as refused:
            services.sign(actor=firm.owner, organization=firm, contract=contract, data=typed(contract))
        assert refused.value.code == "consent_required"
        services.give_consent(user=firm.owner)
        services.give_consent(user=firm.owner)
        assert events("contract.esign_consent") == 1
        services.sign(actor=firm.owner, organization=firm, contract=contract, data=typed(contract))

    def test_a_member_signs_only_when_designated(self, signing, firm):
        member = make_member(firm)
        consenting(member)
        with pytest.raises(PermissionDenied):
            services.sign(actor=member, organization=firm, contract=signing, data=typed(signing))
        member.memberships.update(signs_contracts=True)
        services.sign(actor=member, organization=firm, contract=signing, data=typed(signing))

    def test_a_draft_cannot_be_signed(self, contract, firm):
        consenting(firm.owner)
        with pytest.raises(InvalidTransition):
            services.sign(actor=firm.owner, organization=firm, contract=contract, data=typed(contract))

    def test_an_expired_offer_cannot_be_signed(self, signing, firm):
        Contract.objects.filter(pk=signing.pk).update(signing_expires_at=timezone.now() - timedelta(minutes=1))
        with pytest.raises(InvalidTransition, match="expired"):
            services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))

    def test_the_order_is_kept(self, contract, firm, other_firm):
        consenting(firm.owner, other_firm.owner)
        sent(contract, firm, order=SigningOrder.SUPPLIER_FIRST)
        with pytest.raises(InvalidTransition, match="supplier signs first"):
            services.sign(actor=firm.owner, organization=firm, contract=contract, data=typed(contract))
        services.sign(actor=other_firm.owner, organization=other_firm, contract=contract, data=typed(contract))
        services.sign(actor=firm.owner, organization=firm, contract=contract, data=typed(contract))
        contract.refresh_from_db()
        assert contract.status == ContractStatus.ACTIVE

    @pytest.mark.parametrize("name", ["", "   ", "Ada\x00", "x" * 201])
    def test_a_typed_name_is_a_name(self, signing, firm, name):
        with pytest.raises(DomainError) as refused:
            services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing, name))
        assert refused.value.field == "typed_name"
        assert not Signature.objects.exists()


class TestANewVersion:
    def test_voids_earlier_signatures_and_reopens_the_negotiation(self, signing, firm, other_firm):
        signature = services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        services.propose_version(
            actor=other_firm.owner,
            organization=other_firm,
            contract=signing,
            terms=replace(signing.terms, title="Annual accounts 2026, with payroll"),
        )
        signature.refresh_from_db()
        signing.refresh_from_db()
        assert signature.voided_at is not None
        assert not signature.counts
        assert signing.status == ContractStatus.NEGOTIATING
        signing = sent(signing, firm)
        assert selectors.waiting_for(signing) == ["client", "supplier"]
        services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))  # anew


class TestDrawnSignatures:
    def test_a_drawing_is_stored_as_a_clean_png(self, signing, firm):
        data = SignatureInput(sha256=signing.current_version.sha256, method="drawn", drawing=png())
        signature = services.sign(actor=firm.owner, organization=firm, contract=signing, data=data)
        with signature.image.open("rb") as stored, Image.open(stored) as image:
            assert image.format == "PNG"
            assert image.size == (400, 150)

    @pytest.mark.parametrize(
        "drawing", [b"", png(blank=True), b"GIF89a not a png", png(size=(2400, 300)), b"\x89PNG" + b"0" * 400_000]
    )
    def test_a_drawing_that_is_not_a_signature_is_refused(self, signing, firm, drawing):
        data = SignatureInput(sha256=signing.current_version.sha256, method="drawn", drawing=drawing)
        with pytest.raises(DomainError) as refused:
            services.sign(actor=firm.owner, organization=firm, contract=signing, data=data)
        assert refused.value.field == "drawing"
        assert not Signature.objects.exists()

    def test_an_unknown_method_is_refused(self, signing, firm):
        data = SignatureInput(sha256=signing.current_version.sha256, method="fingerprint")
        with pytest.raises(DomainError):
            services.sign(actor=firm.owner, organization=firm, contract=signing, data=data)


class TestInPersonSignatures:
    def scan(self, content: bytes = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n", name: str = "signed.pdf"):  # type: ignore[no-untyped-def]
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    def test_counts_once_the_other_side_confirms(self, signing, firm, other_firm):
        data = SignatureInput(sha256=signing.current_version.sha256, method="in_person", scan=self.scan())
        paper = services.sign(actor=firm.owner, organization=firm, contract=signing, data=data)
        services.sign(actor=other_firm.owner, organization=other_firm, contract=signing, data=typed(signing))
        signing.refresh_from_db()
        assert signing.status == ContractStatus.SIGNING
        assert selectors.waiting_for(signing) == ["client"]
        assert paper.scan_content_type == "application/pdf"

        with pytest.raises(DomainError):  # not by its own side
            services.confirm_in_person(actor=firm.owner, organization=firm, contract=signing, signature_id=paper.pk)
        services.confirm_in_person(
            actor=other_firm.owner, organization=other_firm, contract=signing, signature_id=paper.pk
        )
        services.confirm_in_person(
            actor=other_firm.owner, organization=other_firm, contract=signing, signature_id=paper.pk
        )

        signing.refresh_from_db()
        assert signing.status == ContractStatus.ACTIVE
        assert events("contract.in_person_confirmed") == 1

    @pytest.mark.parametrize(
        ("content", "name"), [(b"MZ\x90\x00 an executable", "scan.pdf"), (b"plain text", "scan.png"), (b"", "x.pdf")]
    )
    def test_a_scan_that_is_not_a_pdf_or_an_image_is_refused(self, signing, firm, content, name):
        data = SignatureInput(sha256=signing.current_version.sha256, method="in_person", scan=self.scan(content, name))
        with pytest.raises(DomainError) as refused:
            services.sign(actor=firm.owner, organization=firm, contract=signing, data=data)
        assert refused.value.field == "scan"
        assert not Signature.objects.exists()


class TestHandingOver:
    def test_only_the_signatory_it_was_handed_to_signs(self, signing, firm):
        admin = make_member(firm, role="admin")
        consenting(admin)
        services.hand_over_signing(actor=firm.owner, organization=firm, contract=signing, to=admin)
        services.hand_over_signing(actor=firm.owner, organization=firm, contract=signing, to=admin)
        assert events("contract.signing_handed_over") == 1
        with pytest.raises(PermissionDenied, match="handed to"):
            services.sign(actor=firm.owner, organization=firm, contract=signing, data=typed(signing))
        services.sign(actor=admin, organization=firm, contract=signing, data=typed(signing))

    def test_not_to_someone_who_cannot_sign(self, signing, firm, other_firm):
        member = make_member(firm)
        with pytest.raises(DomainError):
            services.hand_over_signing(actor=firm.owner, organization=firm, contract=signing, to=member)
        with pytest.raises(DomainError):  # nor to another organization's signatory
            services.hand_over_signing(actor=firm.owner, organization=firm, contract=signing, to=other_firm.owner)


class TestTheCardSaysWhatSigningWouldSay:
    """The signing card's reason and the service's refusal come from one function: the same words."""

    @pytest.mark.parametrize("obstacle", ["expired", "handed over", "order", "paper unconfirmed"])
    def test_the_page_shows_the_refusal_the_service_raises(self, contract, firm, other_firm, obstacle):
        consenting(firm.owner, other_firm.owner)
        sent(contract, firm, order=SigningOrder.SUPPLIER_FIRST if obstacle == "order" else SigningOrder.ANY)
        if obstacle == "expired":
            Contract.objects.filter(pk=contract.pk).update(signing_expires_at=timezone.now() - timedelta(minutes=1))
        elif obstacle == "handed over":
            admin = make_member(firm, role="admin")
            services.hand_over_signing(actor=firm.owner, organization=firm, contract=contract, to=admin)
        elif obstacle == "paper unconfirmed":
            owner_two = make_member(firm, role="admin")
            scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 the paper", content_type="application/pdf")
            data = SignatureInput(sha256=contract.current_version.sha256, method="in_person", scan=scan)
            services.sign(actor=owner_two, organization=firm, contract=contract, data=data)
        contract = Contract.objects.get(pk=contract.pk)

        panel = selectors.signing_panel(contract=contract, organization=firm, user=firm.owner)
        with pytest.raises(DomainError) as refused:
            services.sign(actor=firm.owner, organization=firm, contract=contract, data=typed(contract))

        assert not panel.can_sign
        assert panel.why_not == refused.value.message
