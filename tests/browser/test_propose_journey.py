"""In a real browser, a party proposes changes: the form shows the terms, sums the milestones as they are
typed, adds a row without a script's help, and a proposal becomes the next version with its diff."""

from __future__ import annotations

import re

import pytest

from contracts.models import ContractVersion
from tests.browser.demo import seed_demo, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_alice_proposes_a_later_delivery_and_wordsmith_sees_what_changed(page_factory, screenshot, width):
    demo = seed_demo()
    contract = demo.contract
    page = page_factory(width=width, height=900)
    sign_in(page, "alice@demo.test", "Northwind Trading")

    # Given the contract's page, Alice opens the proposal form
    page.goto(f"/contracts/{contract.pk}/")
    page.get_by_role("link", name="Propose changes").click()
    page.wait_for_url(re.compile(r"/propose/$"))
    assert page.get_by_role("heading", name="Propose changes").is_visible()
    screenshot(page, f"propose-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # When she changes an amount without the price, the form says the milestones no longer add up
    page.get_by_label("Milestone 2: amount").fill("2,000.00")
    assert (
        "short of" in page.locator("[data-terms-sum]").inner_text()
        or "over" in page.locator("[data-terms-sum]").inner_text()
    )
    page.get_by_label("Milestone 2: amount").fill("1,800.00")
    assert "add up to the price" in page.locator("[data-terms-sum]").inner_text()

    # And a cap field shows only for the limit that uses it
    assert not page.locator("#id_hours_cap").is_visible()
    page.get_by_text("By a cap on hours").click()
    assert page.locator("#id_hours_cap").is_visible()
    page.get_by_text("By a date").click()

    # When she adds a milestone (the server adds the row) and fills it, the rest of what she typed stays
    page.get_by_label("Title", exact=True).fill("Product catalogue in French, Spanish and Italian")
    page.get_by_role("button", name="Add a milestone").click()
    page.wait_for_load_state()
    assert page.get_by_label("Title", exact=True).input_value() == "Product catalogue in French, Spanish and Italian"
    page.get_by_label("Milestone 3: deliverable").fill("Italian catalogue")
    page.get_by_label("Milestone 3: amount").fill("1,500.00")
    page.get_by_label("Price (EUR)").fill("5,100.00")
    page.get_by_label("Legal name").first.fill("Northwind Trading GmbH")
    page.get_by_label("What this proposal changes").fill("Italian too, for the shops in Milan.")
    screenshot(page, f"propose-filled-{width}")

    # And presses Enter in a text box: the proposal is sent (not a row's remove button)
    page.get_by_label("Milestone 3: deliverable").press("Enter")
    page.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))

    # Then version 3 holds the new milestone and her legal name, and the page says so
    version = ContractVersion.objects.get(contract=contract, number=3)
    terms = version.read_terms()
    assert [m.title for m in terms.milestones][-1] == "Italian catalogue"
    assert terms.client.legal_name == "Northwind Trading GmbH"
    assert page.get_by_text("Version 3 proposed.").is_visible()
    screenshot(page, f"propose-done-{width}")


def test_a_refused_proposal_lists_each_problem_and_leads_to_its_field(page_factory, screenshot):
    demo = seed_demo()
    page = page_factory(width=1366, height=900)
    sign_in(page, "alice@demo.test", "Northwind Trading")
    page.goto(f"/contracts/{demo.contract.pk}/propose/")

    page.get_by_label("Title", exact=True).fill("")
    page.get_by_label("Milestone 1: amount").fill("1,000.00")
    page.get_by_role("button", name=re.compile("Propose version")).last.click()
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert "Give the contract a title." in summary.inner_text()
    assert "not to the price of" in summary.inner_text()
    screenshot(page, "propose-errors-1366")
    summary.get_by_role("link", name=re.compile("not to the price of")).click()
    assert page.evaluate("document.activeElement.id") == "milestones-errors"
    assert ContractVersion.objects.filter(contract=demo.contract).count() == 2
