"""Someone handed a contract PDF checks it on the public verification page: the issued copy is genuine,
a copy changed by one byte is not."""

from __future__ import annotations

import pytest

from contracts import services
from contracts.models import Contract, ContractDocument
from contracts.services import SignatureInput
from contracts.tests.test_documents import flip_one_byte_of_the_content, pdf_bytes, signing_folder  # noqa: F401
from marketplace import services as marketplace
from tests.factories import OrganizationFactory, bid_input, make_member, open_task

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def issued_pdf(settings, signing_folder, tmp_path) -> bytes:  # noqa: F811
    settings.CONTRACT_SIGNING_KEY = signing_folder / "key.pem"
    settings.CONTRACT_SIGNING_CERT = signing_folder / "cert.pem"
    client = OrganizationFactory(name="Northwind Trading")
    client.owner = make_member(client, role="owner")
    supplier = OrganizationFactory(name="Globex Supplies", skills=["Payroll"])
    supplier.owner = make_member(supplier, role="owner")
    bid = marketplace.submit_bid(
        actor=supplier.owner, supplier=supplier, task=open_task(client, title="Payroll 2026"), data=bid_input()
    )
    marketplace.accept_bid(actor=client.owner, bid=bid)
    contract = Contract.objects.get(bid=bid)
    services.send_for_signing(actor=client.owner, organization=client, contract=contract)
    # Autocommit here: each signature commits, and the last one's PDF job runs at once (eager Celery).
    for party in (supplier, client):
        services.give_consent(user=party.owner)
        contract.refresh_from_db()
        services.sign(
            actor=party.owner,
            organization=party,
            contract=contract,
            data=SignatureInput(
                sha256=contract.current_version.sha256, method="typed", typed_name=party.owner.display_name
            ),
        )
    return pdf_bytes(ContractDocument.objects.get(contract=contract, status="ready"))


def test_a_visitor_checks_the_issued_pdf_and_a_changed_copy(page_factory, screenshot, issued_pdf, tmp_path):
    genuine, changed = tmp_path / "contract.pdf", tmp_path / "changed.pdf"
    genuine.write_bytes(issued_pdf)
    changed.write_bytes(flip_one_byte_of_the_content(issued_pdf))
    page = page_factory(width=1280, height=900)

    page.goto("/verify/")
    page.get_by_label("Contract PDF").set_input_files(str(genuine))
    page.get_by_role("button", name="Check the PDF").click()
    page.wait_for_load_state()

    result = page.locator("#verification-result")
    assert "Genuine." in result.inner_text()
    assert "Northwind Trading" in result.inner_text()
    assert "Globex Supplies" in result.inner_text()
    screenshot(page, "verify-genuine")

    page.get_by_label("Contract PDF").set_input_files(str(changed))
    page.get_by_role("button", name="Check another PDF").click()
    page.wait_for_load_state()

    assert "Not a genuine contract" in page.locator("#verification-result").inner_text()
    screenshot(page, "verify-changed")
