"""Writes to contracts. For now: the draft born from an accepted bid."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from accounts.models import User
from contracts.models import Contract, ContractMilestone
from core import audit

if TYPE_CHECKING:
    from marketplace.models import Bid


@transaction.atomic
def create_draft_from_bid(*, actor: User, bid: Bid) -> Contract:
    """A draft contract with the task's scope and the bid's price and milestones. Safe to repeat.

    Caller holds the task and bid locks (``marketplace.services.accept_bid``).
    """
    existing = Contract.objects.filter(bid=bid).first()
    if existing is not None:
        return existing
    task = bid.task
    contract = Contract.objects.create(
        client=task.organization,
        supplier=bid.supplier,
        task=task,
        bid=bid,
        title=task.title,
        scope=task.description,
        currency=bid.currency,
        total_amount=bid.amount,
        deadline=bid.delivery_date,
        created_by=actor,
    )
    ContractMilestone.objects.bulk_create(
        ContractMilestone(contract=contract, position=m.position, title=m.title, amount=m.amount, due_date=m.due_date)
        for m in bid.milestones.all()
    )
    audit.record(
        action="contract.drafted",
        actor=actor,
        organization=task.organization,
        target=contract,
        details={"bid": bid.pk, "supplier": bid.supplier_id, "total": bid.amount, "currency": bid.currency},
    )
    return contract
