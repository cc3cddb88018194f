"""Every main page, as the demo's people see it, passes axe-core (the audit itself is in accessibility.py).

The other journeys are audited too, but they go where their story goes; this
one walks the product's pages one by one with the demo data (``seed_demo``),
as a visitor, as the client (Alice at Northwind Trading) and as a supplier
(Bob at Pixel & Pine Studio), so a page nobody's story visits is still covered.
"""

from __future__ import annotations

import pytest

from tests.browser.demo import seed_demo, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def visit(page, path: str, screenshot=None, name: str = "") -> None:  # type: ignore[no-untyped-def]
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, f"{path} answered {response.status}"
    if screenshot and name:
        screenshot(page, f"a11y-{name}")


def test_every_main_page_passes_axe_for_visitors_clients_and_suppliers(page_factory, accessibility, screenshot):
    demo = seed_demo()
    pixel, bid, task, thread, unbid = demo.pixel, demo.bid, demo.task, demo.thread, demo.unbid

    # A visitor: the public pages and the doors in.
    visitor = page_factory()
    for path, name in [
        ("/", "home"),
        ("/tasks/", "browse"),
        ("/tasks/?q=bookkeeping", "search"),
        (f"/tasks/{task.pk}/", "task-public"),
        ("/suppliers/", "suppliers"),
        (pixel.get_absolute_url(), "organization-public"),
        ("/accounts/login/", "login"),
        ("/accounts/signup/", "signup"),
        ("/accounts/password/reset/", "password-reset"),
    ]:
        visit(visitor, path, screenshot, name)

    # The client: dashboard, own tasks, the bids on them, the comparison, messages, settings.
    alice = page_factory()
    sign_in(alice, "alice@demo.test", "Northwind Trading")
    for path, name in [
        ("/", "dashboard"),
        ("/my-tasks/", "my-tasks"),
        ("/tasks/new/", "task-new"),
        (f"/tasks/{task.pk}/", "task-client"),
        (f"/tasks/{task.pk}/edit/", "task-edit"),
        (f"/tasks/{task.pk}/bids/", "task-bids"),
        (f"/tasks/{task.pk}/compare/", "comparison"),
        (f"/bids/{bid.pk}/", "bid-client"),
        ("/messages/", "messages"),
        (f"/messages/{thread.pk}/", "thread-client"),
        ("/suppliers/", "suppliers-client"),
        ("/contracts/", "contracts"),
        (f"/contracts/{demo.contract.pk}/", "contract-client"),
        (f"/contracts/{demo.contract.pk}/versions/2/", "contract-version"),
        (f"/contracts/{demo.contract.pk}/changes/1...2/", "contract-changes"),
        (f"/contracts/{demo.contract.pk}/propose/", "contract-propose"),
        ("/organizations/", "organizations"),
        ("/organizations/new/", "organization-new"),
        ("/settings/", "settings"),
        ("/settings/organization/", "settings-organization"),
        ("/settings/members/", "settings-members"),
        ("/settings/profile/", "settings-profile"),
        ("/settings/api-tokens/", "settings-api-tokens"),
        ("/accounts/email/", "settings-email"),
        ("/accounts/password/change/", "settings-password"),
        ("/accounts/2fa/", "settings-2fa"),
    ]:
        visit(alice, path, screenshot, name)

    # The supplier: browse and search as a bidder, a bid form, their bids, the conversation, saved searches.
    bob = page_factory()
    sign_in(bob, "bob@demo.test", "Pixel & Pine Studio")
    for path, name in [
        ("/", "dashboard-supplier"),
        ("/tasks/", "browse-supplier"),
        (f"/tasks/{task.pk}/", "task-supplier"),
        (f"/tasks/{unbid.pk}/bid/", "bid-new"),
        ("/bids/", "bids"),
        (f"/bids/{bid.pk}/", "bid-supplier"),
        (f"/bids/{bid.pk}/edit/", "bid-edit"),
        ("/messages/", "messages-supplier"),
        (f"/messages/{thread.pk}/", "thread-supplier"),
        ("/saved-searches/", "saved-searches"),
    ]:
        visit(bob, path, screenshot, name)

    # The home of each side at a laptop's width: the client's queue, the suppliers' (Carol's has an invitation
    # she answered and bids waiting), and an empty one with the next step of its side.
    for email, organization, name in [
        ("alice@demo.test", "Northwind Trading", "home-1366-client"),
        ("bob@demo.test", "Pixel & Pine Studio", "home-1366-supplier-bob"),
        ("carol@demo.test", "Ledgerly Accounting", "home-1366-supplier-carol"),
    ]:
        laptop = page_factory(width=1366, height=900)
        sign_in(laptop, email, organization)
        visit(laptop, "/", screenshot, name)

    # On a phone the header folds (the organization's name goes out of sight) and the columns stack.
    phone = page_factory(width=390, height=844)
    sign_in(phone, "alice@demo.test", "Northwind Trading")
    for path, name in [
        ("/", "phone-dashboard"),
        ("/settings/", "phone-settings"),
        ("/suppliers/", "phone-suppliers"),
        (f"/tasks/{task.pk}/compare/", "phone-comparison"),
    ]:
        visit(phone, path, screenshot, name)
    for email, organization, name in [
        ("bob@demo.test", "Pixel & Pine Studio", "phone-dashboard-supplier-bob"),
        ("carol@demo.test", "Ledgerly Accounting", "phone-dashboard-supplier-carol"),
    ]:
        supplier_phone = page_factory(width=390, height=844)
        sign_in(supplier_phone, email, organization)
        visit(supplier_phone, "/", screenshot, name)

    # Every page above was audited (the violations, if any, fail the test after its last step).
    audited = accessibility.audited_paths()
    for path in [
        "/suppliers/",
        f"/tasks/{task.pk}/compare/",
        "/bids/",
        "/messages/",
        "/settings/members/",
        "/",
        "/settings/",
    ]:
        assert path in audited, f"{path} was not audited"
