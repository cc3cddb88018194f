"""In a real browser, a client offers a contract to a supplier straight from its profile, without a task:
an empty terms form in the supplier's currency, one milestone, and a draft both sides then see."""

from __future__ import annotations

import re

import pytest

from contracts.models import Contract
from tests.browser.demo import seed_demo, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_alice_offers_pixel_and_pine_a_contract_and_bob_sees_the_draft(page_factory, screenshot, width):
    demo = seed_demo()
    page = page_factory(width=width, height=900)
    sign_in(page, "alice@demo.test", "Northwind Trading")

    # Given Pixel & Pine's profile, Alice chooses to offer it a contract
    page.goto(f"/organizations/{demo.pixel.slug}/")
    page.get_by_role("link", name=re.compile("Offer a contract")).click()
    page.wait_for_url(re.compile(r"/contracts/offer/"))
    assert page.get_by_role("heading", name="Offer a contract to Pixel & Pine Studio").is_visible()
    screenshot(page, f"offer-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # When she writes the work, the price and its one milestone, and sends it
    page.get_by_label("Title", exact=True).fill("Spring catalogue layout")
    page.get_by_label("Scope of work").fill("Lay out our 48-page spring catalogue from our photos and texts.")
    page.get_by_label("Price (EUR)").fill("2,400.00")
    page.get_by_label("Milestone 1: deliverable").fill("Print-ready PDF")
    page.get_by_label("Milestone 1: amount").fill("2,400.00")
    assert "add up to the price" in page.locator("[data-terms-sum]").inner_text()
    page.get_by_label("A note to the supplier").fill("We loved your autumn labels.")
    screenshot(page, f"offer-filled-{width}")
    page.get_by_role("button", name="Send the offer").last.click()

    # Then the draft contract's page says the offer went to Pixel & Pine
    contract = Contract.objects.get(client=demo.northwind, supplier=demo.pixel, task__isnull=True)
    page.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))
    assert page.get_by_text("Offer sent to Pixel & Pine Studio").is_visible()
    assert contract.terms.price == 240_000
    screenshot(page, f"offer-sent-{width}")

    # And Bob, for Pixel & Pine, finds it among his contracts
    page.context.clear_cookies()
    sign_in(page, "bob@demo.test", "Pixel & Pine Studio")
    page.goto("/contracts/")
    page.get_by_role("link", name="Spring catalogue layout").click()
    page.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))
