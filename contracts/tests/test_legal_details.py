"""Parties' legal details: new versions name them; versions stored before they existed read and hash as they did."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts import services
from contracts.models import ContractVersion
from contracts.terms import Party, Terms, canonical_text, sha256
from core import limits
from core.exceptions import Invalid

# A version's terms as they were stored before parties had legal details, with the text and hash the code
# of that time gave them (computed by contracts/terms.py at commit 3d2aa12, contract 41, version 3).
STORED_JSON = {
    "title": "Annual accounts 2026",
    "client": {"name": "Northwind Trading", "country": "DE", "city": "Berlin"},
    "supplier": {"name": "Ledger & Co", "country": "", "city": ""},
    "scope": "Close the books for 2026 and file the annual accounts.\n\nIncludes the tax return.",
    "currency": "EUR",
    "price": 280000,
    "milestones": [
        {"key": "m1", "title": "Books closed", "amount": 100000, "due_date": "2027-01-31"},
        {"key": "m2", "title": "Accounts filed", "amount": 180000, "due_date": None},
    ],
    "hourly_rate": None,
    "end_kind": "date",
    "end_date": "2027-03-31",
    "hours_cap": None,
    "budget_cap": None,
    "platform_fee_percent": "0",
    "review_days": 14,
    "clauses": [
        {
            "key": "confidentiality",
            "title": "Confidentiality",
            "text": "Each party keeps the other's information to itself.",
        }
    ],
}
STORED_TEXT = (
    "Contract 41, version 3\nTitle: Annual accounts 2026\n\nParties\nClient: Northwind Trading (Berlin, DE)\n"
    "Supplier: Ledger & Co\n\nScope of work\nClose the books for 2026 and file the annual accounts.\n\n"
    "Includes the tax return.\n\nMilestones\n1. [m1] Books closed: €1,000.00, due 2027-01-31\n"
    "2. [m2] Accounts filed: €1,800.00, due no due date\nPrice: €2,800.00, fixed (EUR)\n\nLimit of the work\n"
    "Delivered by 2027-03-31.\n\nConfidentiality\nEach party keeps the other's information to itself.\n"
)
STORED_SHA256 = "91f19313f060ea2ac07b1f9fa40bf34abd0f838c3505e620008428a457b7e5cc"


def test_a_version_stored_before_legal_details_reads_back_and_renders_byte_for_byte():
    terms = Terms.from_json(STORED_JSON)

    text = canonical_text(terms, contract_id=41, number=3)

    assert (terms.client.legal_name, terms.client.address, terms.supplier.signatory) == ("", "", "")
    assert text == STORED_TEXT
    assert sha256(text) == STORED_SHA256


@pytest.mark.django_db
def test_every_stored_version_renders_again_to_its_own_text_and_hash(contract, other_firm):
    services.propose_version(
        actor=other_firm.owner,
        organization=other_firm,
        contract=contract,
        terms=replace(contract.terms, supplier=replace(contract.terms.supplier, vat_number="DE123456789")),
    )

    for version in ContractVersion.objects.filter(contract=contract):
        text = canonical_text(version.read_terms(), contract_id=contract.pk, number=version.number)
        assert (text, sha256(text)) == (version.text, version.sha256)


def test_legal_details_given_are_named_under_their_party_and_empty_ones_are_not():
    terms = Terms.from_json(STORED_JSON)
    client = replace(
        terms.client,
        legal_name="Northwind Trading GmbH",
        address="Friedrichstraße 10\n10117 Berlin\n",
        registration_number="HRB 12345",
        signatory="Alice Example",
    )

    text = canonical_text(replace(terms, client=client), contract_id=41, number=4)

    assert (
        "Client: Northwind Trading (Berlin, DE)\n"
        "  Legal name: Northwind Trading GmbH\n"
        "  Registered address: Friedrichstraße 10, 10117 Berlin\n"
        "  Registration number: HRB 12345\n"
        "  Signatory: Alice Example\n"
        "Supplier: Ledger & Co\n"
    ) in text
    assert "VAT number" not in text


def test_new_terms_store_the_legal_details_and_read_them_back():
    terms = Terms.from_json(STORED_JSON)
    given = replace(terms, supplier=Party(name="Ledger & Co", vat_number="DE123456789", signatory="Bob"))

    data = given.as_json()

    assert data["supplier"]["vat_number"] == "DE123456789"
    assert data["client"]["legal_name"] == ""
    assert Terms.from_json(data) == given


@pytest.mark.django_db
def test_legal_details_too_long_or_with_control_characters_are_refused_by_field(contract, firm):
    terms = contract.terms
    broken = replace(
        terms,
        client=replace(terms.client, legal_name="N" * (limits.LEGAL_NAME + 1), vat_number="DE\x00"),
        supplier=replace(terms.supplier, address="x" * (limits.ADDRESS + 1)),
    )

    with pytest.raises(Invalid) as refused:
        services.propose_version(actor=firm.owner, organization=firm, contract=contract, terms=broken)

    assert set(refused.value.field_errors) == {"client_legal_name", "client_vat_number", "supplier_address"}
    assert ContractVersion.objects.filter(contract=contract).count() == 1
