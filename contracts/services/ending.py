"""Ending an active contract before its work is done: with the notice its terms give, or because the client
takes the work back in-house (insourcing).

The platform moves no money yet: what the milestones under way are worth is recorded on the contract
(``Contract.settlement``) for the parties to settle between themselves, and the milestones nobody funded
are cancelled.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from contracts import notifications
from contracts.models import Contract, ContractStatus, EndKind, MilestoneStatus
from contracts.selectors import notice_days, settlement_of, signatory_membership
from contracts.services._common import lock_for, transition
from core import limits
from core.exceptions import DomainError, InvalidTransition, PermissionDenied
from core.text import clean, is_blank

#: The latest a termination may take effect: a year from today.
MAX_NOTICE_DAYS = 366
#: How an active contract may end early; completion is the work's own end, not a termination.
EARLY_ENDS = (EndKind.TERMINATED, EndKind.INSOURCED)


@transaction.atomic
def terminate_contract(
    *,
    actor: User,
    organization: Organization,
    contract: Contract,
    reason: str,
    effective_on: date | None = None,
    end_kind: str = EndKind.TERMINATED,
) -> Contract:
    """A party's signatory ends an active contract, giving the notice its terms give (``ends_on``, today
    plus the notice, or a later ``effective_on``), with a reason. ``end_kind="insourced"``: the client
    takes the work back in-house. Pending milestones are cancelled; those under way are recorded as owed
    (``settlement``). The other side is told. Safe to repeat: an ended contract is returned unchanged."""
    contract = lock_for(actor=actor, organization=organization, contract=contract)
    if contract.status == ContractStatus.TERMINATED:
        return contract
    if signatory_membership(user=actor, organization=organization) is None:
        raise PermissionDenied(
            f"Only {organization.name}'s authorised signatories (owners, admins and members it designates) "
            "can end its contracts."
        )
    if contract.status != ContractStatus.ACTIVE or contract.signed_version is None:
        raise InvalidTransition(
            f"Only an active contract can be ended; this one is {contract.get_status_display().lower()}."
            + (" Cancel it instead." if contract.status != ContractStatus.COMPLETED else "")
        )
    if end_kind not in EARLY_ENDS:
        raise DomainError("End it with notice, or take the work back in-house.", field="end_kind")
    if end_kind == EndKind.INSOURCED and contract.side_of(organization) != "client":
        raise PermissionDenied("Only the client takes the work back in-house.")
    reason = reason.strip()
    if is_blank(reason):
        raise DomainError("Say why the contract ends.", field="reason")
    if len(reason) > limits.SHORT_NOTE or clean(reason) != reason:
        raise DomainError(
            f"Keep the reason under {limits.SHORT_NOTE:,} characters, without control characters.", field="reason"
        )
    terms = contract.signed_version.read_terms()
    today = timezone.localdate()
    earliest = today + timedelta(days=notice_days(terms))
    ends_on = effective_on or earliest
    if not earliest <= ends_on <= today + timedelta(days=MAX_NOTICE_DAYS):
        raise DomainError(
            f"The contract's terms give {notice_days(terms)} days' notice: it ends on {earliest:%Y-%m-%d} at the "
            f"earliest, and within a year.",
            field="effective_on",
        )
    milestones = list(contract.milestones.select_for_update().order_by("id"))
    owed = settlement_of(terms, milestones)
    cancelled = [m.key for m in milestones if m.status == MilestoneStatus.PENDING]
    contract.milestones.filter(key__in=cancelled, status=MilestoneStatus.PENDING).update(
        status=MilestoneStatus.CANCELLED, updated_at=timezone.now()
    )
    contract.end_reason, contract.end_kind, contract.ends_on = reason, end_kind, ends_on
    contract.ended_at, contract.settlement = timezone.now(), owed
    transition(
        contract,
        ContractStatus.TERMINATED,
        actor=actor,
        organization=organization,
        fields=("end_reason", "end_kind", "ends_on", "ended_at", "settlement"),
        details={
            "end_kind": end_kind,
            "reason": reason,
            "ends_on": ends_on.isoformat(),
            "side": contract.side_of(organization),
            "cancelled_milestones": cancelled,
            "settlement": owed,
        },
    )
    other = contract.supplier if organization.pk == contract.client_id else contract.client
    notifications.contract_ended(contract=contract, organization=other, by=organization)
    return contract
