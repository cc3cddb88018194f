"""The signed-in home is a work queue, and the header's tabs and the empty states follow the organization's sides."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from contracts import services as contract_services
from marketplace import services
from marketplace.models import Thread
from tests.factories import OrganizationFactory, bid_input, make_member, open_task
from tests.support import signed_in

pytestmark = pytest.mark.django_db


def page(client, name: str = "home") -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, title_id: str) -> str:
    """The markup of the home's card labelled by ``title_id`` (empty when the page has none)."""
    match = re.search(rf'<section class="card queue[^"]*" aria-labelledby="{title_id}">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def tabs(html: str) -> list[str]:
    nav = html[html.index('<nav class="primary-nav"') : html.index("</nav>")]
    return [re.sub(r"<[^>]+>.*", "", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]


def supplier_org(name: str) -> Organization:
    organization = OrganizationFactory(name=name, skills=["payroll"])
    organization.owner = make_member(organization, role="owner")
    return organization


@pytest.fixture
def supplier():
    return supplier_org("Ledgerly Accounting")


def bid(task, supplier):  # type: ignore[no-untyped-def]
    return services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())


# --- the client's queue ----------------------------------------------------------------------------------


def test_a_client_sees_its_open_tasks_with_bids_to_decide_linked_to_the_bids(firm, supplier):
    waiting = open_task(firm, title="Monthly payroll")
    bid(waiting, supplier)
    services.shortlist_bid(actor=firm.owner, bid=bid(waiting, supplier_org("Payroll Partners")))
    open_task(firm, title="Quiet task")  # no bids: nothing to decide

    html = page(signed_in(firm.owner, firm))

    decisions = section(html, "decisions-title")
    assert "Monthly payroll" in decisions
    assert "2 bids waiting, 1 shortlisted" in decisions
    assert reverse("task-bids", kwargs={"task_id": waiting.pk}) in decisions
    assert "Quiet task" not in decisions
    assert re.search(r"<dt>Bids to decide</dt><dd>2</dd>", html)
    assert section(html, "invitations-title") == ""  # a client has no supplier's queue


def test_a_decided_bid_leaves_the_queue(firm, supplier):
    task = open_task(firm, title="Monthly payroll")
    services.decline_bid(actor=firm.owner, bid=bid(task, supplier), reason="Too far away")

    html = page(signed_in(firm.owner, firm))

    assert "Monthly payroll" not in section(html, "decisions-title")
    assert "No bid waits for your decision" in html


def test_dates_coming_are_bidding_closing_this_week_and_deadlines_within_two(firm):
    today = timezone.localdate()
    open_task(firm, title="Closing soon", bidding_closes_at=timezone.now() + timedelta(days=2))
    open_task(
        firm,
        title="Due soon",
        deadline=today + timedelta(days=10),
        bidding_closes_at=timezone.now() + timedelta(days=8),
    )
    open_task(firm, title="Far away", deadline=today + timedelta(days=60))

    dates = section(page(signed_in(firm.owner, firm)), "dates-title")

    assert "Closing soon" in dates
    assert "Bidding closes" in dates
    assert "Due soon" in dates
    assert "Deadline" in dates
    assert "Far away" not in dates


def test_another_organizations_work_never_shows(firm, supplier, other_firm):
    bid(open_task(firm, title="Northwind's payroll"), supplier)
    services.invite_supplier_to_bid(
        actor=firm.owner, task=open_task(firm, title="Invite-only audit"), supplier=supplier
    )

    html = page(signed_in(other_firm.owner, other_firm))

    assert "Northwind&#x27;s payroll" not in html
    assert "Northwind's payroll" not in html
    assert "Invite-only audit" not in html


# --- the supplier's queue ------------------------------------------------------------------------------


def test_a_supplier_sees_invitations_it_has_not_answered_and_its_bids(firm, supplier):
    invited = open_task(firm, title="Year-end review")
    answered = open_task(firm, title="Monthly bookkeeping")
    for task in (invited, answered):
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=supplier)
    bid(answered, supplier)

    html = page(signed_in(supplier.owner, supplier))

    invitations = section(html, "invitations-title")
    assert "Year-end review" in invitations
    assert reverse("bid-create", kwargs={"task_id": invited.pk}) in invitations
    assert "Monthly bookkeeping" not in invitations
    bids = section(html, "bids-title")
    assert "Monthly bookkeeping" in bids
    assert "Submitted" in bids
    assert "1 submitted · 0 shortlisted" in bids
    assert section(html, "decisions-title") == ""  # no tasks of its own: no client's queue


def test_an_organization_on_both_sides_sees_both_queues(firm, supplier):
    bid(open_task(supplier, title="Our own office cleaning"), supplier_org("Sparkle"))
    bid(open_task(firm, title="Monthly payroll"), supplier)

    html = page(signed_in(supplier.owner, supplier))

    assert "Our own office cleaning" in section(html, "decisions-title")
    assert "Monthly payroll" in section(html, "bids-title")
    assert "as a client and as a supplier" in html


# --- messages ----------------------------------------------------------------------------------------------


def test_unread_conversations_show_on_the_home_and_in_the_header_until_read(firm, supplier):
    task = open_task(firm, title="Monthly payroll")
    bid(task, supplier)
    thread = Thread.objects.get(task=task, supplier=supplier)
    services.send_message(actor=firm.owner, organization=firm, thread=thread, body="Our own message does not count")
    for body in ("Can we start on the 1st?", "And one more question"):
        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body=body)
    client = signed_in(firm.owner, firm)

    html = page(client)
    messages = section(html, "messages-title")
    assert supplier.name in messages
    assert reverse("thread-detail", kwargs={"thread_id": thread.pk}) in messages
    assert 'aria-label="2 unread"' in messages
    badge = '<span class="msg-unread nav-count">1<span class="visually-hidden"> unread</span></span>'
    assert f">Messages{badge}</a>" in html

    client.get(reverse("thread-detail", kwargs={"thread_id": thread.pk}))  # reading marks it read
    html = page(client, "client-dashboard")
    assert "nav-count" not in html
    assert supplier.name not in section(page(client), "messages-title")


def test_the_supplier_counts_only_what_the_client_sent(firm, supplier):
    task = open_task(firm)
    bid(task, supplier)
    thread = Thread.objects.get(task=task, supplier=supplier)
    services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Hello")

    assert "nav-count" not in page(signed_in(supplier.owner, supplier))


# --- the header's tabs and the empty states by side ----------------------------------------------------------


def test_the_header_shows_each_side_its_own_tabs(firm, supplier):
    assert tabs(page(signed_in(firm.owner, firm))) == ["Dashboard", "My tasks", "Messages", "Contracts", "Suppliers"]
    assert tabs(page(signed_in(supplier.owner, supplier))) == [
        "Dashboard",
        "Find work",
        "Bids",
        "Messages",
        "Contracts",
    ]

    open_task(supplier)  # it hires too
    both = tabs(page(signed_in(supplier.owner, supplier)))
    assert both == ["Dashboard", "My tasks", "Find work", "Bids", "Messages", "Contracts", "Suppliers"]


def footer_links(html: str) -> list[str]:
    nav = html[html.index('<nav class="footer-nav"') :]
    product = nav[nav.index("<h2>Product</h2>") : nav.index("</div>")]
    return [label.strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", product, re.S)]


def test_the_footer_links_the_sections_of_each_side_as_the_header_does(firm, supplier):
    assert footer_links(page(signed_in(firm.owner, firm))) == ["My tasks", "Messages", "Contracts", "Suppliers"]
    assert footer_links(page(signed_in(supplier.owner, supplier))) == ["Find work", "Bids", "Messages", "Contracts"]

    open_task(supplier)  # it hires too
    both = footer_links(page(signed_in(supplier.owner, supplier)))
    assert both == ["My tasks", "Find work", "Bids", "Messages", "Contracts", "Suppliers"]
    assert footer_links(page(Client())) == ["Find work", "How it works", "For businesses", "For suppliers"]


def test_a_client_opening_bids_is_sent_to_the_bids_on_its_tasks(firm, supplier):
    bid(open_task(firm), supplier)

    html = page(signed_in(firm.owner, firm), "bid-list")

    assert "send your first bid" not in html
    assert "Bids suppliers sent you are with each of your tasks" in html
    assert f'href="{reverse("client-dashboard")}">Bids on your tasks' in html


def test_a_supplier_opening_my_tasks_is_not_told_to_post_its_first_task(supplier):
    html = page(signed_in(supplier.owner, supplier), "client-dashboard")

    assert "Post your first task" not in html
    assert f'href="{reverse("task-list")}">Find work' in html


def test_a_supplier_without_bids_is_told_to_find_work(supplier):
    html = page(signed_in(supplier.owner, supplier), "bid-list")

    assert "send your first bid" in html


def test_titles_and_names_are_escaped(firm, supplier):
    task = open_task(firm, title="<script>alert(1)</script> payroll")
    services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=supplier)
    bid(task, supplier)

    for html in (page(signed_in(firm.owner, firm)), page(signed_in(supplier.owner, supplier))):
        assert "<script>alert(1)" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; payroll" in html


# --- cost ------------------------------------------------------------------------------------------------------


def test_the_home_costs_the_same_few_queries_for_one_row_of_each_list_or_many(firm, supplier):
    def build(rows: int):  # type: ignore[no-untyped-def]
        both = supplier_org(f"Both sides {rows}")
        client_firm = supplier_org(f"Client {rows}")
        for n in range(rows):
            own = open_task(both, title=f"Own task {n}", bidding_closes_at=timezone.now() + timedelta(days=2))
            bidder = supplier_org(f"Bidder {rows}-{n}")
            bid(own, bidder)
            thread = Thread.objects.get(task=own, supplier=bidder)
            services.send_message(actor=bidder.owner, organization=bidder, thread=thread, body="Hi")
            theirs = open_task(client_firm, title=f"Their task {n}")
            services.invite_supplier_to_bid(actor=client_firm.owner, task=theirs, supplier=both)
            bid(open_task(client_firm, title=f"Bid on {n}"), both)
            hired = bid(open_task(both, title=f"Hired {n}"), bidder)
            services.accept_bid(actor=both.owner, bid=hired)
            contract_services.send_for_signing(actor=both.owner, organization=both, contract=hired.contract)
        return signed_in(both.owner, both)

    def count(client) -> int:  # type: ignore[no-untyped-def]
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        return len(queries)

    one, many = count(build(1)), count(build(8))

    print(f"\nhome, both sides: {one} queries with one row of each list, {many} with eight")
    # The user with memberships, the header's activity, contracts to sign, decisions, dates, invitations, bids,
    # bid counts, threads.
    assert one == many == 9


def test_contracts_waiting_for_signatures_are_on_both_homes(firm, supplier):
    hired = bid(open_task(firm, title="Payroll <b>2026</b>"), supplier)
    services.accept_bid(actor=firm.owner, bid=hired)
    assert "Contracts to sign" not in page(signed_in(firm.owner, firm))  # a draft waits for no signature

    contract_services.send_for_signing(actor=firm.owner, organization=firm, contract=hired.contract)
    contract_services.give_consent(user=firm.owner)
    contract = hired.contract
    contract.refresh_from_db()
    contract_services.sign(
        actor=firm.owner,
        organization=firm,
        contract=contract,
        data=contract_services.SignatureInput(sha256=contract.current_version.sha256, method="typed", typed_name="A"),
    )

    as_client, as_supplier = page(signed_in(firm.owner, firm)), page(signed_in(supplier.owner, supplier))
    url = reverse("contract-detail", kwargs={"contract_id": contract.pk})
    assert url in as_client
    assert "Waiting for them" in as_client
    assert url in as_supplier
    assert "Your signature" in as_supplier
    assert "Payroll &lt;b&gt;2026&lt;/b&gt;" in as_supplier
