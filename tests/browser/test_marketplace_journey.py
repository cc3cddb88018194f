"""A business posts a task, two suppliers find it and bid, the business compares and chooses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services as account_services
from contracts.models import Contract
from marketplace.models import Bid, Task
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()
    page.wait_for_url(re.compile(r"/$"))


def switch_to(page, organization_name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("summary.switcher-button").click()
    page.get_by_role("button", name=re.compile(re.escape(organization_name))).click()
    page.wait_for_load_state()


def bid(page, task_title: str, *, price: str, milestones: list[tuple[str, str]], screenshot=None) -> None:  # type: ignore[no-untyped-def]
    # The supplier finds the task through full-text search.
    page.goto("/tasks/?q=bookkeeping+quarterly")
    if screenshot:
        screenshot(page, "mkt-02-browse")
    page.get_by_role("link", name=task_title).first.click()
    if screenshot:
        screenshot(page, "mkt-03-task")
    page.get_by_role("link", name="Place a bid").click()
    today = timezone.localdate()
    page.get_by_label("Your price").fill(price)
    for number, (title, amount) in enumerate(milestones, start=1):
        if number > 1:  # the script shows one row at a time
            page.locator("[data-milestone-add]").click()
        page.get_by_label(f"Milestone {number}: title").fill(title)
        page.get_by_label(f"Milestone {number}: amount").fill(amount)
        page.get_by_label(f"Milestone {number}: due date").fill((today + timedelta(days=10 * number)).isoformat())
    page.get_by_label("Earliest start").fill((today + timedelta(days=2)).isoformat())
    page.get_by_label("Delivery date").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("Availability").fill("20")
    page.get_by_label("Cover letter").fill("We keep the books of forty small firms; Xero certified.")
    if screenshot:
        screenshot(page, "mkt-04-bid-form")
    page.get_by_role("button", name="Send bid").click()
    page.wait_for_load_state()


def test_client_posts_suppliers_bid_client_compares_and_accepts(page_factory, screenshot, live_server, settings):
    settings.SITE_URL = live_server.url
    client_owner = UserFactory(email="owner@client.test")
    client = account_services.create_organization(
        actor=client_owner, name="Harbour Foods", country="DE", city="Hamburg", time_zone="Europe/Berlin"
    )
    ledger_owner = UserFactory(email="owner@ledger.test")
    account_services.create_organization(
        actor=ledger_owner,
        name="Ledger & Co",
        country="DE",
        city="Berlin",
        time_zone="Europe/Berlin",
        skills=["Bookkeeping"],
    )
    tally_owner = UserFactory(email="owner@tally.test")
    account_services.create_organization(
        actor=tally_owner,
        name="Tally Partners",
        country="PT",
        city="Lisbon",
        time_zone="Europe/Lisbon",
        skills=["Bookkeeping"],
    )

    # Given the client posts a task with an in-house cost estimate
    page = page_factory()
    sign_in(page, client_owner.email)
    switch_to(page, "Harbour Foods")
    page.goto("/tasks/new/")
    page.get_by_label("Title").fill("Quarterly bookkeeping for a food importer")
    page.get_by_label("Description").fill("Keep our books in Xero and prepare the **quarterly** VAT returns.")
    page.get_by_label("Category").select_option(label="Accounting and bookkeeping")
    page.get_by_label("Skills").fill("Bookkeeping, Xero")
    page.locator("#id_budget_amount").fill("3,000.00")
    page.get_by_label("Deadline").fill((timezone.localdate() + timedelta(days=90)).isoformat())
    closes = timezone.localtime() + timedelta(days=14)
    page.get_by_label("Bidding closes").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("In-house cost estimate").fill("4,500.00")
    screenshot(page, "mkt-01-post-task")
    page.get_by_role("button", name="Publish task").click()
    page.wait_for_load_state()
    task = Task.objects.get(title="Quarterly bookkeeping for a food importer")
    assert (task.status, task.in_house_cost_estimate, task.budget_amount) == ("open", 450_000, 300_000)

    # When two suppliers find it by search and bid
    ledger_page = page_factory()
    sign_in(ledger_page, ledger_owner.email)
    switch_to(ledger_page, "Ledger & Co")
    bid(
        ledger_page,
        task.title,
        price="2,400.00",
        milestones=[("Catch-up and set-up", "900.00"), ("First quarter", "1,500.00")],
        screenshot=screenshot,
    )
    tally_page = page_factory()
    sign_in(tally_page, tally_owner.email)
    switch_to(tally_page, "Tally Partners")
    bid(tally_page, task.title, price="2,000.00", milestones=[("Whole job", "2,000.00")])
    ledger_bid = Bid.objects.get(task=task, supplier__name="Ledger & Co")
    tally_bid = Bid.objects.get(task=task, supplier__name="Tally Partners")
    assert (ledger_bid.amount, tally_bid.amount) == (240_000, 200_000)

    # And the client compares them, weighting location heavily
    page.goto(f"/tasks/{task.pk}/compare/")
    assert page.get_by_text(re.compile("saves|saving", re.I)).count() >= 1
    page.get_by_text("Change weights").click()  # the weights fold away under one line; the bids come first
    page.get_by_label("Location").fill("5")
    page.get_by_label("Price").fill("1")
    page.get_by_role("button", name="Save weights").click()
    page.wait_for_load_state()
    task.refresh_from_db()
    assert task.comparison_weights["geography"] == 5
    assert task.comparison_weights["price"] == 1
    screenshot(page, "mkt-05-comparison")

    # Then accepting the Berlin bookkeeper awards the task
    page.get_by_role("button", name=re.compile("Accept… bid of Ledger & Co")).click()
    page.get_by_role("button", name="Accept and draft the contract").click()
    page.wait_for_load_state()
    screenshot(page, "mkt-06-accepted")

    ledger_bid.refresh_from_db()
    tally_bid.refresh_from_db()
    task.refresh_from_db()
    assert (task.status, ledger_bid.status, tally_bid.status) == ("awarded", "accepted", "declined")
    contract = Contract.objects.get(bid=ledger_bid)
    assert (contract.client, contract.supplier.name, contract.terms.total) == (client, "Ledger & Co", 240_000)
    assert contract.milestones.count() == 2
