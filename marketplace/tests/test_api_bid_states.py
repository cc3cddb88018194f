"""The state-changing bid and task actions of the API in every state a bid or task can be in.

A deep fuzz run once saw ``POST /bids/{id}/accept/`` answer 500. The fuzz
test only ever acts on the demo's fresh data (each request is rolled back),
so the states that take several steps to reach are built here, one by one,
and every action is sent in each: a refusal must be a 4xx with the API's
error body, never a 5xx. Along with them: the extremes a contract is drafted
from (the largest amounts and milestone counts, the longest title and
description), and the ``Idempotency-Key`` cases of an accept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from contracts.models import Contract
from core import limits
from marketplace import services
from marketplace.models import Bid, Task
from marketplace.services import MilestoneInput
from marketplace.services.bids import MAX_MILESTONES
from marketplace.tests.api_support import API, error, make_org, submit, with_token
from tests.factories import open_task

pytestmark = pytest.mark.django_db


def _decided(response) -> None:  # type: ignore[no-untyped-def]
    """A 2xx, or a 4xx in the API's error shape: anything but a server error."""
    assert response.status_code < 500, response.content[:2000]
    if response.status_code >= 400:
        assert error(response)["code"]


# --- the states ------------------------------------------------------------------------------------
# Each takes (firm, supplier, task, bid) and leaves the bid and its task in one state.

State = Callable[[Any, Any, Task, Bid], None]


def _submitted(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    pass


def _shortlisted(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.shortlist_bid(actor=firm.owner, bid=bid)


def _accepted(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.accept_bid(actor=firm.owner, bid=bid)


def _declined(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.decline_bid(actor=firm.owner, bid=bid, reason="No.")


def _withdrawn(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.withdraw_bid(actor=supplier.owner, bid=bid)


def _withdrawn_then_bid_again(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.withdraw_bid(actor=supplier.owner, bid=bid)
    submit(task, supplier)  # a live bid of the same supplier beside the withdrawn one


def _another_accepted(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.accept_bid(actor=firm.owner, bid=submit(task, make_org("Globex")))


def _task_closed(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.close_task(actor=firm.owner, task=task)


def _task_cancelled(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.cancel_task(actor=firm.owner, task=task)


def _awarded_then_closed(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    services.accept_bid(actor=firm.owner, bid=bid)
    services.close_task(actor=firm.owner, task=task)


def _bidding_over(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    Task.objects.filter(pk=task.pk).update(bidding_closes_at=timezone.now() - timedelta(hours=1))


def _open_task_with_an_accepted_bid(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    # Not reachable through the services (the task is awarded with the bid): what the constraint guards against.
    other = submit(task, make_org("Globex"))
    Bid.objects.filter(pk=other.pk).update(status="accepted")


def _contract_already_drafted(firm, supplier, task, bid) -> None:  # type: ignore[no-untyped-def]
    # A draft left over for this bid (say, by an accept whose award was undone by hand).
    from contracts import services as contract_services

    contract_services.create_draft_from_bid(actor=firm.owner, bid=bid)


STATES: dict[str, State] = {
    "submitted": _submitted,
    "shortlisted": _shortlisted,
    "accepted": _accepted,
    "declined": _declined,
    "withdrawn": _withdrawn,
    "withdrawn, then the supplier bid again": _withdrawn_then_bid_again,
    "another bid accepted": _another_accepted,
    "task closed": _task_closed,
    "task cancelled": _task_cancelled,
    "awarded, then closed": _awarded_then_closed,
    "bidding closed": _bidding_over,
    "open task with another bid accepted": _open_task_with_an_accepted_bid,
    "contract already drafted": _contract_already_drafted,
}

BID_ACTIONS = {
    "accept": ("client", {}),
    "shortlist": ("client", {"shortlisted": True}),
    "unshortlist": ("client", {"shortlisted": False}),
    "decline": ("client", {"reason": "Too late."}),
    "withdraw": ("supplier", {}),
}
TASK_ACTIONS = ("publish", "close", "cancel")


@pytest.fixture
def supplier(other_firm):  # type: ignore[no-untyped-def]
    return other_firm


@pytest.fixture
def apis(firm, supplier):  # type: ignore[no-untyped-def]
    return {"client": with_token(firm.owner, firm), "supplier": with_token(supplier.owner, supplier)}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("verb", BID_ACTIONS)
def test_every_bid_action_in_every_state_answers_without_a_server_error(firm, supplier, task, bid, apis, state, verb):
    STATES[state](firm, supplier, task, bid)
    side, body = BID_ACTIONS[verb]
    path = "shortlist" if verb == "unshortlist" else verb

    response = apis[side].post(f"{API}/bids/{bid.pk}/{path}/", body, format="json")

    _decided(response)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("verb", TASK_ACTIONS)
def test_every_task_action_in_every_state_answers_without_a_server_error(firm, supplier, task, bid, apis, state, verb):
    STATES[state](firm, supplier, task, bid)

    response = apis["client"].post(f"{API}/tasks/{task.pk}/{verb}/", {}, format="json")

    _decided(response)


@pytest.mark.parametrize(
    ("state", "status", "code"),
    [
        ("accepted", 200, None),  # accepting it again changes nothing
        ("declined", 409, "conflict"),
        ("withdrawn", 409, "conflict"),
        ("another bid accepted", 409, "conflict"),
        ("task closed", 409, "conflict"),
        ("task cancelled", 409, "conflict"),
        ("open task with another bid accepted", 409, "conflict"),
    ],
)
def test_accepting_a_bid_that_cannot_be_accepted_is_a_conflict(firm, supplier, task, bid, apis, state, status, code):
    STATES[state](firm, supplier, task, bid)

    response = apis["client"].post(f"{API}/bids/{bid.pk}/accept/")

    assert response.status_code == status, response.content[:2000]
    if code:
        assert error(response)["code"] == code
        assert Contract.objects.filter(bid=bid).count() == 0


def test_accepting_a_bid_with_a_contract_already_drafted_keeps_that_one(firm, supplier, task, bid, apis):
    _contract_already_drafted(firm, supplier, task, bid)

    response = apis["client"].post(f"{API}/bids/{bid.pk}/accept/")

    assert response.status_code == 200, response.content[:2000]
    assert Contract.objects.filter(bid=bid).count() == 1


# --- the extremes a contract is drafted from -----------------------------------------------------


def test_an_hourly_bid_at_every_limit_is_accepted_into_a_contract(firm, supplier, apis):
    # The largest amounts and the most milestones the rules allow: the contract must hold them all.
    hours = 1_000
    rate = limits.MAX_AMOUNT // hours
    task = open_task(
        firm,
        budget_type="hourly",
        budget_amount=None,
        hourly_rate_min=1,
        hourly_rate_max=rate,
        hours_cap=hours,
        title="x" * limits.TITLE,
        description="y" * limits.DESCRIPTION,
    )
    today = timezone.localdate()
    bid = submit(
        task,
        supplier,
        amount=None,
        hourly_rate=rate,
        estimated_hours=hours,
        cover_letter="z" * limits.COVER_LETTER,
        milestones=[
            MilestoneInput(title="m" * limits.TITLE, amount=limits.MAX_AMOUNT, due_date=today + timedelta(days=10))
            for _ in range(MAX_MILESTONES)
        ],
    )

    response = apis["client"].post(f"{API}/bids/{bid.pk}/accept/", HTTP_IDEMPOTENCY_KEY="accept-the-big-one")

    assert response.status_code == 200, response.content[:2000]
    contract = Contract.objects.get(bid=bid)
    assert contract.terms.total == limits.MAX_AMOUNT
    assert contract.milestones.count() == MAX_MILESTONES
    assert contract.title == "x" * limits.TITLE


def test_a_fixed_bid_at_the_largest_price_is_accepted_into_a_contract(firm, supplier, apis):
    task = open_task(firm, budget_amount=limits.MAX_AMOUNT)
    today = timezone.localdate()
    share = limits.MAX_AMOUNT // MAX_MILESTONES
    bid = submit(
        task,
        supplier,
        amount=share * MAX_MILESTONES,
        milestones=[
            MilestoneInput(title=f"Part {n}", amount=share, due_date=today + timedelta(days=10 + n))
            for n in range(MAX_MILESTONES)
        ],
    )

    response = apis["client"].post(f"{API}/bids/{bid.pk}/accept/")

    assert response.status_code == 200, response.content[:2000]
    assert Contract.objects.get(bid=bid).terms.total == share * MAX_MILESTONES


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_an_accept_sent_twice_with_one_key_is_answered_twice_and_done_once(firm, supplier, task, bid, apis):
    first = apis["client"].post(f"{API}/bids/{bid.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k-1")
    second = apis["client"].post(f"{API}/bids/{bid.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 200, second.content[:2000]
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Contract.objects.filter(bid=bid).count() == 1


def test_a_key_reused_for_another_bid_or_action_is_refused(firm, supplier, task, bid, apis):
    other = submit(task, make_org("Globex"))
    apis["client"].post(
        f"{API}/bids/{bid.pk}/shortlist/", {"shortlisted": True}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    for response in (
        apis["client"].post(f"{API}/bids/{other.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k"),
        apis["client"].post(f"{API}/bids/{bid.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k"),
    ):
        assert response.status_code == 422, response.content[:2000]
        assert error(response)["code"] == "idempotency_key_reused"
    assert not Contract.objects.exists()


def test_a_refused_accept_keeps_no_answer_for_its_key(firm, supplier, task, bid, apis):
    services.withdraw_bid(actor=supplier.owner, bid=bid)
    other = submit(task, make_org("Globex"))

    refused = apis["client"].post(f"{API}/bids/{bid.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k-2")
    again = apis["client"].post(f"{API}/bids/{bid.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k-2")

    assert refused.status_code == again.status_code == 409
    assert "Idempotent-Replayed" not in again
    assert apis["client"].post(f"{API}/bids/{other.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k-3").status_code == 200


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "ключ", "a\tb"])
def test_an_unusable_key_is_a_validation_error(firm, supplier, task, bid, apis, key):
    response = apis["client"].post(f"{API}/bids/{bid.pk}/accept/", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400, response.content[:2000]
    assert error(response)["code"] == "validation_error"
    bid.refresh_from_db()
    assert bid.status == "submitted"


def test_the_same_key_of_another_organization_is_its_own(firm, supplier, task, bid, apis):
    # Keys are scoped to the user and the acting organization: the supplier's "k" is not the client's.
    apis["supplier"].post(f"{API}/bids/{bid.pk}/withdraw/", HTTP_IDEMPOTENCY_KEY="k")
    other = submit(task, make_org("Globex"))

    response = apis["client"].post(f"{API}/bids/{other.pk}/accept/", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 200, response.content[:2000]


# --- editing a bid: milestones are whole on a PATCH too ----------------------------------------------


@pytest.mark.parametrize("left_out", ["title", "amount", "due_date"])
def test_a_patched_milestone_missing_a_field_is_a_validation_error(supplier, bid, apis, left_out):
    milestone = {
        "title": "All of it",
        "amount": 280_000,
        "due_date": (timezone.localdate() + timedelta(days=20)).isoformat(),
    }
    del milestone[left_out]

    response = apis["supplier"].patch(f"{API}/bids/{bid.pk}/", {"milestones": [milestone]}, format="json")

    assert response.status_code == 400, response.content[:2000]
    assert list(error(response)["fields"]) == [f"milestones.0.{left_out}"]
    assert bid.milestones.count() == 2


@pytest.mark.parametrize("bidding_over", [False, True])
@pytest.mark.parametrize("verb", TASK_ACTIONS)
def test_every_task_action_on_a_draft_answers_without_a_server_error(firm, apis, draft, verb, bidding_over):
    if bidding_over:
        Task.objects.filter(pk=draft.pk).update(bidding_closes_at=timezone.now() - timedelta(hours=1))

    response = apis["client"].post(f"{API}/tasks/{draft.pk}/{verb}/", {}, format="json")

    _decided(response)
    if verb == "publish" and bidding_over:
        assert response.status_code == 400
        assert "bidding_closes_at" in error(response)["fields"]
