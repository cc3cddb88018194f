"""In a real browser, a form that posts is sent once while its request is in flight (static/js/submit-once.js).

The server answers a second copy of a form with what the first did (tests/test_double_submits.py); here the
page does not even send it: the second click is ignored and the buttons are disabled until the answer comes,
without losing which button was clicked, and they work again after "back" or after the server refused the form.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services as account_services
from marketplace.models import Task
from tests.browser.test_marketplace_journey import sign_in, switch_to
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLISH = "button[name=action][value=publish]"


@pytest.fixture
def task_form_page(page_factory, live_server):  # type: ignore[no-untyped-def]
    """A client on the new-task form, filled in, with the form's POSTs counted."""
    owner = UserFactory(email="owner@client.test")
    account_services.create_organization(actor=owner, name="Harbour Foods")
    page = page_factory()
    sign_in(page, owner.email)
    switch_to(page, "Harbour Foods")
    page.goto("/tasks/new/")
    page.get_by_label("Title").fill("Quarterly bookkeeping")
    page.get_by_label("Description").fill("Keep our books in Xero.")
    page.get_by_label("Category").select_option(label="Accounting and bookkeeping")
    page.locator("#id_budget_amount").fill("3,000.00")
    page.get_by_label("Deadline").fill((timezone.localdate() + timedelta(days=90)).isoformat())
    page.get_by_label("Bidding closes").fill((timezone.localtime() + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    page.posts = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.posts.append(request.url) if request.method == "POST" else None)  # type: ignore[attr-defined]
    return page


def test_a_double_click_sends_the_form_once_keeps_the_clicked_button_and_disables_it_meanwhile(task_form_page):
    page = task_form_page
    # What the page did while the request was in flight, kept across the navigation for the test to read.
    page.evaluate(
        """selector => {
            const button = document.querySelector(selector);
            new MutationObserver(() => {
                if (button.disabled) sessionStorage.setItem("publish-disabled-in-flight", "yes");
                if (button.hasAttribute("data-sending")) sessionStorage.setItem("publish-spinning-in-flight", "yes");
            }).observe(button, {attributes: true});
        }""",
        PUBLISH,
    )

    # When the user clicks "Publish task" twice in a row
    page.locator(PUBLISH).evaluate("button => { button.click(); button.click(); }")
    page.wait_for_url(re.compile(r"/tasks/\d+/$"))

    # Then one request was sent, the buttons waited for its answer, and the task was published:
    # the clicked button's value was sent although the button was disabled
    assert len(page.posts) == 1  # type: ignore[attr-defined]
    assert page.evaluate("() => sessionStorage.getItem('publish-disabled-in-flight')") == "yes"
    assert page.evaluate("() => sessionStorage.getItem('publish-spinning-in-flight')") == "yes"  # progress shown
    task = Task.objects.get(title="Quarterly bookkeeping")
    assert task.status == "open"


def test_back_to_a_sent_form_finds_its_buttons_working_again(task_form_page):
    page = task_form_page
    page.locator("button[name=action][value=draft]").click()
    page.wait_for_url(re.compile(r"/tasks/\d+/$"))

    page.go_back()

    page.wait_for_function(f"() => !document.querySelector('{PUBLISH}').disabled")
    assert page.locator("form.task-form").get_attribute("data-submitting") is None
    assert page.locator("form.task-form [data-sending]").count() == 0  # no spinner left turning


def test_a_form_the_server_refused_can_be_corrected_and_sent(task_form_page):
    page = task_form_page
    page.get_by_label("Title").fill("   ")  # blank once trimmed: the browser lets it through, the server does not

    page.locator(PUBLISH).click()
    page.wait_for_load_state()

    assert page.locator(PUBLISH).is_enabled()
    page.get_by_label("Title").fill("Quarterly bookkeeping")
    page.locator(PUBLISH).click()
    page.wait_for_url(re.compile(r"/tasks/\d+/$"))
    assert Task.objects.filter(title="Quarterly bookkeeping", status="open").count() == 1


def test_a_declined_confirmation_leaves_the_form_ready(page_factory, live_server):  # type: ignore[no-untyped-def]
    owner = UserFactory(email="owner@client.test")
    organization = account_services.create_organization(actor=owner, name="Harbour Foods")
    from marketplace import services
    from tests.factories import task_input

    task = services.create_task(actor=owner, organization=organization, data=task_input(), publish=True)
    page = page_factory()
    sign_in(page, owner.email)
    switch_to(page, "Harbour Foods")
    page.goto(f"/tasks/{task.pk}/")

    browser_boxes: list[str] = []  # the browser's own confirm() would land here
    page.on("dialog", lambda dialog: (browser_boxes.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel task").click()

    asking = page.get_by_role("dialog")
    assert "Suppliers who bid are told" in asking.inner_text()
    asking.get_by_role("button", name="Keep it").click()
    assert not asking.is_visible()
    assert page.locator("form[data-submitting]").count() == 0
    assert page.get_by_role("button", name="Cancel task", exact=True).is_enabled()
    task.refresh_from_db()
    assert task.status == "open"

    page.get_by_role("button", name="Cancel task", exact=True).click()
    with page.expect_navigation():
        asking.get_by_role("button", name="Cancel task").click()  # the dialog names the action as the page does
    task.refresh_from_db()
    assert task.status == "cancelled"
    assert browser_boxes == []
