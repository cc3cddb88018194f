"""In a real browser, a client ends an active contract because it takes the work back in-house: the contract
page offers it, a confirmation says what happens (the notice, what is cancelled, what is left to settle), and
the task page says the work was taken back."""

from __future__ import annotations

import re

import pytest

from accounts.models import Membership
from contracts.models import ContractMilestone, ContractStatus, EndKind
from contracts.tests.conftest import make_active
from tests.browser.demo import seed_demo, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_takes_the_work_back_in_house(page_factory, screenshot):
    demo = seed_demo()
    client, supplier = demo.contract.client, demo.contract.supplier
    for organization in (client, supplier):
        organization.owner = Membership.objects.get(organization=organization, role="owner").user  # type: ignore[attr-defined]
    contract = make_active(demo.contract, client, supplier)
    ContractMilestone.objects.filter(pk=contract.milestones.order_by("id")[0].pk).update(status="funded")
    page = page_factory(width=1366, height=900)
    sign_in(page, "alice@demo.test", "Northwind Trading")

    # Given the active contract's page, with its "End the contract" box
    page.goto(f"/contracts/{contract.pk}/")
    assert page.get_by_role("heading", name="End the contract").is_visible()
    page.get_by_label("Why the contract ends").fill("Our new hire does the catalogue <from now on>.")
    page.get_by_label("We are taking the work back in-house").check()
    screenshot(page, "contract-end-1366")

    # When she continues, the confirmation says what happens, and nothing has changed yet
    page.get_by_role("button", name="End the contract…").click()
    page.wait_for_url(re.compile(r"/end/$"))
    assert page.get_by_text("days' notice").first.is_visible()
    assert page.get_by_text("does not move money yet").is_visible()
    screenshot(page, "contract-end-confirm-1366")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE

    # Then she confirms: the contract is ended, taken back in-house, and the task page says so, escaped
    page.get_by_role("button", name="End the contract", exact=True).click()
    page.wait_for_url(re.compile(rf"/contracts/{contract.pk}/$"))
    assert page.get_by_role("heading", name="Taken back in-house").is_visible()
    screenshot(page, "contract-ended-1366")
    contract.refresh_from_db()
    assert (contract.status, contract.end_kind) == (ContractStatus.TERMINATED, EndKind.INSOURCED)
    page.goto(f"/tasks/{contract.task_id}/")
    assert page.get_by_text("Our new hire does the catalogue <from now on>.").is_visible()
