"""Helpers of the marketplace API tests: clients acting in an organization, the error body, audit and query checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Organization, Role
from marketplace import services
from marketplace.models import Bid, Category
from marketplace.services import MilestoneInput
from tests.factories import OrganizationFactory, bid_input, make_member
from tests.support import api_signed_in as signed_in  # noqa: F401 - the API tests' name for it
from tests.support import audited, count_queries, with_token  # noqa: F401 - the API tests import them from here

API = "/api/v1"


def error(response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def row(model, pk) -> dict[str, Any]:
    """A row's stored values, to prove a refused request changed nothing."""
    return model.objects.filter(pk=pk).values().get()


def submit(task, supplier, **overrides: Any) -> Bid:
    return services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input(**overrides))


def make_org(name: str) -> Organization:
    organization = OrganizationFactory(name=name)
    organization.owner = make_member(organization, role=Role.OWNER)
    return organization


# --- request bodies and terms ------------------------------------------------------------------


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
