"""The bid pages: the form, both sides' lists, the bid, its actions, its files, and the comparison.

Every view is checked for an anonymous visitor (sent to log in), another
organization's member (404 for every id, nothing changed), a member of the
right side without the permission (refused, nothing changed) and the happy
path, with the database state asserted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from accounts.tenancy import SESSION_KEY
from contracts.models import Contract
from marketplace import services
from marketplace.comparison import DEFAULT_WEIGHTS
from marketplace.models import Bid, BidAttachment, BidMilestone, Task
from tests.factories import OrganizationFactory, bid_input, make_member, open_task
from tests.support import count_queries

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def login(user: Any, organization: Organization) -> Client:
    """A browser signed in as ``user``, acting for ``organization``."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = organization.pk
    session.save()
    return client


def pdf(name: str = "offer.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4 offer" + b"0" * size
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def supplier_org(name: str, **profile: Any) -> Organization:
    organization = OrganizationFactory(name=name, **profile)
    organization.owner = make_member(organization, role="owner")
    return organization


def form_data(**overrides: Any) -> dict[str, Any]:
    """A valid posted fixed-price bid of 2,800.00 in two milestones, typed as a person would."""
    today = TODAY()
    data: dict[str, Any] = {
        "amount": "2,800.00",
        "start_date": (today + timedelta(days=3)).isoformat(),
        "delivery_date": (today + timedelta(days=45)).isoformat(),
        "availability_hours_per_week": "20",
        "cover_letter": "We run payroll for 120 firms like yours.",
        "milestones-TOTAL_FORMS": "5",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "20",
        "milestones-0-title": "Set-up and migration",
        "milestones-0-amount": "800",
        "milestones-0-due_date": (today + timedelta(days=10)).isoformat(),
        "milestones-1-title": "First two payroll runs",
        "milestones-1-amount": "2000.00",
        "milestones-1-due_date": (today + timedelta(days=45)).isoformat(),
    }
    for row in range(2, 5):
        data.update({f"milestones-{row}-title": "", f"milestones-{row}-amount": "", f"milestones-{row}-due_date": ""})
    data.update(overrides)
    return data


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def bid_state(bid: Bid) -> tuple[Any, ...]:
    bid = Bid.objects.get(pk=bid.pk)
    milestones = tuple(BidMilestone.objects.filter(bid=bid).values_list("title", "amount", "due_date"))
    return (bid.status, bid.amount, bid.decline_reason, bid.updated_at, milestones, bid.attachments.count())


@pytest.fixture
def world(firm, other_firm):  # type: ignore[no-untyped-def]
    """A client firm with an open task, a plain member, a bidder (other_firm) with a bid, and an outsider."""
    task = open_task(firm)
    bid = services.submit_bid(
        actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input(), attachments=[pdf()]
    )
    member = make_member(firm, role="member")
    outsider = supplier_org("Initech")
    return type(
        "World",
        (),
        {"client": firm, "supplier": other_firm, "task": task, "bid": bid, "member": member, "outsider": outsider},
    )


# --- bid-create -------------------------------------------------------------------------------


class TestBidCreate:
    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        url = reverse("bid-create", kwargs={"task_id": world.task.pk})

        assert is_login_redirect(Client().get(url))
        assert is_login_redirect(Client().post(url, form_data()))

    def test_a_task_the_organization_cannot_see_is_404_and_nothing_is_created(self, firm):
        hidden = open_task(firm, visibility="invite_only")
        stranger = supplier_org("Stranger")
        client = login(stranger.owner, stranger)
        url = reverse("bid-create", kwargs={"task_id": hidden.pk})

        assert client.get(url).status_code == 404
        assert client.post(url, form_data()).status_code == 404
        assert not Bid.objects.filter(task=hidden).exists()

    def test_the_form_offers_five_milestone_rows_and_shows_the_task(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).get(reverse("bid-create", kwargs={"task_id": task.pk}))

        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="milestones-4-title"' in html
        assert 'name="milestones-5-title"' not in html
        assert task.title in html
        assert "€3,000.00" in html  # the budget, in the task summary
        assert "€4,500.00" not in html  # the client's in-house estimate is private

    def test_a_supplier_bids_with_milestones_and_a_file(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), {**form_data(), "attachments": [pdf("quote.pdf")]}
        )

        bid = Bid.objects.get(task=task, supplier=bidder)
        assert response.status_code == 302
        assert response["Location"] == reverse("bid-detail", kwargs={"bid_id": bid.pk})
        assert bid.amount == 280_000
        assert bid.created_by == bidder.owner
        assert list(bid.milestones.values_list("title", "amount")) == [
            ("Set-up and migration", 80_000),
            ("First two payroll runs", 200_000),
        ]
        assert list(bid.attachments.values_list("original_name", flat=True)) == ["quote.pdf"]

    def test_the_supplier_is_the_acting_organization_whatever_the_form_says(self, firm, other_firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), form_data(supplier=other_firm.pk)
        )

        assert list(Bid.objects.filter(task=task).values_list("supplier_id", flat=True)) == [bidder.pk]

    def test_rows_added_by_the_script_are_read_too(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")
        due = (TODAY() + timedelta(days=20)).isoformat()
        extra = {
            "milestones-TOTAL_FORMS": "7",
            "milestones-1-amount": "1000",
            "milestones-6-title": "Year-end filing",
            "milestones-6-amount": "1000",
            "milestones-6-due_date": due,
        }

        login(bidder.owner, bidder).post(reverse("bid-create", kwargs={"task_id": task.pk}), form_data(**extra))

        bid = Bid.objects.get(task=task)
        assert list(bid.milestones.values_list("position", "title")) == [
            (1, "Set-up and migration"),
            (2, "First two payroll runs"),
            (3, "Year-end filing"),
        ]

    def test_an_hourly_task_asks_for_a_rate_and_hours(self, firm):
        task = open_task(
            firm, budget_type="hourly", budget_amount=None, hourly_rate_min=4_000, hourly_rate_max=6_000, hours_cap=100
        )
        bidder = supplier_org("Bidder")
        client = login(bidder.owner, bidder)
        url = reverse("bid-create", kwargs={"task_id": task.pk})

        page = client.get(url).content.decode()
        response = client.post(url, {**form_data(), "amount": "", "hourly_rate": "55.50", "estimated_hours": "40"})

        assert 'name="hourly_rate"' in page
        assert 'name="milestones-0-title"' not in page
        bid = Bid.objects.get(task=task)
        assert response.status_code == 302
        assert (bid.hourly_rate, bid.estimated_hours, bid.amount) == (5_550, 40, 222_000)
        assert not bid.milestones.exists()

    def test_milestones_that_do_not_add_up_are_reported_above_the_rows_and_nothing_is_saved(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), form_data(**{"milestones-1-amount": "1,500"})
        )

        assert response.status_code == 400
        assert response.context["milestone_errors"] == ["The milestones must add up to the price."]
        assert 'id="milestones-errors"' in response.content.decode()
        assert not Bid.objects.exists()
        assert not BidMilestone.objects.exists()

    def test_a_half_filled_milestone_row_is_reported_in_its_row(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), form_data(**{"milestones-2-title": "Extra"})
        )

        rows = response.context["milestones"]
        assert rows.forms[2].errors == {
            "amount": ["Enter the milestone's amount."],
            "due_date": ["When is it due?"],
        }
        assert "ms-row-invalid" in response.content.decode()
        assert not Bid.objects.exists()

    def test_the_other_rules_are_reported_beside_an_unreadable_row(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}),
            form_data(availability_hours_per_week="0", **{"milestones-2-title": "Extra"}),
        )

        assert response.context["form"].errors["availability_hours_per_week"] == [
            "Give the hours a week you can work on this (1 to 168)."
        ]
        assert response.context["milestone_errors"] == []  # the plan is judged once every row can be read
        assert not Bid.objects.exists()

    def test_blank_required_fields_are_asked_for_next_to_each(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), form_data(cover_letter=" ", start_date="")
        )

        errors = response.context["form"].errors
        assert errors["cover_letter"] == ["Tell the client why you are the right choice."]
        assert errors["start_date"] == ["When can you start?"]
        assert not Bid.objects.exists()

    def test_a_missing_price_is_asked_for_next_to_the_price(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), form_data(amount="")
        )

        assert response.context["form"].errors["amount"] == ["Enter your price."]
        assert not Bid.objects.exists()

    @pytest.mark.parametrize("price", ["0", "-100"])
    def test_a_price_that_is_not_above_zero_is_reported_next_to_the_price(self, firm, price):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), form_data(amount=price)
        )

        assert response.context["form"].errors["amount"] == ["Enter a price above zero."]
        assert "Enter a price above zero." in response.content.decode()
        assert not Bid.objects.exists()

    def test_an_unreadable_price_is_reported_next_to_the_price(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), form_data(amount="lots")
        )

        assert response.context["form"].errors["amount"] == ["Enter an amount like 2,800.00."]
        assert not Bid.objects.exists()

    def test_a_second_live_bid_is_refused_with_a_clear_message(self, world):
        client = login(world.supplier.owner, world.supplier)
        url = reverse("bid-create", kwargs={"task_id": world.task.pk})

        page = client.get(url)
        response = client.post(url, form_data())

        assert page.context["blocked"] == "existing"
        assert "You already bid on this task" in page.content.decode()
        assert response.status_code == 409
        assert response.context["form"].non_field_errors() == [
            "Your organization already has a live bid on this task: edit it instead."
        ]
        assert Bid.objects.filter(task=world.task, supplier=world.supplier).count() == 1

    def test_bidding_on_your_own_task_is_refused(self, world):
        client = login(world.client.owner, world.client)
        url = reverse("bid-create", kwargs={"task_id": world.task.pk})

        page = client.get(url)
        response = client.post(url, form_data())

        assert page.context["blocked"] == "own"
        assert "This is your organization's task" in page.content.decode()
        assert response.context["form"].non_field_errors() == ["You cannot bid on your own organization's task."]
        assert Bid.objects.filter(task=world.task).count() == 1

    def test_bidding_on_a_closed_task_is_refused(self, firm):
        task = open_task(firm)
        services.close_task(actor=firm.owner, task=task)
        bidder = supplier_org("Bidder")
        client = login(bidder.owner, bidder)
        url = reverse("bid-create", kwargs={"task_id": task.pk})

        page = client.get(url)
        response = client.post(url, form_data())

        assert page.context["blocked"] == "closed"
        assert response.context["form"].non_field_errors() == ["This task is closed: it takes no bids."]
        assert not Bid.objects.exists()

    def test_a_disallowed_file_is_reported_next_to_the_attachments(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")
        program = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}), {**form_data(), "attachments": [program]}
        )

        (error,) = response.context["form"].errors["attachments"]
        assert error.startswith("setup.exe: this type of file is not allowed")
        assert not Bid.objects.exists()
        assert not BidAttachment.objects.exists()

    def test_an_oversized_file_is_reported_next_to_the_attachments(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}),
            {**form_data(), "attachments": [pdf("huge.pdf", size=10 * 1024 * 1024)]},
        )

        assert response.context["form"].errors["attachments"] == ["huge.pdf is larger than 10 MB."]
        assert not Bid.objects.exists()

    def test_every_broken_rule_is_shown_at_once(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")
        yesterday = (TODAY() - timedelta(days=1)).isoformat()

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}),
            form_data(start_date=yesterday, availability_hours_per_week="0", delivery_date=yesterday, amount="0"),
        )

        errors = response.context["form"].errors
        assert errors["start_date"] == ["The start date cannot be in the past."]
        assert errors["availability_hours_per_week"] == ["Give the hours a week you can work on this (1 to 168)."]
        assert errors["amount"] == ["Enter a price above zero."]
        assert "milestones" not in errors
        assert not Bid.objects.exists()

    def test_a_price_that_cannot_be_read_waits_for_no_other_rule(self, firm):
        # Given a blank price, a start in the past, milestones off the (unknown) price and a program
        task = open_task(firm)
        bidder = supplier_org("Bidder")
        yesterday = (TODAY() - timedelta(days=1)).isoformat()
        program = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}),
            {**form_data(amount="", start_date=yesterday, cover_letter=" "), "attachments": [program]},
        )

        # Then every field is told in this round, the price once, and the plan is not judged against no price
        errors = response.context["form"].errors
        assert errors["amount"] == ["Enter your price."]
        assert errors["start_date"] == ["The start date cannot be in the past."]
        assert errors["cover_letter"] == ["Tell the client why you are the right choice."]
        assert errors["attachments"][0].startswith("setup.exe: this type of file is not allowed")
        assert response.context["milestone_errors"] == []
        assert not Bid.objects.exists()

    def test_the_summary_links_to_each_field_and_lists_the_plans_problems(self, firm):
        task = open_task(firm)
        bidder = supplier_org("Bidder")

        response = login(bidder.owner, bidder).post(
            reverse("bid-create", kwargs={"task_id": task.pk}),
            form_data(cover_letter=" ", **{"milestones-1-amount": "1,000"}),
        )

        page = response.content.decode()
        summary = page[page.index("data-error-summary") : page.index("</ul>", page.index("data-error-summary"))]
        assert '<a href="#id_cover_letter">Cover letter: Tell the client why you are the right choice.</a>' in summary
        assert '<li><a href="#milestones-errors">The milestones must add up to the price.</a></li>' in summary
        assert 'id="milestones-errors"' in page


# --- bid-list ------------------------------------------------------------------------------------


class TestBidList:
    def test_anonymous_visitors_are_sent_to_log_in(self):
        assert is_login_redirect(Client().get(reverse("bid-list")))

    def test_lists_the_acting_organizations_bids_only(self, world):
        other_task = open_task(world.client, title="Quarterly VAT returns")
        services.submit_bid(actor=world.outsider.owner, supplier=world.outsider, task=other_task, data=bid_input())

        response = login(world.supplier.owner, world.supplier).get(reverse("bid-list"))

        assert [bid.pk for bid in response.context["page"].object_list] == [world.bid.pk]
        assert "Quarterly VAT returns" not in response.content.decode()

    def test_filters_by_status(self, world):
        client = login(world.supplier.owner, world.supplier)

        shortlisted = client.get(reverse("bid-list"), {"status": "shortlisted"})
        submitted = client.get(reverse("bid-list"), {"status": "submitted"})

        assert list(shortlisted.context["page"].object_list) == []
        assert [bid.pk for bid in submitted.context["page"].object_list] == [world.bid.pk]


# --- bid-detail -----------------------------------------------------------------------------------


class TestBidDetail:
    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        assert is_login_redirect(Client().get(reverse("bid-detail", kwargs={"bid_id": world.bid.pk})))

    def test_another_organization_gets_404_for_every_method(self, world):
        client = login(world.outsider.owner, world.outsider)
        url = reverse("bid-detail", kwargs={"bid_id": world.bid.pk})

        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404

    def test_the_header_marks_my_tasks_for_the_client_and_bids_for_the_bidder(self, world):
        url = reverse("bid-detail", kwargs={"bid_id": world.bid.pk})

        for viewer, tab in ((world.client, "My tasks"), (world.supplier, "Bids")):
            html = login(viewer.owner, viewer).get(url).content.decode()
            assert html.count('aria-current="page"') == 1
            assert f'aria-current="page">{tab}</a>' in html

    def test_the_bidder_sees_its_terms_and_its_actions_but_not_the_clients_estimate(self, world):
        response = login(world.supplier.owner, world.supplier).get(
            reverse("bid-detail", kwargs={"bid_id": world.bid.pk})
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "€2,800.00" in html
        assert "Set-up and migration" in html
        assert reverse("bid-edit", kwargs={"bid_id": world.bid.pk}) in html
        assert reverse("bid-withdraw", kwargs={"bid_id": world.bid.pk}) in html
        assert reverse("bid-accept", kwargs={"bid_id": world.bid.pk}) not in html
        assert "€4,500.00" not in html
        attachment = world.bid.attachments.get()
        assert reverse("bid-attachment", kwargs={"bid_id": world.bid.pk, "attachment_id": attachment.pk}) in html
        assert "Bid submitted" in html

    def test_the_client_owner_sees_savings_and_the_decisions(self, world):
        response = login(world.client.owner, world.client).get(reverse("bid-detail", kwargs={"bid_id": world.bid.pk}))

        html = response.content.decode()
        assert "Saves €1,700.00 (37.8%)" in html
        assert reverse("bid-accept", kwargs={"bid_id": world.bid.pk}) in html
        assert reverse("bid-shortlist", kwargs={"bid_id": world.bid.pk}) in html
        assert reverse("bid-decline", kwargs={"bid_id": world.bid.pk}) in html
        assert reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": world.supplier.pk}) in html
        assert reverse("bid-edit", kwargs={"bid_id": world.bid.pk}) not in html

    def test_a_plain_member_of_the_client_is_not_offered_accept(self, world):
        response = login(world.member, world.client).get(reverse("bid-detail", kwargs={"bid_id": world.bid.pk}))

        html = response.content.decode()
        assert reverse("bid-accept", kwargs={"bid_id": world.bid.pk}) not in html
        assert "Only owners and admins" in html

    def test_the_status_history_lists_each_move(self, world):
        services.shortlist_bid(actor=world.member, bid=world.bid)
        services.decline_bid(actor=world.member, bid=world.bid, reason="Too far away")

        response = login(world.supplier.owner, world.supplier).get(
            reverse("bid-detail", kwargs={"bid_id": world.bid.pk})
        )

        labels = [event.label for event in response.context["history"]]
        assert labels == ["Bid submitted", "Shortlisted", "Declined"]
        assert response.context["history"][-1].note == "Too far away"
        assert response.context["history"][-1].actor == ""  # the client's people are not named to the supplier


# --- bid-edit -----------------------------------------------------------------------------------------


class TestBidEdit:
    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        assert is_login_redirect(Client().get(reverse("bid-edit", kwargs={"bid_id": world.bid.pk})))

    @pytest.mark.parametrize("side", ["outsider", "client"])
    def test_only_the_bidder_may_edit_everyone_else_gets_404(self, world, side):
        organization = getattr(world, side)
        client = login(organization.owner, organization)
        url = reverse("bid-edit", kwargs={"bid_id": world.bid.pk})
        before = bid_state(world.bid)

        assert client.get(url).status_code == 404
        assert client.post(url, form_data(amount="1")).status_code == 404
        assert bid_state(world.bid) == before

    def test_the_form_starts_from_the_current_terms(self, world):
        response = login(world.supplier.owner, world.supplier).get(reverse("bid-edit", kwargs={"bid_id": world.bid.pk}))

        html = response.content.decode()
        assert 'value="2,800.00"' in html
        assert 'value="Set-up and migration"' in html
        assert 'name="milestones-4-title"' in html  # two milestones and three blank rows

    def test_the_bidder_changes_the_price_milestones_and_adds_a_file(self, world):
        due = (TODAY() + timedelta(days=40)).isoformat()
        data = {
            **form_data(
                amount="2,500",
                **{
                    "milestones-0-amount": "2500",
                    "milestones-1-title": "",
                    "milestones-1-amount": "",
                    "milestones-1-due_date": "",
                },
            ),
            "milestones-0-due_date": due,
            "attachments": [pdf("references.pdf")],
        }

        response = login(world.supplier.owner, world.supplier).post(
            reverse("bid-edit", kwargs={"bid_id": world.bid.pk}), data
        )

        bid = Bid.objects.get(pk=world.bid.pk)
        assert response.status_code == 302
        assert bid.amount == 250_000
        assert list(bid.milestones.values_list("title", "amount")) == [("Set-up and migration", 250_000)]
        assert sorted(bid.attachments.values_list("original_name", flat=True)) == ["offer.pdf", "references.pdf"]

    def test_a_half_filled_row_is_reported_and_changes_nothing(self, world):
        before = bid_state(world.bid)

        response = login(world.supplier.owner, world.supplier).post(
            reverse("bid-edit", kwargs={"bid_id": world.bid.pk}), form_data(**{"milestones-1-title": ""})
        )

        assert response.status_code == 200
        assert response.context["milestones"].forms[1].errors == {"title": ["Give the milestone a title."]}
        assert bid_state(world.bid) == before

    def test_a_refused_edit_changes_nothing(self, world):
        before = bid_state(world.bid)

        response = login(world.supplier.owner, world.supplier).post(
            reverse("bid-edit", kwargs={"bid_id": world.bid.pk}),
            {**form_data(amount="9,999"), "attachments": [pdf("more.pdf")]},
        )

        assert response.status_code == 400
        assert response.context["milestone_errors"] == ["The milestones must add up to the price."]
        assert bid_state(world.bid) == before

    def test_a_decided_bid_is_not_offered_for_editing(self, world):
        services.withdraw_bid(actor=world.supplier.owner, bid=world.bid)

        response = login(world.supplier.owner, world.supplier).get(reverse("bid-edit", kwargs={"bid_id": world.bid.pk}))

        assert response.context["blocked"] == "decided"
        assert "This bid can no longer be edited" in response.content.decode()


# --- the POST-only actions ----------------------------------------------------------------------


ACTIONS = ["bid-withdraw", "bid-shortlist", "bid-decline", "bid-accept"]


class TestActionsRefuseTheWrongPeople:
    @pytest.mark.parametrize("action", ACTIONS)
    def test_anonymous_visitors_are_sent_to_log_in(self, world, action):
        assert is_login_redirect(Client().post(reverse(action, kwargs={"bid_id": world.bid.pk})))

    @pytest.mark.parametrize("action", ACTIONS)
    def test_another_organization_gets_404_for_every_method_and_nothing_changes(self, world, action):
        client = login(world.outsider.owner, world.outsider)
        url = reverse(action, kwargs={"bid_id": world.bid.pk})
        before = bid_state(world.bid)

        statuses = {client.get(url).status_code, client.post(url, {"confirm": "yes"}).status_code}

        assert statuses == {404}
        assert bid_state(world.bid) == before

    @pytest.mark.parametrize("action", ["bid-shortlist", "bid-decline", "bid-accept"])
    def test_the_bidder_cannot_take_the_clients_decisions(self, world, action):
        client = login(world.supplier.owner, world.supplier)
        before = bid_state(world.bid)

        response = client.post(reverse(action, kwargs={"bid_id": world.bid.pk}), {"confirm": "yes"})

        assert response.status_code == 404
        assert bid_state(world.bid) == before

    def test_the_client_cannot_withdraw_the_suppliers_bid(self, world):
        before = bid_state(world.bid)

        response = login(world.client.owner, world.client).post(
            reverse("bid-withdraw", kwargs={"bid_id": world.bid.pk})
        )

        assert response.status_code == 404
        assert bid_state(world.bid) == before

    @pytest.mark.parametrize("action", ACTIONS)
    def test_get_is_not_allowed_for_the_right_side(self, world, action):
        organization = world.supplier if action == "bid-withdraw" else world.client
        client = login(organization.owner, organization)

        assert client.get(reverse(action, kwargs={"bid_id": world.bid.pk})).status_code == 405


class TestWithdraw:
    def test_the_bidder_withdraws(self, world):
        response = login(world.supplier.owner, world.supplier).post(
            reverse("bid-withdraw", kwargs={"bid_id": world.bid.pk}), follow=True
        )

        assert Bid.objects.get(pk=world.bid.pk).status == "withdrawn"
        assert "You withdrew your bid" in response.content.decode()


class TestShortlist:
    def test_any_member_of_the_client_shortlists_and_returns_to_the_page_it_came_from(self, world):
        back = reverse("task-bids", kwargs={"task_id": world.task.pk})

        response = login(world.member, world.client).post(
            reverse("bid-shortlist", kwargs={"bid_id": world.bid.pk}), {"shortlisted": "1", "next": back}
        )

        assert response["Location"] == back
        assert Bid.objects.get(pk=world.bid.pk).status == "shortlisted"

    def test_unshortlisting_puts_the_bid_back(self, world):
        services.shortlist_bid(actor=world.client.owner, bid=world.bid)

        login(world.member, world.client).post(
            reverse("bid-shortlist", kwargs={"bid_id": world.bid.pk}), {"shortlisted": "0"}
        )

        assert Bid.objects.get(pk=world.bid.pk).status == "submitted"

    def test_a_foreign_next_address_is_ignored(self, world):
        response = login(world.member, world.client).post(
            reverse("bid-shortlist", kwargs={"bid_id": world.bid.pk}), {"next": "https://evil.example/"}
        )

        assert response["Location"] == reverse("bid-detail", kwargs={"bid_id": world.bid.pk})

    def test_a_closed_task_refuses_with_a_message(self, world):
        services.close_task(actor=world.client.owner, task=world.task)
        before = bid_state(world.bid)

        response = login(world.member, world.client).post(
            reverse("bid-shortlist", kwargs={"bid_id": world.bid.pk}), follow=True
        )

        assert bid_state(world.bid) == before
        assert "Bids can be shortlisted only while the task is open." in response.content.decode()


class TestDecline:
    def test_the_client_declines_with_a_reason(self, world):
        login(world.member, world.client).post(
            reverse("bid-decline", kwargs={"bid_id": world.bid.pk}), {"reason": "We chose a local firm."}
        )

        bid = Bid.objects.get(pk=world.bid.pk)
        assert (bid.status, bid.decline_reason) == ("declined", "We chose a local firm.")

    def test_a_reason_that_is_too_long_is_refused_and_nothing_changes(self, world):
        before = bid_state(world.bid)

        response = login(world.member, world.client).post(
            reverse("bid-decline", kwargs={"bid_id": world.bid.pk}), {"reason": "x" * 2001}, follow=True
        )

        assert bid_state(world.bid) == before
        assert "Keep the reason under 2,000 characters." in response.content.decode()


class TestAccept:
    def test_a_first_post_asks_for_confirmation_and_changes_nothing(self, world):
        before = bid_state(world.bid)

        response = login(world.client.owner, world.client).post(reverse("bid-accept", kwargs={"bid_id": world.bid.pk}))

        assert response.status_code == 200
        assert "Accept and draft the contract" in response.content.decode()
        assert bid_state(world.bid) == before
        assert not Contract.objects.exists()

    def test_a_plain_member_is_refused_and_nothing_changes(self, world):
        before = bid_state(world.bid)

        response = login(world.member, world.client).post(
            reverse("bid-accept", kwargs={"bid_id": world.bid.pk}), {"confirm": "yes"}, follow=True
        )

        assert "Only owners and admins can accept a bid." in response.content.decode()
        assert bid_state(world.bid) == before
        assert Task.objects.get(pk=world.task.pk).status == "open"
        assert not Contract.objects.exists()

    def test_the_owner_accepts_and_is_taken_to_the_contract_draft(self, world):
        rival = supplier_org("Rival")
        other_bid = services.submit_bid(actor=rival.owner, supplier=rival, task=world.task, data=bid_input())

        response = login(world.client.owner, world.client).post(
            reverse("bid-accept", kwargs={"bid_id": world.bid.pk}), {"confirm": "yes"}, follow=True
        )

        contract = Contract.objects.get(bid=world.bid)
        assert Bid.objects.get(pk=world.bid.pk).status == "accepted"
        assert Bid.objects.get(pk=other_bid.pk).status == "declined"
        assert Task.objects.get(pk=world.task.pk).status == "awarded"
        assert contract.terms.total == 280_000
        assert response.redirect_chain[-1][0] == reverse("contract-detail", kwargs={"contract_id": contract.pk})
        page = response.content.decode()
        assert "This draft contract records its price and milestones" in page
        assert "€2,800.00" in page

        bid_page = login(world.client.owner, world.client).get(reverse("bid-detail", kwargs={"bid_id": world.bid.pk}))
        shown = bid_page.content.decode()
        assert f'<a href="{reverse("contract-detail", kwargs={"contract_id": contract.pk})}">' in shown
        assert "€2,800.00, 2 milestones" in shown


# --- bid-attachment ------------------------------------------------------------------------------


class TestBidAttachment:
    def url(self, world: Any) -> str:
        attachment = world.bid.attachments.get()
        return reverse("bid-attachment", kwargs={"bid_id": world.bid.pk, "attachment_id": attachment.pk})

    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        assert is_login_redirect(Client().get(self.url(world)))

    def test_another_organization_gets_404(self, world):
        client = login(world.outsider.owner, world.outsider)

        assert client.get(self.url(world)).status_code == 404
        assert client.post(self.url(world)).status_code == 404

    @pytest.mark.parametrize("side", ["supplier", "client"])
    def test_both_sides_download_it_as_an_attachment(self, world, side):
        organization = getattr(world, side)

        response = login(organization.owner, organization).get(self.url(world))

        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="offer.pdf"')
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF")

    def test_a_file_of_another_bid_is_404_under_this_one(self, world):
        rival = supplier_org("Rival")
        rival_bid = services.submit_bid(
            actor=rival.owner, supplier=rival, task=world.task, data=bid_input(), attachments=[pdf("theirs.pdf")]
        )
        foreign = rival_bid.attachments.get()

        response = login(world.supplier.owner, world.supplier).get(
            reverse("bid-attachment", kwargs={"bid_id": world.bid.pk, "attachment_id": foreign.pk})
        )

        assert response.status_code == 404


# --- task-bids ----------------------------------------------------------------------------------


def task_with_bids(client_firm: Organization, count: int) -> Task:
    task = open_task(client_firm, title=f"Task with {count} bids")
    for n in range(count):
        bidder = supplier_org(f"Bidder {count}-{n}", country="DE", city="Berlin", time_zone="Europe/Berlin")
        services.submit_bid(actor=bidder.owner, supplier=bidder, task=task, data=bid_input(), attachments=[pdf()])
    return task


class TestTaskBids:
    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        assert is_login_redirect(Client().get(reverse("task-bids", kwargs={"task_id": world.task.pk})))

    @pytest.mark.parametrize("side", ["outsider", "supplier"])
    def test_only_the_client_sees_the_list(self, world, side):
        organization = getattr(world, side)

        response = login(organization.owner, organization).get(reverse("task-bids", kwargs={"task_id": world.task.pk}))

        assert response.status_code == 404

    def test_lists_the_bids_with_inline_decisions(self, world):
        response = login(world.member, world.client).get(reverse("task-bids", kwargs={"task_id": world.task.pk}))

        html = response.content.decode()
        assert [bid.pk for bid, _ in response.context["rows"]] == [world.bid.pk]
        assert world.supplier.name in html
        assert reverse("bid-shortlist", kwargs={"bid_id": world.bid.pk}) in html
        assert reverse("bid-decline", kwargs={"bid_id": world.bid.pk}) in html
        assert "−37.8%" in html  # cheaper than in-house

    def test_filters_by_status_with_counts(self, world):
        client = login(world.member, world.client)

        declined = client.get(reverse("task-bids", kwargs={"task_id": world.task.pk}), {"status": "declined"})

        assert declined.context["rows"] == []
        assert declined.context["counts"]["submitted"] == 1

    def test_the_query_count_does_not_grow_with_the_bids(self, firm):
        one = task_with_bids(firm, 1)
        ten = task_with_bids(firm, 10)
        client = login(firm.owner, firm)

        small = count_queries(client, reverse("task-bids", kwargs={"task_id": one.pk}), cold=True)
        large = count_queries(client, reverse("task-bids", kwargs={"task_id": ten.pk}), cold=True)

        print(f"\ntask-bids: {small} queries with 1 bid, {large} with 10")
        assert small == large


# --- task-comparison ----------------------------------------------------------------------------


class TestTaskComparison:
    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        url = reverse("task-comparison", kwargs={"task_id": world.task.pk})

        assert is_login_redirect(Client().get(url))
        assert is_login_redirect(Client().post(url, {"price": "5"}))

    @pytest.mark.parametrize("side", ["outsider", "supplier"])
    def test_only_the_client_compares_and_nobody_else_changes_the_weights(self, world, side):
        organization = getattr(world, side)
        client = login(organization.owner, organization)
        url = reverse("task-comparison", kwargs={"task_id": world.task.pk})

        assert client.get(url).status_code == 404
        assert client.post(url, {**DEFAULT_WEIGHTS, "price": 5}).status_code == 404
        assert Task.objects.get(pk=world.task.pk).comparison_weights == {}

    def test_shows_each_factor_missing_data_and_savings(self, world):
        response = login(world.member, world.client).get(reverse("task-comparison", kwargs={"task_id": world.task.pk}))

        html = response.content.decode()
        assert response.status_code == 200
        (row,) = response.context["comparison"].rows
        assert row.bid == world.bid
        assert "Missing" in html  # no reviews, no exchanges yet
        assert "New on the platform: no reviews or completed contracts yet." in html
        assert "Saves €1,700.00" in html
        assert row.total_explanation in html
        assert "score-" in html
        assert 'style="' not in html

    def test_saving_weights_stores_them_and_re_ranks(self, world):
        weights = {**DEFAULT_WEIGHTS, "price": 5, "reputation": 0}

        response = login(world.member, world.client).post(
            reverse("task-comparison", kwargs={"task_id": world.task.pk}) + "?sort=price", weights
        )

        assert response.status_code == 302
        assert response["Location"].endswith("?sort=price")
        assert Task.objects.get(pk=world.task.pk).comparison_weights == weights

    def test_a_weight_out_of_range_is_reported_and_nothing_is_saved(self, world):
        response = login(world.member, world.client).post(
            reverse("task-comparison", kwargs={"task_id": world.task.pk}), {**DEFAULT_WEIGHTS, "price": 7}
        )

        assert response.status_code == 200
        assert response.context["form"].errors["price"] == ["Ensure this value is less than or equal to 5."]
        assert Task.objects.get(pk=world.task.pk).comparison_weights == {}

    def test_reset_puts_the_default_weights_back(self, world):
        services.set_comparison_weights(actor=world.client.owner, task=world.task, weights={"price": 0})

        login(world.member, world.client).post(
            reverse("task-comparison", kwargs={"task_id": world.task.pk}), {**DEFAULT_WEIGHTS, "reset": "1"}
        )

        assert Task.objects.get(pk=world.task.pk).comparison_weights == DEFAULT_WEIGHTS

    def test_sorting_by_a_factor(self, world):
        response = login(world.member, world.client).get(
            reverse("task-comparison", kwargs={"task_id": world.task.pk}), {"sort": "flexibility"}
        )

        assert response.context["comparison"].sort == "flexibility"

    def test_a_plain_member_is_not_offered_accept(self, world):
        response = login(world.member, world.client).get(reverse("task-comparison", kwargs={"task_id": world.task.pk}))

        assert reverse("bid-accept", kwargs={"bid_id": world.bid.pk}) not in response.content.decode()

    def test_the_owner_is_offered_accept_through_the_confirmation_step(self, world):
        response = login(world.client.owner, world.client).get(
            reverse("task-comparison", kwargs={"task_id": world.task.pk})
        )

        assert reverse("bid-accept", kwargs={"bid_id": world.bid.pk}) in response.content.decode()

    def test_the_query_count_does_not_grow_with_the_bids(self, firm):
        one = task_with_bids(firm, 1)
        ten = task_with_bids(firm, 10)
        client = login(firm.owner, firm)

        small = count_queries(client, reverse("task-comparison", kwargs={"task_id": one.pk}), cold=True)
        large = count_queries(client, reverse("task-comparison", kwargs={"task_id": ten.pk}), cold=True)

        print(f"\ntask-comparison: {small} queries with 1 bid, {large} with 10")
        assert small == large
