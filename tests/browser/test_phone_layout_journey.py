"""Every main page fits a phone: nothing wider than a 390 px screen, and what a page is for comes first.

The journeys of the visitor, the client (Alice at Northwind Trading) and the
supplier (Bob at Pixel & Pine Studio) are walked twice, on a 1366 px desktop and
on a 390 x 844 phone, over the demo data (``seed_demo``). Each page is saved as
a screenshot at both widths (``var/screenshots/journeys/layout-<width>-<page>.png``)
for a person to look at; on the phone the test measures:

- the page's width: ``document.documentElement.scrollWidth`` is at most 390, so
  nothing scrolls sideways into blank space (a table reflows, the header folds);
- on Find work, the first task's title is on the first screen (the filters fold
  behind a "Filters" button instead of coming first);
- on a task page, the bid action (Place a bid, Sign in to bid, View your bid)
  is on the first screen, for the task's client its Review bids, and on the
  comparison the leading bid (the weights fold away);
- the header's menu button discloses the navigation, and the Filters button
  the filters, each telling assistive technology whether it is open.

Every page found wanting is reported at once, with its measurement.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.demo import Demo, seed_demo, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)
DESKTOP = (1366, 900)
FIRST_TASK = ".task-card .task-card-title"
BID_ACTION = ".terms-actions .btn"  # Place a bid, Sign in to bid, View your bid
FIRST_SUPPLIER = ".supplier-card-title"
CLIENT_BIDS = ".client-action-bar .btn"  # the client's Review bids, pinned under the description
LEADING_BID = ".cmp-leader h2"  # the comparison's best (or only) bid, above the table

# The page's width, and how far down the given element ends (None: not on the page).
MEASURE = """
(selector) => {
  const element = selector ? document.querySelector(selector) : null;
  return {
    width: document.documentElement.scrollWidth,
    bottom: element ? Math.round(element.getBoundingClientRect().bottom + window.scrollY) : null,
  };
}
"""


def journeys(demo: Demo) -> list[tuple[tuple[str, str] | None, list[tuple[str, str, str]]]]:
    """Who walks (email and organization, None for a visitor) and the pages: path, name, what must be on screen."""
    task, unbid, bid, thread, contract = demo.task, demo.unbid, demo.bid, demo.thread, demo.contract
    visitor = [
        ("/", "home", ""),
        ("/tasks/", "browse", FIRST_TASK),
        ("/tasks/?q=bookkeeping", "search", FIRST_TASK),
        (f"/tasks/{task.pk}/", "task-public", BID_ACTION),
        (demo.pixel.get_absolute_url(), "organization-public", ""),
        ("/accounts/login/", "login", ""),
        ("/accounts/signup/", "signup", ""),
    ]
    client = [
        ("/", "dashboard", ""),
        ("/my-tasks/", "my-tasks", ""),
        ("/tasks/new/", "task-new", ""),
        (f"/tasks/{task.pk}/", "task-client", CLIENT_BIDS),
        (f"/tasks/{task.pk}/edit/", "task-edit", ""),
        (f"/tasks/{task.pk}/bids/", "task-bids", ""),
        (f"/tasks/{task.pk}/compare/", "comparison", LEADING_BID),
        (f"/bids/{bid.pk}/", "bid-client", ""),
        ("/messages/", "messages", ""),
        (f"/messages/{thread.pk}/", "thread-client", ""),
        ("/suppliers/", "suppliers", FIRST_SUPPLIER),
        ("/contracts/", "contracts", ""),
        (f"/contracts/{contract.pk}/", "contract-client", ""),
        (f"/contracts/{contract.pk}/versions/2/", "contract-version", ""),
        (f"/contracts/{contract.pk}/changes/1...2/", "contract-changes", ""),
        (f"/contracts/{contract.pk}/propose/", "contract-propose", ""),
        ("/organizations/", "organizations", ""),
        ("/settings/organization/", "settings-organization", ""),
        ("/settings/members/", "settings-members", ""),
        ("/settings/profile/", "settings-profile", ""),
        ("/settings/api-tokens/", "settings-api-tokens", ""),
    ]
    supplier = [
        ("/", "dashboard-supplier", ""),
        ("/tasks/", "browse-supplier", FIRST_TASK),
        ("/tasks/?location_type=remote&budget_type=fixed", "browse-filtered", FIRST_TASK),
        (f"/tasks/{task.pk}/", "task-supplier-bid", BID_ACTION),
        (f"/tasks/{unbid.pk}/", "task-supplier", BID_ACTION),
        (f"/tasks/{unbid.pk}/bid/", "bid-new", ""),
        ("/bids/", "bids", ""),
        (f"/bids/{bid.pk}/", "bid-supplier", ""),
        (f"/bids/{bid.pk}/edit/", "bid-edit", ""),
        ("/messages/", "messages-supplier", ""),
        (f"/messages/{thread.pk}/", "thread-supplier", ""),
        ("/saved-searches/", "saved-searches", ""),
        ("/contracts/", "contracts-supplier", ""),
    ]
    return [
        (None, visitor),
        (("alice@demo.test", "Northwind Trading"), client),
        (("bob@demo.test", "Pixel & Pine Studio"), supplier),
    ]


def test_every_main_page_fits_a_phone_for_visitors_clients_and_suppliers(page_factory, screenshot):
    problems: list[str] = []
    log: list[str] = []
    for person, pages in journeys(seed_demo()):
        desktop = page_factory(width=DESKTOP[0], height=DESKTOP[1])
        phone = page_factory(width=PHONE[0], height=PHONE[1])
        if person:
            sign_in(desktop, *person)
            sign_in(phone, *person)
        for path, name, first_screen in pages:
            for page, width in ((desktop, DESKTOP[0]), (phone, PHONE[0])):
                response = page.goto(path)
                assert response is not None
                assert response.status == 200, f"{path} answered {response.status}"
                screenshot(page, f"layout-{width}-{name}")
            measured: dict[str, Any] = phone.evaluate(MEASURE, first_screen)
            where = f"{name} ({path})"
            log.append(
                f"{where}: {measured['width']} px wide"
                + (f", {first_screen} ends {measured['bottom']} px down" if first_screen else "")
            )
            if measured["width"] > PHONE[0]:
                problems.append(f"{where} is {measured['width']} px wide")
            if first_screen and (measured["bottom"] is None or measured["bottom"] > PHONE[1]):
                problems.append(f"{where}: {first_screen} is not on the first screen (ends at {measured['bottom']})")

    SCREENSHOTS.joinpath(f"layout-{PHONE[0]}-measurements.txt").write_text("\n".join(log) + "\n")
    assert not problems, f"On a {PHONE[0]} x {PHONE[1]} phone:\n" + "\n".join(problems)


def test_on_a_phone_the_menu_and_the_filters_open_from_their_buttons(page_factory, screenshot):
    seed_demo()
    phone = page_factory(width=PHONE[0], height=PHONE[1])
    sign_in(phone, "bob@demo.test", "Pixel & Pine Studio")
    phone.goto("/tasks/?location_type=remote&budget_type=fixed")

    # The navigation is folded behind the menu button; the button opens it, Escape closes it again.
    menu = phone.get_by_role("button", name="Menu")
    navigation = phone.locator(".site-header nav[aria-label=Main]")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not navigation.is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    links = navigation.get_by_role("link")
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box is not None
        assert 0 <= box["x"] <= box["x"] + box["width"] <= PHONE[0], "a link is cut off"
    screenshot(phone, "layout-390-menu-open")
    phone.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert menu.evaluate("(button) => button === document.activeElement")

    # The filters: folded, the button counts those in use (remote, fixed); from the keyboard it opens them.
    filters = phone.get_by_role("button", name=re.compile(r"^Filters"))
    assert filters.get_attribute("aria-expanded") == "false"
    assert "2" in filters.inner_text()
    assert not phone.get_by_label("Category").is_visible()
    filters.focus()
    phone.keyboard.press("Enter")
    assert filters.get_attribute("aria-expanded") == "true"
    assert phone.get_by_label("Category").is_visible()
    screenshot(phone, "layout-390-filters-open")

    # A desktop shows neither button: the navigation and the filters are simply there.
    desktop = page_factory(width=DESKTOP[0], height=DESKTOP[1])
    sign_in(desktop, "bob@demo.test", "Pixel & Pine Studio")
    desktop.goto("/tasks/")
    assert not desktop.get_by_role("button", name="Menu").is_visible()
    assert not desktop.get_by_role("button", name=re.compile(r"^Filters")).is_visible()
    assert desktop.get_by_label("Category").is_visible()
