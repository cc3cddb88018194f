"""The marketplace API: bids on a task, a supplier's bids, and the client's decisions (tried by every side)."""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from contracts.models import Contract
from core.models import AuditEvent
from marketplace import services
from marketplace.models import Bid, Task, Thread
from marketplace.tests.api_support import (
    API,
    audited,
    bid_payload,
    count_queries,
    error,
    make_org,
    one_milestone,
    row,
    signed_in,
    submit,
    with_token,
)
from tests.factories import make_member, open_task

pytestmark = pytest.mark.django_db


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
