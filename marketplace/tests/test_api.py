"""The marketplace API under /api/v1/.

Every endpoint is tried by an anonymous visitor, a member of another
organization (foreign ids answer 404), a member who may see the object but
not do this to it, and a member who may; refusals change nothing, successes
change the database and, where the service audits, write the audit log.
"""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta
from typing import Any

import pytest
import yaml
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from contracts.models import Contract, Review
from core.models import AuditEvent
from marketplace import comparison, services
from marketplace.models import Bid, BidInvitation, Category, Message, Task, Thread
from marketplace.services import MilestoneInput
from marketplace.tests.api_support import (
    API,
    audited,
    count_queries,
    error,
    make_org,
    row,
    signed_in,
    submit,
    with_token,
)
from tests.factories import make_member, open_task

pytestmark = pytest.mark.django_db


# --- helpers ---------------------------------------------------------------------------------


def task_payload(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    payload: dict[str, Any] = {
        "title": "Quarterly VAT returns",
        "description": "Prepare and file our VAT returns every quarter.",
        "category": Category.objects.get(slug="accounting-and-bookkeeping").pk,
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": 150_000,
        "deadline": (today + timedelta(days=60)).isoformat(),
        "bidding_closes_at": (timezone.now() + timedelta(days=14)).isoformat(),
        "skills": ["VAT returns", "Xero"],
        "in_house_cost_estimate": 200_000,
    }
    payload.update(overrides)
    return payload


def bid_payload(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    payload: dict[str, Any] = {
        "amount": 280_000,
        "start_date": (today + timedelta(days=3)).isoformat(),
        "availability_hours_per_week": 20,
        "delivery_date": (today + timedelta(days=45)).isoformat(),
        "cover_letter": "We run payroll for 120 firms like yours.",
        "milestones": [
            {"title": "Set-up", "amount": 80_000, "due_date": (today + timedelta(days=10)).isoformat()},
            {"title": "First runs", "amount": 200_000, "due_date": (today + timedelta(days=45)).isoformat()},
        ],
    }
    payload.update(overrides)
    return payload


def one_milestone(amount: int) -> MilestoneInput:
    return MilestoneInput(title="Everything", amount=amount, due_date=timezone.localdate() + timedelta(days=40))


# --- anonymous visitors --------------------------------------------------------------------------


PRIVATE_ENDPOINTS = [
    ("post", "/tasks/"),
    ("get", "/tasks/{task}/"),
    ("patch", "/tasks/{task}/"),
    ("post", "/tasks/{task}/publish/"),
    ("post", "/tasks/{task}/close/"),
    ("post", "/tasks/{task}/cancel/"),
    ("post", "/tasks/{task}/invitations/"),
    ("get", "/tasks/{task}/bids/"),
    ("post", "/tasks/{task}/bids/"),
    ("get", "/tasks/{task}/comparison/"),
    ("put", "/tasks/{task}/comparison/"),
    ("patch", "/tasks/{task}/comparison/"),
    ("get", "/bids/"),
    ("get", "/bids/{bid}/"),
    ("patch", "/bids/{bid}/"),
    ("post", "/bids/{bid}/withdraw/"),
    ("post", "/bids/{bid}/accept/"),
    ("post", "/bids/{bid}/shortlist/"),
    ("post", "/bids/{bid}/decline/"),
    ("get", "/threads/"),
    ("post", "/threads/"),
    ("get", "/threads/{thread}/"),
    ("get", "/threads/{thread}/messages/"),
    ("post", "/threads/{thread}/messages/"),
    ("post", "/threads/{thread}/read/"),
    ("get", "/suppliers/"),
]


@pytest.mark.parametrize(("method", "path"), PRIVATE_ENDPOINTS)
def test_anonymous_visitors_are_refused_and_change_nothing(method, path, task, bid):
    thread = Thread.objects.get(task=task, supplier=bid.supplier)
    url = API + path.format(task=task.pk, bid=bid.pk, thread=thread.pk)
    before = (row(Task, task.pk), row(Bid, bid.pk), Task.objects.count(), Message.objects.count())

    response = getattr(APIClient(), method)(url, {}, format="json")

    assert response.status_code == 401, (url, response.content)
    assert error(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert (row(Task, task.pk), row(Bid, bid.pk), Task.objects.count(), Message.objects.count()) == before


def test_anonymous_visitors_read_the_categories():
    response = APIClient().get(f"{API}/categories/")

    assert response.status_code == 200
    slugs = [category["slug"] for category in response.json()]
    assert "payroll" in slugs
    assert set(response.json()[0]) == {"id", "slug", "name", "description"}


# --- GET tasks/ : the search ---------------------------------------------------------------------


class TestTaskSearch:
    URL = f"{API}/tasks/"

    def test_anonymous_visitors_see_open_public_tasks_without_private_fields(self, firm, task, draft):
        invite_only = open_task(firm, title="Secret audit", visibility="invite_only")

        response = APIClient().get(self.URL)

        assert response.status_code == 200
        body = response.json()
        ids = [item["id"] for item in body["results"]]
        assert ids == [task.pk]
        assert draft.pk not in ids
        assert invite_only.pk not in ids
        item = body["results"][0]
        assert "in_house_cost_estimate" not in item
        assert "comparison_weights" not in item
        assert item["budget_amount"] == 300_000
        assert item["currency"] == "EUR"
        assert item["client"]["id"] == firm.pk
        assert item["deadline"] == task.deadline.isoformat()
        assert body["next"] is None

    def test_the_client_sees_its_estimate_and_invited_suppliers_see_invite_only_tasks(self, firm, other_firm, task):
        invite_only = open_task(firm, title="Secret audit", visibility="invite_only")
        services.invite_supplier_to_bid(actor=firm.owner, task=invite_only, supplier=other_firm)

        as_client = signed_in(firm.owner, firm).get(self.URL).json()["results"]
        as_supplier = signed_in(other_firm.owner, other_firm).get(self.URL).json()["results"]

        assert {item["in_house_cost_estimate"] for item in as_client} == {450_000}
        assert {item["id"] for item in as_supplier} == {task.pk, invite_only.pk}
        assert all("in_house_cost_estimate" not in item for item in as_supplier)

    def test_filters_are_those_of_the_browse_page(self, firm):
        cheap = open_task(firm, title="Payroll for a bakery", budget_amount=50_000)
        dear = open_task(firm, title="Payroll for a bank", budget_amount=900_000)
        onsite = open_task(
            firm,
            title="Clean the office",
            description="Weekly cleaning.",
            category_id=Category.objects.get(slug="cleaning-and-facilities").pk,
            location_type="onsite",
            country="PT",
            city="Porto",
            budget_amount=100_000,
            skills=["Office cleaning"],
        )
        client = APIClient()

        def ids(**params: Any) -> list[int]:
            response = client.get(self.URL, params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["results"]]

        assert ids(budget_min=60_000, budget_max=800_000) == [onsite.pk]
        assert ids(q="bank") == [dear.pk]
        assert ids(category="cleaning-and-facilities", country="PT", city="porto") == [onsite.pk]
        assert ids(location_type="onsite") == [onsite.pk]
        assert ids(sort="budget_low") == [cheap.pk, onsite.pk, dear.pk]
        assert ids(skills="payroll,datev", sort="budget_high") == [dear.pk, cheap.pk]

    def test_the_keyset_cursor_walks_every_page_once(self, firm):
        tasks = [open_task(firm, title=f"Payroll run {n}", budget_amount=10_000 * (n + 1)) for n in range(5)]
        client = APIClient()
        seen: list[int] = []
        url: str | None = f"{self.URL}?sort=budget_low&page_size=2"
        pages = 0

        while url:
            body = client.get(url).json()
            seen += [item["id"] for item in body["results"]]
            url = body["next"]
            pages += 1

        assert seen == [task.pk for task in tasks]
        assert pages == 3

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"cursor": "not-a-cursor"}, "cursor"),
            ({"budget_min": "-1"}, "budget_min"),
            ({"budget_max": "lots"}, "budget_max"),
            ({"deadline_before": "next week"}, "deadline_before"),
            ({"sort": "cheapest"}, "sort"),
            ({"page_size": "500"}, "page_size"),
        ],
    )
    def test_malformed_filters_are_field_errors(self, params, field):
        response = APIClient().get(self.URL, params)

        assert response.status_code == 400
        assert error(response)["code"] == "validation_error"
        assert field in error(response)["fields"]

    def test_query_count_does_not_grow_with_rows(self, firm, other_firm):
        client = signed_in(other_firm.owner, other_firm)
        open_task(firm)
        one = count_queries(client, self.URL)
        for n in range(19):
            open_task(firm, title=f"Payroll {n}")

        assert len(client.get(self.URL).json()["results"]) == 20
        assert count_queries(client, self.URL) == one

    def test_a_token_lists_tasks_with_their_attachments_in_four_queries(self, firm, other_firm, settings, tmp_path):
        # The token (with user, organization and membership), the walk, the page's rows, their attachments.
        settings.MEDIA_ROOT = tmp_path
        client = with_token(other_firm.owner, other_firm)
        client.get(self.URL)  # the first call records when the token was last used
        for n in range(3):
            task = open_task(firm, title=f"Payroll {n}")
            upload = SimpleUploadedFile(f"brief-{n}.pdf", b"%PDF-1.4 x", content_type="application/pdf")
            services.add_task_attachments(actor=firm.owner, task=task, uploads=[upload])

        assert count_queries(client, self.URL) == 4
        results = client.get(self.URL).json()["results"]
        assert [[a["name"] for a in task["attachments"]] for task in results] == [
            ["brief-2.pdf"],
            ["brief-1.pdf"],
            ["brief-0.pdf"],
        ]


# --- POST tasks/ ----------------------------------------------------------------------------------


class TestTaskCreate:
    URL = f"{API}/tasks/"

    def test_a_member_posts_a_draft_for_the_acting_organization_only(self, firm, member, other_firm):
        response = signed_in(member, firm).post(
            self.URL, task_payload(organization=other_firm.pk, status="open"), format="json"
        )

        assert response.status_code == 201, response.content
        task = Task.objects.get(pk=response.json()["id"])
        assert task.organization == firm
        assert task.created_by == member
        assert task.status == "draft"
        assert task.budget_amount == 150_000
        assert task.skills == ["vat-returns", "xero"]
        assert response.json()["in_house_cost_estimate"] == 200_000
        assert audited("task.created", firm, task)

    def test_publish_opens_it_for_bids(self, firm):
        response = signed_in(firm.owner, firm).post(self.URL, task_payload(publish=True), format="json")

        assert response.status_code == 201, response.content
        task = Task.objects.get(pk=response.json()["id"])
        assert task.status == "open"
        assert task.published_at is not None
        assert response.json()["status"] == "open"
        assert audited("task.published", firm, task)

    def test_an_api_token_posts_for_its_own_organization_whatever_the_body_says(self, firm, other_firm):
        user = other_firm.owner
        make_member(firm, role=Role.MEMBER, user=user)

        response = with_token(user, other_firm).post(self.URL, task_payload(organization=firm.pk), format="json")

        assert response.status_code == 201
        assert Task.objects.get(pk=response.json()["id"]).organization == other_firm
        assert not Task.objects.filter(organization=firm).exists()

    def test_hourly_tasks_take_rates_and_a_cap(self, firm):
        response = signed_in(firm.owner, firm).post(
            self.URL,
            task_payload(
                budget_type="hourly", budget_amount=None, hourly_rate_min=4_000, hourly_rate_max=6_000, hours_cap=100
            ),
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["budget_amount"] == 600_000

    @pytest.mark.parametrize(
        ("overrides", "fields"),
        [
            ({"budget_amount": 0}, {"budget_amount"}),
            ({"budget_amount": -500}, {"budget_amount"}),
            ({"in_house_cost_estimate": 0}, {"in_house_cost_estimate"}),
            ({"deadline": "2020-01-01"}, {"deadline", "bidding_closes_at"}),
            ({"bidding_closes_at": "2020-01-01T00:00:00Z"}, {"bidding_closes_at"}),
            ({"budget_type": "hourly", "hourly_rate_min": 6_000, "hourly_rate_max": 4_000}, {"hourly_rate_max"}),
            ({"location_type": "onsite"}, {"city"}),
            ({"currency": "XYZ"}, {"currency"}),
            ({"category": 999_999}, {"category"}),
            ({"budget_amount": "a lot"}, {"budget_amount"}),
            ({"budget_amount": 10**30}, {"budget_amount"}),
            ({"country": "XX"}, {"country"}),
        ],
    )
    def test_bad_terms_are_field_errors_and_nothing_is_saved(self, firm, overrides, fields):
        response = signed_in(firm.owner, firm).post(self.URL, task_payload(**overrides), format="json")

        assert response.status_code == 400, response.content
        assert error(response)["code"] == "validation_error"
        assert fields <= set(error(response)["fields"])
        assert not Task.objects.exists()

    def test_every_problem_comes_in_one_answer_with_the_pages_words(self, firm):
        # Given a publish with no category, a past deadline, bidding closing after it and no budget
        payload = task_payload(
            deadline="2020-01-01", bidding_closes_at="2030-01-01T10:00:00Z", budget_amount=None, publish=True
        )
        del payload["category"]

        response = signed_in(firm.owner, firm).post(self.URL, payload, format="json")

        # Then one 400 names all four, the rules in the task form's words
        assert response.status_code == 400, response.content
        fields = error(response)["fields"]
        assert set(fields) == {"category", "deadline", "bidding_closes_at", "budget_amount"}
        assert fields["deadline"] == ["The deadline must be in the future."]
        assert fields["bidding_closes_at"] == ["Bidding must close before the deadline."]
        assert fields["budget_amount"] == ["Enter a budget above zero."]
        assert not Task.objects.exists()

    def test_an_unreadable_field_is_told_once_beside_the_rules(self, firm):
        payload = task_payload(budget_amount="a lot", deadline="soon", title=" ")

        response = signed_in(firm.owner, firm).post(self.URL, payload, format="json")

        fields = error(response)["fields"]
        assert set(fields) == {"budget_amount", "deadline", "title"}
        assert len(fields["budget_amount"]) == len(fields["deadline"]) == 1
        assert fields["title"] == ["Give the task a title."]

    def test_an_hourly_task_needs_its_cap_to_be_published(self, firm):
        payload = task_payload(budget_type="hourly", hourly_rate_min=4_000, publish=True)

        response = signed_in(firm.owner, firm).post(self.URL, payload, format="json")

        assert response.status_code == 400
        assert set(error(response)["fields"]) == {"hourly_rate_max", "hours_cap"}
        assert not Task.objects.exists()

    def test_every_missing_field_is_named(self, firm):
        response = signed_in(firm.owner, firm).post(self.URL, {}, format="json")

        assert response.status_code == 400
        assert {"title", "description", "category", "budget_type", "currency", "deadline", "bidding_closes_at"} <= set(
            error(response)["fields"]
        )


# --- tasks/{id}/ ------------------------------------------------------------------------------------


class TestTaskDetail:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/"

    def test_the_client_sees_its_private_fields(self, client_api, task):
        response = client_api.get(self.url(task))

        assert response.status_code == 200
        body = response.json()
        assert body["in_house_cost_estimate"] == 450_000
        assert body["comparison_weights"] == {}
        assert body["category"]["slug"] == "payroll"

    def test_a_supplier_sees_a_listed_task_without_them(self, supplier_api, task):
        response = supplier_api.get(self.url(task))

        assert response.status_code == 200
        assert "in_house_cost_estimate" not in response.json()

    def test_another_organization_gets_404_for_a_draft(self, stranger_api, draft):
        response = stranger_api.get(self.url(draft))

        assert response.status_code == 404
        assert error(response)["code"] == "not_found"

    def test_an_api_token_reads_only_as_its_own_organization(self, firm, other_firm, draft):
        user = other_firm.owner
        make_member(firm, role=Role.OWNER, user=user)  # also an owner of the client firm

        response = with_token(user, other_firm).get(self.url(draft))

        assert response.status_code == 404

    def test_a_missing_task_looks_like_a_foreign_one(self, client_api):
        assert client_api.get(f"{API}/tasks/999999/").status_code == 404


class TestTaskUpdate:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/"

    def test_a_member_of_the_client_edits_and_bidders_get_a_revision(self, firm, member, task):
        response = signed_in(member, firm).patch(self.url(task), {"budget_amount": 350_000}, format="json")

        assert response.status_code == 200, response.content
        task.refresh_from_db()
        assert task.budget_amount == 350_000
        assert task.title == "Monthly payroll for 40 employees"  # left out: unchanged
        assert task.revisions.get().changes == {"budget_amount": [300_000, 350_000]}
        assert response.json()["budget_amount"] == 350_000
        assert audited("task.updated", firm, task)

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_anyone_else_gets_404_and_changes_nothing(self, request, who, task, draft):
        api = request.getfixturevalue(who)
        for target in (task, draft):
            before = row(Task, target.pk)

            response = api.patch(self.url(target), {"title": "Mine now"}, format="json")

            assert response.status_code == 404
            assert row(Task, target.pk) == before

    def test_bad_terms_are_field_errors(self, client_api, task):
        before = row(Task, task.pk)

        response = client_api.patch(
            self.url(task), {"budget_amount": -5, "deadline": "2001-01-01", "title": ""}, format="json"
        )

        assert response.status_code == 400
        assert {"budget_amount", "deadline", "title"} <= set(error(response)["fields"])
        assert row(Task, task.pk) == before

    def test_an_edit_reports_what_it_cannot_read_with_the_rules_it_breaks(self, client_api, task):
        before = row(Task, task.pk)

        terms = {"deadline": "soon", "bidding_closes_at": "2001-01-01T00:00:00Z", "title": ""}

        response = client_api.patch(self.url(task), terms, format="json")

        assert response.status_code == 400
        fields = error(response)["fields"]
        assert set(fields) == {"deadline", "bidding_closes_at", "title"}
        assert fields["bidding_closes_at"] == ["Bidding must close in the future."]
        assert row(Task, task.pk) == before

    def test_a_closed_task_can_no_longer_be_edited(self, firm, client_api, task):
        services.close_task(actor=firm.owner, task=task)
        before = row(Task, task.pk)

        response = client_api.patch(self.url(task), {"title": "Again"}, format="json")

        assert response.status_code == 400
        assert row(Task, task.pk) == before


class TestTaskTransitions:
    def url(self, task, verb) -> str:
        return f"{API}/tasks/{task.pk}/{verb}/"

    def test_a_member_publishes_a_draft(self, firm, member, draft):
        response = signed_in(member, firm).post(self.url(draft, "publish"))

        assert response.status_code == 200, response.content
        draft.refresh_from_db()
        assert draft.status == "open"
        assert response.json()["status"] == "open"
        assert audited("task.published", firm, draft)

    def test_closing_declines_the_live_bids(self, firm, client_api, task, bid):
        response = client_api.post(self.url(task, "close"))

        assert response.status_code == 200
        task.refresh_from_db()
        bid.refresh_from_db()
        assert task.status == "closed"
        assert bid.status == "declined"
        assert audited("task.closed", firm, task)

    def test_cancelling(self, firm, client_api, draft):
        response = client_api.post(self.url(draft, "cancel"))

        assert response.status_code == 200
        draft.refresh_from_db()
        assert draft.status == "cancelled"
        assert audited("task.cancelled", firm, draft)

    def test_a_refused_transition_is_409(self, firm, client_api, draft):
        services.cancel_task(actor=firm.owner, task=draft)

        response = client_api.post(self.url(draft, "publish"))

        assert response.status_code == 409
        assert error(response)["code"] == "invalid_transition"
        draft.refresh_from_db()
        assert draft.status == "cancelled"

    @pytest.mark.parametrize("verb", ["publish", "close", "cancel"])
    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_moves_a_task(self, request, verb, who, task, bid):
        api = request.getfixturevalue(who)
        before = (row(Task, task.pk), row(Bid, bid.pk))

        response = api.post(self.url(task, verb))

        assert response.status_code == 404
        assert (row(Task, task.pk), row(Bid, bid.pk)) == before
        assert not AuditEvent.objects.filter(action__in=["task.closed", "task.cancelled"]).exists()


class TestInvitations:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/invitations/"

    def test_the_client_invites_a_supplier_once(self, firm, other_firm, client_api, task):
        first = client_api.post(self.url(task), {"supplier": other_firm.pk, "message": "Bid please"}, format="json")
        again = client_api.post(self.url(task), {"supplier": other_firm.pk}, format="json")

        assert first.status_code == 201, first.content
        assert again.status_code == 200
        invitation = BidInvitation.objects.get(task=task)
        assert invitation.supplier == other_firm
        assert invitation.message == "Bid please"
        assert first.json()["id"] == again.json()["id"] == invitation.pk
        assert audited("task.supplier_invited", firm, task)

    def test_inviting_your_own_organization_is_a_field_error(self, firm, client_api, task):
        firm.skills, firm.offers_services = ["Payroll"], True  # it offers services too, so the directory lists it
        firm.save()

        response = client_api.post(self.url(task), {"supplier": firm.pk}, format="json")

        assert response.status_code == 400
        assert "supplier" in error(response)["fields"]
        assert not BidInvitation.objects.exists()

    def test_an_unknown_supplier_is_404(self, client_api, task):
        response = client_api.post(self.url(task), {"supplier": 999_999}, format="json")

        assert response.status_code == 404
        assert not BidInvitation.objects.exists()

    def test_an_organization_the_directory_does_not_list_answers_like_an_unknown_id(self, client_api, task, stranger):
        """A client firm (no skills) and a personal organization cannot be invited, nor told apart from no one."""
        personal = Organization.objects.get(is_personal=True, memberships__user=stranger.owner)
        unknown = client_api.post(self.url(task), {"supplier": 999_999}, format="json")

        for organization in (stranger, personal):
            response = client_api.post(self.url(task), {"supplier": organization.pk}, format="json")

            assert (response.status_code, response.json()) == (404, unknown.json())
        assert not BidInvitation.objects.exists()

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_invites(self, request, who, stranger, task):
        response = request.getfixturevalue(who).post(self.url(task), {"supplier": stranger.pk}, format="json")

        assert response.status_code == 404
        assert not BidInvitation.objects.exists()


# --- tasks/{id}/bids/ -------------------------------------------------------------------------------


class TestTaskBids:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/bids/"

    def test_the_client_lists_every_bid_with_milestones(self, client_api, task, bid, stranger):
        second = submit(task, stranger, amount=200_000, milestones=[one_milestone(200_000)])

        response = client_api.get(self.url(task))

        assert response.status_code == 200
        results = response.json()["results"]
        assert [item["id"] for item in results] == [second.pk, bid.pk]
        first = results[1]
        assert first["amount"] == 280_000
        assert first["currency"] == "EUR"
        assert [m["amount"] for m in first["milestones"]] == [80_000, 200_000]
        assert first["supplier"]["id"] == bid.supplier_id

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_sees_them(self, request, who, task, bid):
        response = request.getfixturevalue(who).get(self.url(task))

        assert response.status_code == 404

    def test_query_count_does_not_grow_with_rows(self, firm, client_api, task):
        submit(task, make_org("Supplier 0"))
        one = count_queries(client_api, self.url(task))
        for n in range(1, 20):
            submit(task, make_org(f"Supplier {n}"))

        assert len(client_api.get(self.url(task)).json()["results"]) == 20
        assert count_queries(client_api, self.url(task)) == one


class TestBidSubmit:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/bids/"

    def test_a_supplier_bids_as_the_acting_organization(self, firm, other_firm, task):
        supplier_member = make_member(other_firm, role=Role.MEMBER)

        response = signed_in(supplier_member, other_firm).post(
            self.url(task), bid_payload(supplier=firm.pk), format="json"
        )

        assert response.status_code == 201, response.content
        bid = Bid.objects.get(pk=response.json()["id"])
        assert bid.supplier == other_firm
        assert bid.created_by == supplier_member
        assert bid.amount == 280_000
        assert bid.currency == "EUR"
        assert list(bid.milestones.values_list("amount", flat=True)) == [80_000, 200_000]
        assert Thread.objects.filter(task=task, supplier=other_firm).exists()
        assert audited("bid.submitted", other_firm, bid)

    def test_a_hourly_bid_prices_rate_times_hours(self, firm, supplier_api):
        hourly = open_task(
            firm, budget_type="hourly", budget_amount=None, hourly_rate_min=4_000, hourly_rate_max=6_000, hours_cap=100
        )

        response = supplier_api.post(
            self.url(hourly),
            bid_payload(amount=None, hourly_rate=5_000, estimated_hours=80, milestones=[]),
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["amount"] == 400_000
        assert response.json()["price_type"] == "hourly"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"amount": 0}, "amount"),
            ({"amount": -100}, "amount"),
            ({"amount": 300_000}, "milestones"),  # the milestones add up to 280,000
            ({"milestones": []}, "milestones"),
            ({"start_date": "2020-01-01"}, "start_date"),
            ({"availability_hours_per_week": 0}, "availability_hours_per_week"),
            ({"cover_letter": " "}, "cover_letter"),
            ({"milestones": [{"title": "All", "amount": "many", "due_date": "2030-01-01"}]}, "milestones.0.amount"),
        ],
    )
    def test_bad_terms_are_field_errors(self, supplier_api, task, overrides, field):
        response = supplier_api.post(self.url(task), bid_payload(**overrides), format="json")

        assert response.status_code == 400, response.content
        assert field in error(response)["fields"]
        assert not Bid.objects.exists()

    def test_an_unreadable_field_and_every_broken_rule_come_in_one_answer(self, supplier_api, task):
        payload = bid_payload(amount="lots", start_date="2020-01-01", cover_letter=" ", availability_hours_per_week=0)

        response = supplier_api.post(self.url(task), payload, format="json")

        assert response.status_code == 400
        fields = error(response)["fields"]
        assert set(fields) == {"amount", "start_date", "cover_letter", "availability_hours_per_week"}
        assert len(fields["amount"]) == 1  # told once, as unreadable
        assert fields["start_date"] == ["The start date cannot be in the past."]
        assert not Bid.objects.exists()

    def test_a_second_live_bid_is_a_conflict(self, supplier_api, task, bid):
        response = supplier_api.post(self.url(task), bid_payload(cover_letter="A second try."), format="json")

        assert response.status_code == 409
        assert error(response)["code"] == "conflict"
        assert list(Bid.objects.values_list("pk", flat=True)) == [bid.pk]

    def test_bidding_on_your_own_task_is_refused(self, client_api, task):
        response = client_api.post(self.url(task), bid_payload(), format="json")

        assert response.status_code == 400
        assert "own" in error(response)["message"]
        assert not Bid.objects.exists()

    def test_a_closed_task_takes_no_bids(self, firm, supplier_api, task):
        services.close_task(actor=firm.owner, task=task)

        response = supplier_api.post(self.url(task), bid_payload(), format="json")

        assert response.status_code == 400
        assert "closed" in error(response)["message"]
        assert not Bid.objects.exists()

    def test_an_invite_only_task_is_missing_for_suppliers_not_invited(self, firm, supplier_api):
        secret = open_task(firm, visibility="invite_only")

        response = supplier_api.post(self.url(secret), bid_payload(), format="json")

        assert response.status_code == 404
        assert not Bid.objects.exists()

    def test_a_draft_is_missing(self, supplier_api, draft):
        assert supplier_api.post(self.url(draft), bid_payload(), format="json").status_code == 404
        assert not Bid.objects.exists()


# --- bids/ ----------------------------------------------------------------------------------------------


class TestBidList:
    URL = f"{API}/bids/"

    def test_lists_the_acting_organizations_own_bids_only(self, firm, other_firm, stranger, task, bid):
        submit(task, stranger)
        elsewhere = open_task(other_firm)
        submit(elsewhere, firm)  # the client firm bids elsewhere: its own bid as a supplier

        mine = signed_in(other_firm.owner, other_firm).get(self.URL).json()["results"]
        clients = signed_in(firm.owner, firm).get(self.URL).json()["results"]

        assert [item["id"] for item in mine] == [bid.pk]
        assert [item["task"]["id"] for item in clients] == [elsewhere.pk]

    def test_filters_by_status(self, other_firm, supplier_api, task, bid):
        services.withdraw_bid(actor=other_firm.owner, bid=bid)

        assert supplier_api.get(self.URL, {"status": "submitted"}).json()["results"] == []
        assert len(supplier_api.get(self.URL, {"status": "withdrawn"}).json()["results"]) == 1
        assert supplier_api.get(self.URL, {"status": "lost"}).status_code == 400

    def test_query_count_does_not_grow_with_rows(self, firm, other_firm, supplier_api):
        submit(open_task(firm), other_firm)
        one = count_queries(supplier_api, self.URL)
        for n in range(19):
            submit(open_task(firm, title=f"Task {n}"), other_firm)

        assert len(supplier_api.get(self.URL).json()["results"]) == 20
        assert count_queries(supplier_api, self.URL) == one


class TestBidDetail:
    def url(self, bid) -> str:
        return f"{API}/bids/{bid.pk}/"

    @pytest.mark.parametrize("who", ["supplier_api", "client_api"])
    def test_the_bidder_and_the_client_read_it(self, request, who, bid):
        response = request.getfixturevalue(who).get(self.url(bid))

        assert response.status_code == 200
        assert response.json()["id"] == bid.pk
        assert len(response.json()["milestones"]) == 2

    def test_anyone_else_gets_404(self, stranger_api, bid):
        assert stranger_api.get(self.url(bid)).status_code == 404


class TestBidUpdate:
    def url(self, bid) -> str:
        return f"{API}/bids/{bid.pk}/"

    def test_the_bidder_edits_its_bid(self, other_firm, supplier_api, bid):
        response = supplier_api.patch(
            self.url(bid), {"cover_letter": "Even better now.", "availability_hours_per_week": 30}, format="json"
        )

        assert response.status_code == 200, response.content
        bid.refresh_from_db()
        assert bid.cover_letter == "Even better now."
        assert bid.availability_hours_per_week == 30
        assert bid.amount == 280_000
        assert bid.milestones.count() == 2
        assert audited("bid.updated", other_firm, bid)

    def test_new_milestones_must_add_up(self, supplier_api, bid):
        before = row(Bid, bid.pk)
        today = timezone.localdate()

        response = supplier_api.patch(
            self.url(bid),
            {"milestones": [{"title": "All", "amount": 100_000, "due_date": (today + timedelta(days=9)).isoformat()}]},
            format="json",
        )

        assert response.status_code == 400
        assert "milestones" in error(response)["fields"]
        assert row(Bid, bid.pk) == before
        assert bid.milestones.count() == 2

    def test_the_client_may_read_it_but_editing_answers_as_for_an_unknown_bid(self, client_api, bid):
        # Editing is the bidder's scope: the client's answer is the one an id that does not exist gets.
        before = row(Bid, bid.pk)

        response = client_api.patch(self.url(bid), {"cover_letter": "Cheaper!"}, format="json")
        unknown = client_api.patch(f"{API}/bids/{bid.pk + 10_000}/", {"cover_letter": "Cheaper!"}, format="json")

        assert response.status_code == 404
        assert response.json() == unknown.json()
        assert row(Bid, bid.pk) == before

    def test_anyone_else_gets_404(self, stranger_api, bid):
        before = row(Bid, bid.pk)

        assert stranger_api.patch(self.url(bid), {"cover_letter": "x"}, format="json").status_code == 404
        assert row(Bid, bid.pk) == before


class TestBidActions:
    def url(self, bid, verb) -> str:
        return f"{API}/bids/{bid.pk}/{verb}/"

    def test_the_bidder_withdraws(self, other_firm, supplier_api, bid):
        response = supplier_api.post(self.url(bid, "withdraw"))

        assert response.status_code == 200
        bid.refresh_from_db()
        assert bid.status == "withdrawn"
        assert response.json()["status"] == "withdrawn"
        assert audited("bid.withdrawn", other_firm, bid)

    def test_an_owner_accepts_and_the_task_is_awarded(self, firm, client_api, task, bid, stranger):
        other = submit(task, stranger)

        response = client_api.post(self.url(bid, "accept"))

        assert response.status_code == 200, response.content
        bid.refresh_from_db()
        task.refresh_from_db()
        other.refresh_from_db()
        assert bid.status == "accepted"
        assert task.status == "awarded"
        assert other.status == "declined"
        assert Contract.objects.filter(bid=bid, client=firm).exists()
        assert audited("bid.accepted", firm, bid)
        assert audited("task.awarded", firm, task)

    def test_a_plain_member_may_not_accept(self, firm, member, task, bid):
        before = (row(Bid, bid.pk), row(Task, task.pk))

        response = signed_in(member, firm).post(self.url(bid, "accept"))

        assert response.status_code == 403
        assert error(response)["code"] == "permission_denied"
        assert (row(Bid, bid.pk), row(Task, task.pk)) == before
        assert not Contract.objects.exists()

    def test_accepting_on_an_awarded_task_is_a_conflict(self, firm, client_api, task, bid, stranger):
        other = submit(task, stranger)
        services.accept_bid(actor=firm.owner, bid=bid)

        response = client_api.post(self.url(other, "accept"))

        assert response.status_code == 409
        other.refresh_from_db()
        assert other.status == "declined"

    def test_the_client_shortlists_and_unshortlists(self, firm, client_api, bid):
        on = client_api.post(self.url(bid, "shortlist"), {"shortlisted": True}, format="json")
        bid.refresh_from_db()
        assert on.status_code == 200
        assert bid.status == "shortlisted"
        assert bid.shortlisted_at is not None

        off = client_api.post(self.url(bid, "shortlist"), {"shortlisted": False}, format="json")
        bid.refresh_from_db()
        assert off.status_code == 200
        assert bid.status == "submitted"
        assert audited("bid.shortlisted", firm, bid)
        assert audited("bid.unshortlisted", firm, bid)

    def test_the_client_declines_with_a_reason(self, firm, client_api, bid):
        response = client_api.post(self.url(bid, "decline"), {"reason": "Too far away."}, format="json")

        assert response.status_code == 200
        bid.refresh_from_db()
        assert bid.status == "declined"
        assert bid.decline_reason == "Too far away."
        assert audited("bid.declined", firm, bid)

    def test_declining_an_accepted_bid_is_refused(self, firm, client_api, bid):
        services.accept_bid(actor=firm.owner, bid=bid)

        response = client_api.post(self.url(bid, "decline"), {}, format="json")

        assert response.status_code == 409
        bid.refresh_from_db()
        assert bid.status == "accepted"

    @pytest.mark.parametrize("verb", ["accept", "shortlist", "decline"])
    def test_the_bidder_deciding_on_its_own_bid_gets_404(self, supplier_api, bid, verb):
        # Deciding is the client's scope: for the bidder the bid is not there, as for an unknown id.
        before = row(Bid, bid.pk)

        response = supplier_api.post(self.url(bid, verb), {}, format="json")

        assert response.status_code == 404
        assert error(response) == {"code": "not_found", "message": "No such bid."}
        assert row(Bid, bid.pk) == before

    def test_the_client_withdrawing_the_bid_gets_404(self, client_api, bid):
        before = row(Bid, bid.pk)

        assert client_api.post(self.url(bid, "withdraw")).status_code == 404
        assert row(Bid, bid.pk) == before

    @pytest.mark.parametrize("verb", ["withdraw", "accept", "shortlist", "decline"])
    def test_anyone_else_gets_404(self, stranger_api, bid, verb):
        before = row(Bid, bid.pk)

        assert stranger_api.post(self.url(bid, verb), {}, format="json").status_code == 404
        assert row(Bid, bid.pk) == before


def _seed_categories() -> None:
    """The categories migration 0002 seeds: a transactional test's flush empties the table."""
    importlib.import_module("marketplace.migrations.0002_seed_categories").seed(apps, None)


@pytest.fixture(scope="module")
def categories_restored_afterwards(django_db_setup, django_db_blocker):
    """Put the seeded categories back once the transactional tests' flushes are done (for --reuse-db)."""
    yield
    with django_db_blocker.unblock():
        _seed_categories()


@pytest.mark.django_db(transaction=True)
def test_two_managers_accepting_different_bids_at_once_award_exactly_one(categories_restored_afterwards):
    # Given an open task with two bids and two managers of the client, each with their own API client
    _seed_categories()
    firm = make_org("Northwind Trading")
    admin = make_member(firm, role=Role.ADMIN)
    task = open_task(firm)
    bids = [submit(task, make_org("Globex")), submit(task, make_org("Umbrella"))]
    clients = [with_token(firm.owner, firm), with_token(admin, firm)]
    barrier = threading.Barrier(2)
    statuses: dict[int, int] = {}

    def accept(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            statuses[index] = clients[index].post(f"{API}/bids/{bids[index].pk}/accept/").status_code
        finally:
            connection.close()  # each thread has its own connection: leave none open

    # When both accept at the same moment
    threads = [threading.Thread(target=accept, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # Then one wins and the other is told the task is taken
    assert sorted(statuses.values()) == [200, 409]
    assert Bid.objects.filter(task=task, status="accepted").count() == 1
    task.refresh_from_db()
    assert task.status == "awarded"
    assert Contract.objects.filter(task=task).count() == 1
    assert AuditEvent.objects.filter(action="bid.accepted").count() == 1


# --- tasks/{id}/comparison/ ------------------------------------------------------------------------


class TestComparison:
    def url(self, task) -> str:
        return f"{API}/tasks/{task.pk}/comparison/"

    def test_the_client_compares_the_live_bids(self, client_api, task, bid, stranger):
        cheaper = submit(task, stranger, amount=200_000, milestones=[one_milestone(200_000)])

        response = client_api.get(self.url(task))

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["weights"] == comparison.DEFAULT_WEIGHTS
        assert {row["bid"]["id"] for row in body["rows"]} == {bid.pk, cheaper.pk}
        first = body["rows"][0]
        assert [factor["factor"] for factor in first["factors"]] == list(comparison.FACTORS)
        price = {row["bid"]["id"]: row["factors"][0] for row in body["rows"]}
        assert price[cheaper.pk]["score"] > price[bid.pk]["score"]
        assert price[cheaper.pk]["explanation"]
        assert price[cheaper.pk]["evidence"] == "your budget, your in-house estimate and 1 other bid"
        communication = {row["bid"]["id"]: row["factors"][3] for row in body["rows"]}
        assert communication[cheaper.pk]["thin"] is True
        savings = {row["bid"]["id"]: row["savings"] for row in body["rows"]}
        assert savings[cheaper.pk]["amount"] == 450_000 - 200_000
        assert savings[cheaper.pk]["currency"] == "EUR"

    def test_weights_in_the_query_are_tried_without_saving(self, client_api, task, bid):
        response = client_api.get(self.url(task), {"weights": "price:5,reputation:0"})

        assert response.status_code == 200
        assert response.json()["weights"]["price"] == 5
        assert response.json()["weights"]["reputation"] == 0
        task.refresh_from_db()
        assert task.comparison_weights == {}

    @pytest.mark.parametrize("weights", ["price:9", "speed:3", "price", "price:-1"])
    def test_bad_weights_in_the_query_are_a_field_error(self, client_api, task, weights):
        response = client_api.get(self.url(task), {"weights": weights})

        assert response.status_code == 400
        assert "weights" in error(response)["fields"]

    def test_patch_saves_the_weights_given(self, client_api, task, bid):
        response = client_api.patch(self.url(task), {"weights": {"price": 5}}, format="json")

        assert response.status_code == 200, response.content
        task.refresh_from_db()
        assert task.comparison_weights == {"price": 5}
        assert response.json()["weights"]["price"] == 5
        assert client_api.get(self.url(task)).json()["weights"]["price"] == 5

    def test_put_sets_them_all(self, firm, client_api, task):
        services.set_comparison_weights(actor=firm.owner, task=task, weights={"geography": 0})

        response = client_api.put(self.url(task), {"weights": {"price": 4}}, format="json")

        assert response.status_code == 200
        task.refresh_from_db()
        assert task.comparison_weights == {**comparison.DEFAULT_WEIGHTS, "price": 4}

    @pytest.mark.parametrize("weights", [{"price": 7}, {"speed": 2}, {"price": "high"}])
    def test_bad_weights_are_refused_and_nothing_is_saved(self, client_api, task, weights):
        response = client_api.patch(self.url(task), {"weights": weights}, format="json")

        assert response.status_code == 400
        assert error(response)["fields"]
        task.refresh_from_db()
        assert task.comparison_weights == {}

    @pytest.mark.parametrize("who", ["supplier_api", "stranger_api"])
    def test_only_the_client_compares(self, request, who, task, bid):
        api = request.getfixturevalue(who)

        assert api.get(self.url(task)).status_code == 404
        assert api.patch(self.url(task), {"weights": {"price": 0}}, format="json").status_code == 404
        task.refresh_from_db()
        assert task.comparison_weights == {}


# --- threads/ -------------------------------------------------------------------------------------------


class TestThreads:
    URL = f"{API}/threads/"

    def test_both_sides_see_the_thread_with_their_own_unread_counts(self, firm, client_api, supplier_api, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="When can you start?")

        supplier_view = supplier_api.get(self.URL).json()["results"]
        client_view = client_api.get(self.URL).json()["results"]

        assert [(t["id"], t["unread_count"]) for t in supplier_view] == [(thread.pk, 1)]
        assert [(t["id"], t["unread_count"]) for t in client_view] == [(thread.pk, 0)]
        assert supplier_view[0]["task"]["client"]["id"] == firm.pk

    def test_a_stranger_sees_none_and_gets_404(self, stranger_api, thread):
        assert stranger_api.get(self.URL).json()["results"] == []
        assert stranger_api.get(f"{self.URL}{thread.pk}/").status_code == 404

    def test_the_client_opens_one_with_an_invited_supplier(self, firm, client_api, task, stranger):
        stranger.skills, stranger.offers_services = ["Payroll"], True  # a supplier the client found in the directory
        stranger.save()
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=stranger)

        response = client_api.post(self.URL, {"task": task.pk, "supplier": stranger.pk}, format="json")

        assert response.status_code == 201, response.content
        created = Thread.objects.get(pk=response.json()["id"])
        assert (created.task, created.supplier) == (task, stranger)

    def test_not_with_a_supplier_who_has_no_part_in_the_task(self, client_api, task, stranger):
        """It answers as an unknown id does (as the page does), so ids cannot be probed through it."""
        response = client_api.post(self.URL, {"task": task.pk, "supplier": stranger.pk}, format="json")
        unknown = client_api.post(self.URL, {"task": task.pk, "supplier": 999_999}, format="json")

        assert (response.status_code, response.json()) == (404, unknown.json())
        assert "supplier" in error(response)["fields"]
        assert not Thread.objects.exists()

    def test_a_supplier_cannot_learn_who_else_bid(self, supplier_api, task, bid, stranger):
        """Another bidder's id and a stranger's answer alike to a supplier of the same public task."""
        rival = make_org("Rival Books")
        submit(task, rival)
        threads = set(Thread.objects.values_list("pk", flat=True))

        answers = [
            supplier_api.post(self.URL, {"task": task.pk, "supplier": supplier}, format="json")
            for supplier in (rival.pk, stranger.pk)
        ]

        assert [(a.status_code, a.json()) for a in answers] == [(404, answers[1].json())] * 2
        assert set(Thread.objects.values_list("pk", flat=True)) == threads

    def test_a_stranger_cannot_open_one_on_someone_elses_task(self, stranger_api, draft, other_firm):
        response = stranger_api.post(self.URL, {"task": draft.pk, "supplier": other_firm.pk}, format="json")

        assert response.status_code == 404
        assert "task" in error(response)["fields"]
        assert not Thread.objects.exists()

    def test_query_count_does_not_grow_with_rows(self, firm, client_api, task):
        def bid_and_write(name: str) -> None:
            supplier = make_org(name)
            bid = submit(task, supplier)
            thread = Thread.objects.get(task=task, supplier=supplier)
            services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body=f"About {bid.pk}")

        bid_and_write("Supplier 0")
        one = count_queries(client_api, self.URL)
        for n in range(1, 20):
            bid_and_write(f"Supplier {n}")

        results = client_api.get(self.URL).json()["results"]
        assert len(results) == 20
        assert {t["unread_count"] for t in results} == {1}
        assert count_queries(client_api, self.URL) == one


class TestMessages:
    def url(self, thread, verb="messages") -> str:
        return f"{API}/threads/{thread.pk}/{verb}/"

    def test_a_side_sends_a_message(self, other_firm, supplier_api, thread):
        response = supplier_api.post(self.url(thread), {"body": "We can start Monday."}, format="json")

        assert response.status_code == 201, response.content
        message = Message.objects.get(thread=thread)
        assert message.body == "We can start Monday."
        assert message.sender_organization == other_firm
        assert response.json()["sender"]["id"] == other_firm.owner.pk
        assert "email" not in response.json()["sender"]

    def test_an_empty_message_is_a_field_error(self, supplier_api, thread):
        response = supplier_api.post(self.url(thread), {"body": "   "}, format="json")

        assert response.status_code == 400
        assert "body" in error(response)["fields"]
        assert not Message.objects.exists()

    def test_messages_come_newest_first_a_page_at_a_time(self, firm, client_api, thread):
        for n in range(3):
            services.send_message(actor=firm.owner, organization=firm, thread=thread, body=f"Message {n}")

        first = client_api.get(self.url(thread), {"page_size": 2}).json()
        second = client_api.get(first["next"]).json()

        assert [m["body"] for m in first["results"]] == ["Message 2", "Message 1"]
        assert [m["body"] for m in second["results"]] == ["Message 0"]

    def test_reading_marks_the_thread_read(self, firm, supplier_api, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="Hello")

        response = supplier_api.post(self.url(thread, "read"))

        assert response.status_code == 200
        assert response.json()["unread_count"] == 0
        assert supplier_api.get(f"{API}/threads/{thread.pk}/").json()["unread_count"] == 0

    def test_a_stranger_gets_404_and_sends_nothing(self, stranger_api, thread):
        assert stranger_api.get(self.url(thread)).status_code == 404
        assert stranger_api.post(self.url(thread), {"body": "Buy now"}, format="json").status_code == 404
        assert stranger_api.post(self.url(thread, "read")).status_code == 404
        assert not Message.objects.exists()

    def test_query_count_does_not_grow_with_rows(self, firm, other_firm, client_api, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="First")
        one = count_queries(client_api, self.url(thread))
        for n in range(19):
            sender = (firm, other_firm)[n % 2]
            services.send_message(actor=sender.owner, organization=sender, thread=thread, body=f"Message {n}")

        assert len(client_api.get(self.url(thread)).json()["results"]) == 20
        assert count_queries(client_api, self.url(thread)) == one


# --- suppliers/ -----------------------------------------------------------------------------------------


class TestSuppliers:
    URL = f"{API}/suppliers/"

    @pytest.fixture
    def directory(self, firm, other_firm, stranger):
        Organization.objects.filter(pk=other_firm.pk).update(
            skills=["payroll"], country="PT", city="Porto", hourly_rate=4_000, hourly_rate_currency="EUR"
        )
        Organization.objects.filter(pk=stranger.pk).update(
            skills=["design"],
            offers_services=True,
            country="DE",
            city="Berlin",
            hourly_rate=9_000,
            hourly_rate_currency="EUR",
        )
        Organization.objects.filter(pk=firm.pk).update(skills=["payroll"], offers_services=True)
        return other_firm, stranger

    def test_lists_suppliers_but_not_the_acting_organization(self, client_api, firm, directory):
        results = client_api.get(self.URL).json()["results"]

        ids = {item["id"] for item in results}
        assert ids == {directory[0].pk, directory[1].pk}
        porto = next(item for item in results if item["id"] == directory[0].pk)
        assert porto["hourly_rate"] == 4_000
        assert porto["hourly_rate_currency"] == "EUR"
        assert porto["rating"] is None
        assert porto["review_count"] == 0

    def test_filters(self, client_api, directory):
        def ids(**params: Any) -> list[int]:
            response = client_api.get(self.URL, params)
            assert response.status_code == 200, response.content
            return [item["id"] for item in response.json()["results"]]

        porto, berlin = directory
        assert ids(skills="payroll") == [porto.pk]
        assert ids(country="de") == [berlin.pk]
        assert ids(rate_max=5_000, currency="eur") == [porto.pk]
        assert ids(q="initech") == [berlin.pk]

    def test_the_best_rated_come_first_and_the_cursor_walks_all(self, firm, client_api, directory):
        porto, berlin = directory
        extra = make_org("Hooli")
        Organization.objects.filter(pk=extra.pk).update(skills=["payroll"], offers_services=True)
        _review(firm, berlin, 5)

        seen: list[int] = []
        url: str | None = f"{self.URL}?page_size=1"
        while url:
            body = client_api.get(url).json()
            seen += [item["id"] for item in body["results"]]
            url = body["next"]

        assert seen[0] == berlin.pk
        assert sorted(seen) == sorted([porto.pk, berlin.pk, extra.pk])
        assert len(seen) == 3

    @pytest.mark.parametrize("params", [{"min_rating": "9"}, {"rate_max": "-3"}, {"min_rating": "good"}])
    def test_malformed_filters_are_field_errors(self, client_api, params):
        response = client_api.get(self.URL, params)

        assert response.status_code == 400
        assert set(params) <= set(error(response)["fields"])

    def test_query_count_does_not_grow_with_rows(self, client_api):
        Organization.objects.filter(pk=make_org("Supplier 0").pk).update(skills=["payroll"], offers_services=True)
        one = count_queries(client_api, self.URL)
        for n in range(1, 20):
            Organization.objects.filter(pk=make_org(f"Supplier {n}").pk).update(
                skills=["payroll"], offers_services=True
            )

        assert len(client_api.get(self.URL).json()["results"]) == 20
        assert count_queries(client_api, self.URL) == one


def _review(client_org, supplier, rating: int) -> None:
    """A revealed review of ``supplier`` after a contract (built through the services)."""
    task = open_task(client_org, title=f"Work for {supplier.name}")
    bid = submit(task, supplier)
    services.accept_bid(actor=client_org.owner, bid=bid)
    contract = Contract.objects.get(bid=bid)
    Review.objects.create(
        contract=contract,
        author=client_org,
        subject=supplier,
        rating=rating,
        communication_rating=rating,
        revealed_at=timezone.now(),
    )


# --- the schema ---------------------------------------------------------------------------------------


MARKETPLACE_ENDPOINTS = {
    "/api/v1/categories/": {"get"},
    "/api/v1/tasks/": {"get", "post"},
    "/api/v1/tasks/{task_id}/": {"get", "patch"},
    "/api/v1/tasks/{task_id}/publish/": {"post"},
    "/api/v1/tasks/{task_id}/close/": {"post"},
    "/api/v1/tasks/{task_id}/cancel/": {"post"},
    "/api/v1/tasks/{task_id}/invitations/": {"post"},
    "/api/v1/tasks/{task_id}/bids/": {"get", "post"},
    "/api/v1/tasks/{task_id}/comparison/": {"get", "put", "patch"},
    "/api/v1/bids/": {"get"},
    "/api/v1/bids/{bid_id}/": {"get", "patch"},
    "/api/v1/bids/{bid_id}/withdraw/": {"post"},
    "/api/v1/bids/{bid_id}/accept/": {"post"},
    "/api/v1/bids/{bid_id}/shortlist/": {"post"},
    "/api/v1/bids/{bid_id}/decline/": {"post"},
    "/api/v1/threads/": {"get", "post"},
    "/api/v1/threads/{thread_id}/": {"get"},
    "/api/v1/threads/{thread_id}/messages/": {"get", "post"},
    "/api/v1/threads/{thread_id}/read/": {"post"},
    "/api/v1/suppliers/": {"get"},
    "/api/v1/saved-searches/": {"get", "post"},
    "/api/v1/saved-searches/{saved_search_id}/": {"get", "delete"},
    "/api/v1/tasks/{task_id}/attachments/": {"get", "post"},
    "/api/v1/tasks/{task_id}/attachments/{attachment_id}/": {"get", "delete"},
    "/api/v1/bids/{bid_id}/attachments/": {"get", "post"},
    "/api/v1/bids/{bid_id}/attachments/{attachment_id}/": {"get", "delete"},
    "/api/v1/threads/{thread_id}/attachments/{attachment_id}/": {"get"},
}


class TestSchema:
    @pytest.fixture
    def schema(self) -> dict:
        response = APIClient().get("/api/schema/")
        assert response.status_code == 200
        return yaml.safe_load(response.content)

    def test_every_marketplace_endpoint_and_method_is_documented(self, schema):
        for path, methods in MARKETPLACE_ENDPOINTS.items():
            assert path in schema["paths"], path
            assert set(schema["paths"][path]) - {"parameters"} == methods, path

    def test_errors_use_the_common_body_and_lists_take_a_cursor(self, schema):
        accept = schema["paths"]["/api/v1/bids/{bid_id}/accept/"]["post"]
        assert accept["responses"]["409"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
        for path in ("/api/v1/bids/", "/api/v1/threads/", "/api/v1/suppliers/", "/api/v1/tasks/"):
            names = {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}
            assert "cursor" in names, path

    def test_the_private_task_fields_are_optional(self, schema):
        task = schema["components"]["schemas"]["Task"]
        assert "in_house_cost_estimate" in task["properties"]
        assert "in_house_cost_estimate" not in task["required"]

    def test_the_schema_generates_without_warnings(self, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

        assert "/api/v1/tasks/" in yaml.safe_load((tmp_path / "schema.yml").read_text())["paths"]


class TestCountryFilters:
    """A country filter is a known ISO code, in either case; anything else is a 400 naming the field."""

    @pytest.mark.parametrize("path", ["/tasks/", "/suppliers/"])
    def test_an_unknown_country_is_refused(self, client_api, path):
        response = client_api.get(f"{API}{path}", {"country": "ZZ"})

        assert response.status_code == 400
        assert "country" in error(response)["fields"]

    @pytest.mark.parametrize("path", ["/tasks/", "/suppliers/"])
    def test_a_known_country_in_lower_case_is_read(self, client_api, path):
        assert client_api.get(f"{API}{path}", {"country": "de"}).status_code == 200
