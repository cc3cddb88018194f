"""The contracts API: a party's contracts and versions, proposals, signing, the signed PDF and the
public check of a PDF, over the same selectors and services as the pages."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from contracts import pdf_seal, services
from contracts.models import (
    Contract,
    ContractDocument,
    ContractMilestone,
    ContractStatus,
    ContractVersion,
    MilestoneStatus,
    Signature,
)
from contracts.tests.conftest import days
from contracts.tests.test_documents import drawn_signature, flip_one_byte_of_the_content, pdf_bytes, sign_all
from core.idempotency import HEADER, REPLAYED_HEADER
from core.models import AuditEvent
from marketplace import services as marketplace
from tests.factories import MilestoneInputFactory, OrganizationFactory, bid_input, make_member, open_task
from tests.support import api_signed_in, with_token

pytestmark = pytest.mark.django_db

API = "/api/v1"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def url(contract: Contract, tail: str = "") -> str:
    return f"{API}/contracts/{contract.pk}/{tail}"


def error(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def reauthenticated(user, organization) -> APIClient:  # type: ignore[no-untyped-def]
    """The browser's session, right after the person typed their password again (as the sign page asks)."""
    client = api_signed_in(user, organization)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD}, format="multipart")
    assert response.status_code == 302
    return client


def snapshot(contract: Contract) -> tuple[Any, ...]:
    contract.refresh_from_db()
    return (
        contract.status,
        contract.current_version_id,
        contract.updated_at,
        ContractVersion.objects.filter(contract=contract).count(),
        Signature.objects.filter(contract=contract).count(),
    )


def other_contract(firm, supplier) -> Contract:  # type: ignore[no-untyped-def]
    task = open_task(firm, title="Office cleaning", budget_amount=400_000)
    bid = marketplace.submit_bid(
        actor=supplier.owner,
        supplier=supplier,
        task=task,
        data=bid_input(amount=90_000, milestones=[MilestoneInputFactory(amount=90_000, due_date=days(20))]),
    )
    marketplace.accept_bid(actor=firm.owner, bid=bid)
    return Contract.objects.get(bid=bid)


@pytest.fixture
def outsider():  # type: ignore[no-untyped-def]
    organization = OrganizationFactory(name="Elsewhere Ltd")
    organization.owner = make_member(organization, role="owner")
    return organization


@pytest.fixture
def issued(contract, firm, other_firm, settings, tmp_path, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Both parties signed (as contracts/tests/test_documents.py does it) and the job sealed the PDF."""
    pdf_seal.ensure_certificate(key_path=tmp_path / "key.pem", cert_path=tmp_path / "cert.pem", common_name="Outsource")
    settings.CONTRACT_SIGNING_KEY = tmp_path / "key.pem"
    settings.CONTRACT_SIGNING_CERT = tmp_path / "cert.pem"
    settings.CONTRACT_PDF_TSA_URL = ""
    signed = sign_all(contract, firm, other_firm, django_capture_on_commit_callbacks)
    return signed, ContractDocument.objects.get(version=signed.signed_version)


@pytest.fixture
def waiting(contract, firm) -> Contract:  # type: ignore[no-untyped-def]
    return services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)


# --- reading ------------------------------------------------------------------------------------------


class TestReading:
    def test_each_party_lists_its_contracts_on_either_side_and_nobody_elses(self, contract, firm, other_firm, outsider):
        as_supplier_elsewhere = other_contract(outsider, other_firm)

        client_ids = [row["id"] for row in with_token(firm.owner, firm).get(f"{API}/contracts/").json()["results"]]
        supplier_rows = with_token(other_firm.owner, other_firm).get(f"{API}/contracts/").json()["results"]
        outsider_ids = [
            row["id"] for row in with_token(outsider.owner, outsider).get(f"{API}/contracts/").json()["results"]
        ]

        assert client_ids == [contract.pk]
        assert {row["id"]: row["side"] for row in supplier_rows} == {
            as_supplier_elsewhere.pk: "supplier",
            contract.pk: "supplier",
        }
        assert outsider_ids == [as_supplier_elsewhere.pk]

    def test_a_contract_reads_with_its_parties_version_and_signing(self, waiting, firm, other_firm):
        body = with_token(firm.owner, firm).get(url(waiting)).json()

        assert body["title"] == "Annual accounts 2026"
        assert body["status"] == "signing"
        assert body["side"] == "client"
        assert body["client"] == {"id": firm.pk, "name": "Northwind Trading"}
        assert body["supplier"] == {"id": other_firm.pk, "name": "Globex Supplies"}
        assert body["current_version"]["number"] == 1
        assert body["current_version"]["sha256"] == waiting.current_version.sha256
        assert body["signed_version"] is None
        assert body["signing"] == {
            "order": "any",
            "expires_at": None,
            "waiting_for": ["client", "supplier"],
            "signatures": [],
        }
        assert body["document"] is None
        assert body["urls"]["pdf"].endswith(url(waiting, "pdf/"))

    def test_another_organizations_contract_answers_like_an_unknown_id(self, contract, outsider):
        client = with_token(outsider.owner, outsider)

        theirs = client.get(url(contract))
        unknown = client.get(f"{API}/contracts/2000000000/")

        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json() == unknown.json()
        for tail in ("versions/", "pdf/"):
            assert client.get(url(contract, tail)).json() == client.get(f"{API}/contracts/2000000000/{tail}").json()

    def test_the_list_costs_the_same_queries_for_one_contract_or_several(self, contract, firm, other_firm):
        client = with_token(firm.owner, firm)
        services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(f"{API}/contracts/").status_code == 200
            return len(captured)

        client.get(f"{API}/contracts/")  # the token's first use of the day records itself once
        one = queries()
        for _ in range(3):
            another = other_contract(firm, other_firm)
            services.send_for_signing(actor=firm.owner, organization=firm, contract=another)
            services.give_consent(user=other_firm.owner)
            services.sign(
                actor=other_firm.owner,
                organization=other_firm,
                contract=another,
                data=services.SignatureInput(sha256=another.current_version.sha256, method="typed", typed_name="Gil"),
            )
        several = queries()

        assert len(client.get(f"{API}/contracts/").json()["results"]) == 4
        # The token and its membership, the page of contracts with their parties and versions, their live
        # signatures, their documents.
        assert several == one == 4

    def test_the_versions_list_shows_terms_and_canonical_text(self, contract, firm):
        [version] = with_token(firm.owner, firm).get(url(contract, "versions/")).json()["results"]

        assert version["number"] == 1
        assert version["sha256"] == contract.current_version.sha256
        assert version["text"] == contract.current_version.text
        assert version["terms"] == contract.current_version.terms
        assert version["proposed_by_organization"] == {"id": firm.pk, "name": "Northwind Trading"}


# --- proposing ----------------------------------------------------------------------------------------


class TestProposing:
    def test_a_proposal_makes_version_two_which_reads_against_version_one(self, contract, firm, other_firm):
        client = with_token(other_firm.owner, other_firm)
        terms = contract.current_version.terms
        milestones = [
            {**m, "amount": m["amount"] + (20_000 if i == 1 else 0)} for i, m in enumerate(terms["milestones"])
        ]

        response = client.post(
            url(contract, "versions/"),
            {
                "title": "Annual accounts 2026, with the tax return",
                "price": 300_000,
                "milestones": milestones,
                "supplier": {"vat_number": "DE123456789"},
                "note": "Adds the tax return.",
            },
            format="json",
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert body["number"] == 2
        assert body["note"] == "Adds the tax return."
        assert body["terms"]["supplier"]["name"] == "Globex Supplies"  # the server's, not the request's
        assert body["terms"]["supplier"]["vat_number"] == "DE123456789"
        assert [m["key"] for m in body["terms"]["milestones"]] == ["m1", "m2"]
        versions = client.get(url(contract, "versions/")).json()["results"]
        assert [v["number"] for v in versions] == [2, 1]
        changed = set(versions[0]["text"].splitlines()) - set(versions[1]["text"].splitlines())
        assert "Title: Annual accounts 2026, with the tax return" in changed
        assert any("Accounts filed: €2,000.00" in line for line in changed)
        contract.refresh_from_db()
        assert contract.status == ContractStatus.NEGOTIATING

    def test_bad_terms_answer_400_naming_every_field_and_write_nothing(self, contract, firm):
        before = snapshot(contract)

        response = with_token(firm.owner, firm).post(
            url(contract, "versions/"),
            {
                "title": "x" * 201,
                "price": 10**13,
                "currency": "USD",
                "milestones": [{"title": "All", "amount": 1}] * 21,
                "client": {"vat_number": "x" * 51},
                "clauses": [{"title": "", "text": "t"}],
            },
            format="json",
        )

        assert response.status_code == 400
        fields = error(response)["fields"]
        assert {"title", "price", "milestones", "client.vat_number", "clauses.0.title"} <= set(fields)
        assert fields["currency"] == ["A contract keeps one currency: EUR."]
        assert snapshot(contract) == before

    def test_the_rules_between_fields_are_the_services(self, contract, firm):
        response = with_token(firm.owner, firm).post(url(contract, "versions/"), {"price": 999_00}, format="json")

        assert response.status_code == 400
        assert error(response)["fields"]["milestones"][0].startswith("The milestones add up to €2,800.00")

    def test_the_same_terms_propose_nothing(self, contract, firm):
        response = with_token(firm.owner, firm).post(url(contract, "versions/"), {}, format="json")

        assert response.status_code == 200
        assert response.json()["number"] == 1
        assert ContractVersion.objects.filter(contract=contract).count() == 1

    def test_a_proposal_sent_twice_with_one_key_makes_one_version(self, contract, firm):
        client = with_token(firm.owner, firm)
        body = {"title": "Annual accounts 2026, revised"}

        first = client.post(url(contract, "versions/"), body, format="json", headers={HEADER: "p-1"})
        second = client.post(url(contract, "versions/"), body, format="json", headers={HEADER: "p-1"})

        assert first.status_code == second.status_code == 201
        assert second[REPLAYED_HEADER] == "true"
        assert second.json() == first.json()
        assert ContractVersion.objects.filter(contract=contract).count() == 2


# --- signing ------------------------------------------------------------------------------------------


def typed_signature(contract: Contract, **more: Any) -> dict[str, Any]:
    return {
        "sha256": contract.current_version.sha256,
        "method": "typed",
        "typed_name": "Ann Owner",
        "consent": True,
        **more,
    }


class TestSigning:
    def test_a_signatory_sends_the_current_version_for_signatures(self, contract, firm):
        response = with_token(firm.owner, firm).post(url(contract, "send/"), {"order": "supplier_first"}, format="json")

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "signing"
        assert response.json()["signing"]["order"] == "supplier_first"

    def test_typed_by_one_and_drawn_by_the_other_makes_the_contract_active(
        self, waiting, firm, other_firm, django_capture_on_commit_callbacks
    ):
        first = with_token(firm.owner, firm).post(url(waiting, "sign/"), typed_signature(waiting), format="json")
        drawing = "data:image/png;base64," + base64.b64encode(drawn_signature()).decode()
        second = with_token(other_firm.owner, other_firm).post(
            url(waiting, "sign/"),
            {"sha256": waiting.current_version.sha256, "method": "drawn", "drawing": drawing, "consent": True},
            format="json",
        )

        assert first.status_code == 200, first.content
        assert first.json()["signing"]["waiting_for"] == ["supplier"]
        assert second.status_code == 200, second.content
        body = second.json()
        assert body["status"] == "active"
        assert body["signed_version"]["sha256"] == waiting.current_version.sha256
        assert [(s["side"], s["method"], s["counts"]) for s in body["signing"]["signatures"]] == [
            ("client", "typed", True),
            ("supplier", "drawn", True),
        ]

    def test_a_stale_hash_answers_409_and_signs_nothing(self, waiting, firm, other_firm):
        stale = waiting.current_version.sha256
        services.propose_version(
            actor=other_firm.owner,
            organization=other_firm,
            contract=waiting,
            terms=replace(waiting.terms, title="Annual accounts 2026, v2"),
        )
        services.send_for_signing(actor=firm.owner, organization=firm, contract=waiting)
        before = snapshot(waiting)

        response = with_token(firm.owner, firm).post(
            url(waiting, "sign/"), {**typed_signature(waiting), "sha256": stale}, format="json"
        )

        assert response.status_code == 409
        assert error(response)["code"] == "stale_version"
        assert snapshot(waiting) == before
        assert not services.has_consented(firm.owner)  # the consent sent with it was not kept either

    def test_the_first_signature_needs_consent(self, waiting, firm):
        response = with_token(firm.owner, firm).post(
            url(waiting, "sign/"), typed_signature(waiting, consent=False), format="json"
        )

        assert response.status_code == 403
        assert error(response)["code"] == "consent_required"
        assert not Signature.objects.filter(contract=waiting).exists()

    def test_with_the_session_the_password_is_confirmed_first_as_on_the_page(self, waiting, firm):
        not_confirmed = api_signed_in(firm.owner, firm).post(
            url(waiting, "sign/"), typed_signature(waiting), format="json"
        )
        confirmed = reauthenticated(firm.owner, firm).post(
            url(waiting, "sign/"), typed_signature(waiting), format="json"
        )

        assert not_confirmed.status_code == 403
        assert error(not_confirmed)["code"] == "reauthentication_required"
        assert confirmed.status_code == 200, confirmed.content
        assert Signature.objects.filter(contract=waiting, side="client").count() == 1

    def test_on_paper_the_scan_goes_as_multipart_and_counts_once_confirmed(self, waiting, other_firm):
        scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 the signed paper", content_type="application/pdf")

        response = with_token(other_firm.owner, other_firm).post(
            url(waiting, "sign/"),
            {"sha256": waiting.current_version.sha256, "method": "in_person", "scan": scan},
            format="multipart",
        )

        assert response.status_code == 200, response.content
        assert response.json()["signing"]["signatures"][0]["counts"] is False
        assert response.json()["signing"]["waiting_for"] == ["client", "supplier"]

    def test_hostile_input_is_a_400_with_fields(self, waiting, firm):
        response = with_token(firm.owner, firm).post(
            url(waiting, "sign/"),
            {"sha256": "zz", "method": "drawn", "drawing": "not base64!", "typed_name": "x" * 201},
            format="json",
        )

        assert response.status_code == 400
        assert set(error(response)["fields"]) == {"sha256", "drawing", "typed_name"}

    def test_an_outsider_signing_gets_the_404_of_an_unknown_id(self, waiting, outsider):
        client = with_token(outsider.owner, outsider)

        theirs = client.post(url(waiting, "sign/"), typed_signature(waiting), format="json")
        unknown = client.post(f"{API}/contracts/2000000000/sign/", typed_signature(waiting), format="json")

        assert theirs.status_code == 404
        assert theirs.json() == unknown.json()
        assert not Signature.objects.filter(contract=waiting).exists()


class TestHandingOverAndPaper:
    def test_a_signatory_hands_the_signing_to_another_who_alone_then_signs(self, waiting, firm):
        colleague = make_member(firm, role="admin")

        response = with_token(firm.owner, firm).post(url(waiting, "hand-over/"), {"to": colleague.pk}, format="json")
        owner_signs = with_token(firm.owner, firm).post(url(waiting, "sign/"), typed_signature(waiting), format="json")

        assert response.status_code == 200, response.content
        waiting.refresh_from_db()
        assert waiting.client_signer == colleague
        assert owner_signs.status_code == 403
        assert AuditEvent.objects.filter(action="contract.signing_handed_over").count() == 1

    def test_only_a_signatory_of_the_same_organization_takes_it(self, waiting, firm, other_firm):
        plain_member = make_member(firm, role="member")
        before = snapshot(waiting)
        client = with_token(firm.owner, firm)

        member = client.post(url(waiting, "hand-over/"), {"to": plain_member.pk}, format="json")
        elsewhere = client.post(url(waiting, "hand-over/"), {"to": other_firm.owner.pk}, format="json")
        hostile = client.post(url(waiting, "hand-over/"), {"to": 10**12}, format="json")

        assert [member.status_code, elsewhere.status_code, hostile.status_code] == [400, 400, 400]
        assert set(error(member)["fields"]) == set(error(elsewhere)["fields"]) == {"to"}
        waiting.refresh_from_db()
        assert waiting.client_signer is None
        assert snapshot(waiting) == before

    def test_the_other_side_confirms_a_paper_signature_and_it_then_counts(self, waiting, firm, other_firm):
        scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 the signed paper", content_type="application/pdf")
        signed = with_token(other_firm.owner, other_firm).post(
            url(waiting, "sign/"),
            {"sha256": waiting.current_version.sha256, "method": "in_person", "scan": scan},
            format="multipart",
        )
        paper = signed.json()["signing"]["signatures"][0]

        by_signer = with_token(other_firm.owner, other_firm).post(url(waiting, f"signatures/{paper['id']}/confirm/"))
        by_other_side = with_token(firm.owner, firm).post(url(waiting, f"signatures/{paper['id']}/confirm/"))

        assert by_signer.status_code == 400  # nobody confirms their own paper
        assert by_other_side.status_code == 200, by_other_side.content
        assert by_other_side.json()["signing"]["signatures"][0]["counts"] is True
        assert by_other_side.json()["signing"]["waiting_for"] == ["client"]

    def test_an_outsider_can_neither_hand_over_nor_confirm(self, waiting, outsider, other_firm):
        client = with_token(outsider.owner, outsider)

        handed = client.post(url(waiting, "hand-over/"), {"to": outsider.owner.pk}, format="json")
        confirmed = client.post(url(waiting, "signatures/1/confirm/"))

        assert handed.status_code == confirmed.status_code == 404
        waiting.refresh_from_db()
        assert waiting.client_signer is None
        assert waiting.supplier_signer is None


# --- amendments and ending ------------------------------------------------------------------------------


class TestAmending:
    def test_an_amendment_adds_a_milestone_while_the_signed_version_stays_in_force(self, active, firm, other_firm):
        signed = active.signed_version
        milestones = [
            {"key": m.key, "title": m.title, "amount": m.amount, "due_date": m.due_date.isoformat()}
            for m in active.terms.milestones
        ]
        milestones.append({"title": "Tax return filed", "amount": 50_000, "due_date": days(40).isoformat()})
        price = active.terms.price + 50_000

        response = with_token(other_firm.owner, other_firm).post(
            url(active, "amendments/"),
            {"milestones": milestones, "price": price, "note": "The tax return too."},
            format="json",
        )
        listed = with_token(firm.owner, firm).get(url(active, "amendments/"))
        contract = with_token(firm.owner, firm).get(url(active)).json()

        assert response.status_code == 201, response.content
        assert response.json()["number"] == 2
        assert [v["number"] for v in listed.json()["results"]] == [2]
        assert contract["status"] == "active"
        assert contract["signed_version"]["sha256"] == signed.sha256
        assert contract["current_version"]["number"] == 2
        assert AuditEvent.objects.filter(action="contract.amendment_proposed").count() == 1

    def test_an_amendment_that_breaks_the_milestone_arithmetic_is_one_400_and_writes_nothing(self, active, firm):
        before = snapshot(active)

        response = with_token(firm.owner, firm).post(
            url(active, "amendments/"), {"price": active.terms.price + 1}, format="json"
        )

        assert response.status_code == 400
        assert "milestones" in error(response)["fields"] or "price" in error(response)["fields"]
        assert snapshot(active) == before

    def test_before_it_is_active_there_are_no_amendments_and_proposals_go_to_versions(self, contract, firm):
        before = snapshot(contract)
        client = with_token(firm.owner, firm)

        listed = client.get(url(contract, "amendments/"))
        proposed = client.post(url(contract, "amendments/"), {"title": "Something else"}, format="json")

        assert listed.status_code == 200
        assert listed.json()["results"] == []
        assert proposed.status_code == 409
        assert "versions" in error(proposed)["message"]
        assert snapshot(contract) == before


class TestTerminating:
    def test_a_party_ends_the_contract_with_notice_and_reads_how_it_ended(self, active, firm, other_firm):
        ContractMilestone.objects.filter(contract=active, key="m1").update(status=MilestoneStatus.FUNDED)

        response = with_token(other_firm.owner, other_firm).post(
            url(active, "terminate/"), {"reason": "We are closing the practice."}, format="json"
        )
        seen_by_client = with_token(firm.owner, firm).get(url(active)).json()

        assert response.status_code == 200, response.content
        ending = response.json()["ending"]
        assert response.json()["status"] == "terminated"
        assert ending["kind"] == "terminated"
        assert ending["reason"] == "We are closing the practice."
        assert ending["ends_on"] == days(7).isoformat()
        assert [(m["key"], m["amount"], m["status"]) for m in ending["settlement"]] == [("m1", 100_000, "funded")]
        assert seen_by_client["ending"] == ending

    def test_the_client_takes_the_work_back_in_house_and_the_supplier_cannot(self, active, firm, other_firm):
        supplier = with_token(other_firm.owner, other_firm).post(
            url(active, "terminate/"), {"reason": "x", "end_kind": "insourced"}, format="json"
        )
        client = with_token(firm.owner, firm).post(
            url(active, "terminate/"), {"reason": "Our new hire does it.", "end_kind": "insourced"}, format="json"
        )

        assert supplier.status_code == 403
        assert client.status_code == 200, client.content
        assert client.json()["ending"]["kind"] == "insourced"

    def test_bad_input_is_a_400_and_nothing_ends(self, active, firm):
        before = snapshot(active)
        client = with_token(firm.owner, firm)

        blank = client.post(url(active, "terminate/"), {"reason": "   "}, format="json")
        too_soon = client.post(
            url(active, "terminate/"), {"reason": "Now.", "effective_on": days(1).isoformat()}, format="json"
        )
        hostile = client.post(
            url(active, "terminate/"),
            {"reason": "a\x00b" + "x" * 3000, "end_kind": "completed", "effective_on": "9999-99-99"},
            format="json",
        )

        assert [blank.status_code, too_soon.status_code, hostile.status_code] == [400, 400, 400]
        assert set(error(hostile)["fields"]) == {"reason", "end_kind", "effective_on"}
        assert "effective_on" in error(too_soon)["fields"]
        assert snapshot(active) == before
        assert not AuditEvent.objects.filter(action="contract.terminated").exists()

    def test_a_draft_cannot_be_terminated_and_an_outsider_gets_404(self, contract, active, firm, outsider):
        third = OrganizationFactory(name="Third Supplier")
        third.owner = make_member(third, role="owner")
        draft = other_contract(firm, third)

        refused = with_token(firm.owner, firm).post(url(draft, "terminate/"), {"reason": "No."}, format="json")
        hidden = with_token(outsider.owner, outsider).post(url(active, "terminate/"), {"reason": "No."}, format="json")

        assert refused.status_code == 409
        assert hidden.status_code == 404
        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE


# --- the signed PDF and its check -----------------------------------------------------------------------


class TestDocument:
    def test_before_signing_there_is_no_pdf(self, contract, firm):
        response = with_token(firm.owner, firm).get(url(contract, "pdf/"))

        assert response.status_code == 404
        assert error(response)["code"] == "no_document"

    def test_while_it_is_prepared_the_answer_says_so(self, waiting, firm, other_firm):
        for organization in (firm, other_firm):
            services.give_consent(user=organization.owner)
            services.sign(
                actor=organization.owner,
                organization=organization,
                contract=waiting,
                data=services.SignatureInput(sha256=waiting.current_version.sha256, method="typed", typed_name="A B"),
            )
        waiting.refresh_from_db()
        ContractDocument.objects.create(contract=waiting, version=waiting.signed_version)

        response = with_token(firm.owner, firm).get(url(waiting, "pdf/"))

        assert response.status_code == 409
        assert error(response)["code"] == "document_not_ready"
        assert with_token(firm.owner, firm).get(url(waiting)).json()["document"] == {"status": "rendering", "url": None}

    def test_each_party_downloads_the_signed_pdf_and_an_outsider_gets_404(self, issued, firm, other_firm, outsider):
        signed, document = issued
        for organization in (firm, other_firm):
            response = with_token(organization.owner, organization).get(url(signed, "pdf/"))
            assert response.status_code == 200
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content) == pdf_bytes(document)
        assert with_token(firm.owner, firm).get(url(signed)).json()["document"]["status"] == "ready"

        assert with_token(outsider.owner, outsider).get(url(signed, "pdf/")).status_code == 404

    def test_anyone_checks_a_pdf_genuine_or_tampered(self, issued):
        signed, document = issued
        anonymous = APIClient()
        data = pdf_bytes(document)

        genuine = anonymous.post(f"{API}/verify/", {"file": SimpleUploadedFile("c.pdf", data)}, format="multipart")
        tampered = anonymous.post(
            f"{API}/verify/",
            {"file": SimpleUploadedFile("c.pdf", flip_one_byte_of_the_content(data))},
            format="multipart",
        )
        not_a_pdf = anonymous.post(
            f"{API}/verify/", {"file": SimpleUploadedFile("c.pdf", b"GIF89a")}, format="multipart"
        )

        assert genuine.status_code == 200
        assert genuine.json()["genuine"] is True
        assert genuine.json()["contract_id"] == signed.pk
        assert genuine.json()["client"] == "Northwind Trading"
        assert tampered.status_code == 200
        assert tampered.json()["genuine"] is False
        assert tampered.json()["client"] == ""
        assert not_a_pdf.status_code == 400
        assert "file" in error(not_a_pdf)["fields"]


# --- who may call --------------------------------------------------------------------------------------


def test_token_and_session_both_read_and_anonymous_is_refused(contract, firm):
    assert with_token(firm.owner, firm).get(url(contract)).status_code == 200
    assert api_signed_in(firm.owner, firm).get(url(contract)).status_code == 200
    assert APIClient().get(url(contract)).status_code in (401, 403)


def test_a_member_who_is_no_signatory_cannot_send_and_nothing_changes(contract, firm):
    member = make_member(firm, role="member")
    before = snapshot(contract)

    response = with_token(member, firm).post(url(contract, "send/"), {}, format="json")

    assert response.status_code == 403
    assert snapshot(contract) == before
    assert not AuditEvent.objects.filter(action="contract.sent_for_signing").exists()


SCHEMA_OPERATIONS = {
    "/api/v1/contracts/": {"get", "post"},
    "/api/v1/contracts/{contract_id}/": {"get"},
    "/api/v1/contracts/{contract_id}/versions/": {"get", "post"},
    "/api/v1/contracts/{contract_id}/amendments/": {"get", "post"},
    "/api/v1/contracts/{contract_id}/send/": {"post"},
    "/api/v1/contracts/{contract_id}/hand-over/": {"post"},
    "/api/v1/contracts/{contract_id}/signatures/{signature_id}/confirm/": {"post"},
    "/api/v1/contracts/{contract_id}/terminate/": {"post"},
    "/api/v1/contracts/{contract_id}/sign/": {"post"},
    "/api/v1/contracts/{contract_id}/pdf/": {"get"},
    "/api/v1/verify/": {"post"},
}


def test_the_schema_documents_every_operation_and_its_errors():
    import yaml

    schema = yaml.safe_load(APIClient().get("/api/schema/").content)

    for path, methods in SCHEMA_OPERATIONS.items():
        assert set(schema["paths"][path]) - {"parameters"} == methods, path
    sign = schema["paths"]["/api/v1/contracts/{contract_id}/sign/"]["post"]
    assert {"400", "403", "404", "409", "422"} <= set(sign["responses"])
    assert set(sign["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert (
        "application/pdf"
        in schema["paths"]["/api/v1/contracts/{contract_id}/pdf/"]["get"]["responses"]["200"]["content"]
    )
    assert "Idempotency-Key" in {
        p["name"] for p in schema["paths"]["/api/v1/contracts/{contract_id}/versions/"]["post"]["parameters"]
    }
