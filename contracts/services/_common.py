"""What every contract service shares: the transitions tables, the party lock and the audited transition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.models import Organization, User
from accounts.services import require_member
from contracts.models import Contract, ContractStatus, MilestoneStatus
from core import audit
from core.exceptions import NotFound
from core.states import check_transition

CONTRACT_TRANSITIONS: Mapping[str, frozenset[str]] = {
    ContractStatus.DRAFT: frozenset({ContractStatus.NEGOTIATING, ContractStatus.SIGNING, ContractStatus.CANCELLED}),
    ContractStatus.NEGOTIATING: frozenset({ContractStatus.SIGNING, ContractStatus.CANCELLED}),
    # A proposal while signatures are gathered voids them and reopens the negotiation.
    ContractStatus.SIGNING: frozenset({ContractStatus.NEGOTIATING, ContractStatus.ACTIVE, ContractStatus.CANCELLED}),
    ContractStatus.ACTIVE: frozenset({ContractStatus.COMPLETED, ContractStatus.TERMINATED}),
    ContractStatus.COMPLETED: frozenset(),
    ContractStatus.TERMINATED: frozenset(),
    ContractStatus.CANCELLED: frozenset(),
}

MILESTONE_TRANSITIONS: Mapping[str, frozenset[str]] = {
    MilestoneStatus.PENDING: frozenset({MilestoneStatus.FUNDED, MilestoneStatus.CANCELLED}),
    MilestoneStatus.FUNDED: frozenset({MilestoneStatus.SUBMITTED, MilestoneStatus.DISPUTED, MilestoneStatus.REFUNDED}),
    MilestoneStatus.SUBMITTED: frozenset(
        {MilestoneStatus.APPROVED, MilestoneStatus.FUNDED, MilestoneStatus.DISPUTED}  # FUNDED: changes asked
    ),
    MilestoneStatus.APPROVED: frozenset({MilestoneStatus.RELEASED}),
    MilestoneStatus.DISPUTED: frozenset({MilestoneStatus.RELEASED, MilestoneStatus.REFUNDED}),
    MilestoneStatus.RELEASED: frozenset(),
    MilestoneStatus.REFUNDED: frozenset(),
    MilestoneStatus.CANCELLED: frozenset(),
}

_STATUS_LABELS = dict(ContractStatus.choices)


def lock_for(*, actor: User, organization: Organization, contract: Contract) -> Contract:
    """The contract, row-locked, when ``organization`` is one of its parties and the actor its member."""
    require_member(actor=actor, organization=organization)
    locked = (
        Contract.objects.for_org(organization)
        .select_for_update(of=("self",))
        .select_related("current_version")
        .filter(pk=contract.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such contract.")
    return locked


def transition(
    contract: Contract,
    target: str,
    *,
    actor: User,
    organization: Organization,
    fields: tuple[str, ...] = (),
    details: Mapping[str, Any] | None = None,
) -> None:
    check_transition(
        CONTRACT_TRANSITIONS, current=contract.status, target=target, noun="contract", labels=_STATUS_LABELS
    )
    before = contract.status
    contract.status = target
    contract.save(update_fields=["status", "updated_at", *fields])
    audit.record(
        action=f"contract.{target}",
        actor=actor,
        organization=organization,
        target=contract,
        details={"from": before, "to": target, **(details or {})},
    )
