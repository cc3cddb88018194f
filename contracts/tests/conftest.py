"""Contracts made the way the product makes them: a bid accepted on a task."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from contracts.models import Contract
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
