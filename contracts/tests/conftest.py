"""Contracts made the way the product makes them: a bid accepted on a task."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from contracts.models import Contract
from contracts.terms import LEGAL_FIELDS, Terms
from core.money import from_minor
from marketplace import services as marketplace
from tests.factories import MilestoneInputFactory, bid_input, open_task


def days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def contract(firm, other_firm) -> Contract:
    task = open_task(firm, title="Annual accounts 2026", budget_amount=400_000)
    milestones = [
        MilestoneInputFactory(title="Books closed", amount=100_000, due_date=days(10)),
        MilestoneInputFactory(title="Accounts filed", amount=180_000, due_date=days(40)),
    ]
    bid = marketplace.submit_bid(
        actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input(amount=280_000, milestones=milestones)
    )
    marketplace.accept_bid(actor=firm.owner, bid=bid)
    return Contract.objects.select_related("current_version").get(bid=bid)


@pytest.fixture
def active(contract, firm, other_firm) -> Contract:
    """The contract signed by both sides (typed), the way the product signs it: active under version 1."""
    return make_active(contract, firm, other_firm)


def make_active(contract: Contract, firm: Any, other_firm: Any) -> Contract:
    """``contract``'s current version sent for signatures and signed by both owners (typed)."""
    from contracts import services  # the services import the conftest's neighbours: late, like a test

    for organization in (firm, other_firm):
        services.give_consent(user=organization.owner)
    services.send_for_signing(actor=firm.owner, organization=firm, contract=contract)
    contract.refresh_from_db()
    for organization in (firm, other_firm):
        assert contract.current_version is not None
        data = services.SignatureInput(sha256=contract.current_version.sha256, method="typed", typed_name="Ada")
        services.sign(actor=organization.owner, organization=organization, contract=contract, data=data)
    contract.refresh_from_db()
    return contract


def proposal_form(terms: Terms, **overrides: Any) -> dict[str, Any]:
    """What the proposal page posts when its form shows ``terms`` and nothing is typed (``overrides`` are)."""
    money = lambda amount: "" if amount is None else f"{from_minor(amount, terms.currency):,}"  # noqa: E731
    data: dict[str, Any] = {
        "title": terms.title,
        "scope": terms.scope,
        "price": money(terms.price),
        "end_kind": terms.end_kind,
        "end_date": terms.end_date.isoformat() if terms.end_date else "",
        "hours_cap": "" if terms.hours_cap is None else str(terms.hours_cap),
        "budget_cap": money(terms.budget_cap),
        "note": "",
        "milestones-TOTAL_FORMS": str(len(terms.milestones)),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "20",
        "clauses-TOTAL_FORMS": str(len(terms.clauses)),
        "clauses-INITIAL_FORMS": "0",
        "clauses-MIN_NUM_FORMS": "0",
        "clauses-MAX_NUM_FORMS": "30",
    }
    if terms.is_hourly:
        data["hourly_rate"] = money(terms.hourly_rate)
    for side in ("client", "supplier"):
        for name in LEGAL_FIELDS:
            data[f"{side}_{name}"] = getattr(getattr(terms, side), name)
    for index, milestone in enumerate(terms.milestones):
        data[f"milestones-{index}-key"] = milestone.key
        data[f"milestones-{index}-title"] = milestone.title
        data[f"milestones-{index}-amount"] = money(milestone.amount)
        data[f"milestones-{index}-due_date"] = milestone.due_date.isoformat() if milestone.due_date else ""
    for index, clause in enumerate(terms.clauses):
        data[f"clauses-{index}-key"] = clause.key
        data[f"clauses-{index}-title"] = clause.title
        data[f"clauses-{index}-text"] = clause.text
    data.update(overrides)
    return data
