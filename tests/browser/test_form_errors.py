"""A refused task form: every problem at once, a summary at the top that takes the focus and leads to each field."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from tests.browser.test_marketplace_journey import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1366, 390])
def test_the_summary_takes_the_focus_and_each_link_focuses_its_field(page_factory, screenshot, width):
    owner = UserFactory(email="owner@client.test")
    account_services.create_organization(actor=owner, name="Northwind Foods")
    page = page_factory(width=width, height=900)
    sign_in(page, owner.email)

    # Given a publish with no title, no category, a past deadline, bidding after it and no budget
    page.goto("/tasks/new/")
    page.get_by_label("Description").fill("Keep our books in Xero.")
    page.get_by_label("Deadline").fill("2020-01-01")
    page.get_by_label("Bidding closes").fill("2030-01-01T10:00")
    page.get_by_role("button", name="Publish task").click()
    page.wait_for_load_state()

    # Then the summary lists all four, and has the focus
    summary = page.locator("[data-error-summary]")
    assert summary.locator("a").count() == 5  # title, category, budget, deadline, bidding closes
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    screenshot(page, f"forms-task-errors-{width}")

    # When a link is followed, its field has the focus
    summary.get_by_role("link", name="Deadline: The deadline must be in the future.").click()
    assert page.evaluate("document.activeElement.id") == "id_deadline"
    widest = page.evaluate("document.documentElement.scrollWidth")
    assert widest <= width
