"""Contracts keep their terms in frozen versions; each state change is a service call that audits itself."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import IntegrityError, connection, transaction

from contracts import services
from contracts.models import (
    Contract,
    ContractStatus,
    ContractVersion,
    ImmutableVersion,
    MilestoneStatus,
)
from contracts.services._common import transition
from contracts.terms import MilestoneTerms, Terms, canonical_text, sha256
from contracts.tests.conftest import days
from core import limits
from core.exceptions import Invalid, InvalidTransition, NotFound
from core.models import AuditEvent
from tests.factories import OrganizationFactory, make_member

pytestmark = pytest.mark.django_db


def with_milestones(terms: Terms, *milestones: MilestoneTerms) -> Terms:
    return replace(terms, milestones=milestones)


# --- the draft -----------------------------------------------------------------------------------


def test_an_accepted_bid_drafts_version_one_from_the_task_and_the_bid(contract, firm, other_firm):
    version = contract.current_version
    terms = contract.terms

    assert (contract.status, version.number, version.proposed_by, version.proposed_by_organization) == (
        ContractStatus.DRAFT,
        1,
        firm.owner,
        firm,
    )
    assert (terms.title, terms.currency, terms.total) == ("Annual accounts 2026", "EUR", 280_000)
    assert [(m.key, m.title, m.amount, m.due_date) for m in terms.milestones] == [
        ("m1", "Books closed", 100_000, days(10)),
        ("m2", "Accounts filed", 180_000, days(40)),
    ]
    assert (terms.client.name, terms.supplier.name) == (firm.name, other_firm.name)
    assert version.text == canonical_text(terms, contract_id=contract.pk, number=1)
    assert version.sha256 == sha256(version.text)
    assert f"2. [m2] Accounts filed: €1,800.00, due {days(40).isoformat()}" in version.text
    assert [(m.key, m.status) for m in contract.milestones.all()] == [("m1", "pending"), ("m2", "pending")]
    drafted = AuditEvent.objects.get(action="contract.drafted")
    assert drafted.details["sha256"] == version.sha256


def test_drafting_twice_makes_one_contract_and_one_version(contract, firm):
    again = services.create_draft_from_bid(actor=firm.owner, bid=contract.bid)

    assert again == contract
    assert ContractVersion.objects.filter(contract=contract).count() == 1


def test_hourly_terms_say_the_rate_the_estimate_and_the_cap(contract):
    hourly = replace(contract.terms, hourly_rate=6_000, price=240_000, end_kind="hours", hours_cap=40)

    text = canonical_text(hourly, contract_id=contract.pk, number=2)

    assert "Price: €60.00 an hour, estimated at €2,400.00 in all (EUR)" in text
    assert "At most 40 hours, by " in text
    assert Terms.from_json(hourly.as_json()) == hourly


def test_the_same_terms_give_the_same_text_and_json_reads_back_equal(contract):
    terms = contract.terms

    assert Terms.from_json(terms.as_json()) == terms
    assert canonical_text(terms, contract_id=7, number=2) == canonical_text(terms, contract_id=7, number=2)
    assert canonical_text(terms, contract_id=7, number=2) != canonical_text(terms, contract_id=7, number=3)


# --- frozen versions -----------------------------------------------------------------------------


def test_a_version_cannot_be_saved_twice_or_deleted_through_the_model(contract):
    version = contract.current_version
    version.note = "changed"

    with pytest.raises(ImmutableVersion):
        version.save()
    with pytest.raises(ImmutableVersion):
        version.delete()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE contracts_contractversion SET text = 'forged' WHERE id = %s",
        "DELETE FROM contracts_contractversion WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_version(contract, statement):
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [contract.current_version_id])

    assert ContractVersion.objects.get(pk=contract.current_version_id).text == contract.current_version.text


def test_a_bulk_update_is_refused_too(contract):
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractVersion.objects.filter(contract=contract).update(note="forged")


# --- proposals -----------------------------------------------------------------------------------


def test_a_proposal_is_a_new_version_to_sign_and_opens_the_negotiation(contract, other_firm):
    first = contract.current_version
    terms = contract.terms
    changed = with_milestones(
        replace(terms, title="Annual accounts 2026, with payroll", price=150_000),
        terms.milestones[0],
        MilestoneTerms(key="m3", title="Payroll set up", amount=50_000, due_date=days(50)),
    )

    version = services.propose_version(
        actor=other_firm.owner, organization=other_firm, contract=contract, terms=changed, note="Payroll instead"
    )

    contract.refresh_from_db()
    assert (version.number, version.proposed_by_organization, version.note) == (2, other_firm, "Payroll instead")
    assert (contract.current_version, contract.status, contract.title) == (
        version,
        ContractStatus.NEGOTIATING,
        "Annual accounts 2026, with payroll",
    )
    assert version.sha256 != first.sha256
    assert contract.terms.total == 150_000
    assert sorted(contract.milestones.values_list("key", flat=True)) == ["m1", "m3"]
    assert ContractVersion.objects.get(pk=first.pk).read_terms() == terms  # the first is as it was
    actions = AuditEvent.objects.filter(target_type="contracts.contract", target_id=str(contract.pk))
    assert list(actions.order_by("id").values_list("action", flat=True))[-2:] == [
        "contract.negotiating",
        "contract.version_proposed",
    ]


def test_proposing_the_current_terms_again_changes_nothing(contract, firm):
    before = AuditEvent.objects.count()

    version = services.propose_version(actor=firm.owner, organization=firm, contract=contract, terms=contract.terms)

    assert version == contract.current_version
    assert ContractVersion.objects.filter(contract=contract).count() == 1
    assert AuditEvent.objects.count() == before


def test_only_a_party_proposes(contract, firm):
    outsider = make_member(firm, role="member")  # a member of the client, acting for an organization it is not in
    stranger_org = OrganizationFactory(name="Stranger Ltd")
    stranger = make_member(stranger_org, role="owner")

    with pytest.raises(NotFound):
        services.propose_version(actor=stranger, organization=stranger_org, contract=contract, terms=contract.terms)
    with pytest.raises(NotFound):
        services.propose_version(actor=outsider, organization=stranger_org, contract=contract, terms=contract.terms)


def test_terms_a_contract_cannot_hold_are_refused_all_at_once_and_nothing_is_written(contract, firm):
    terms = contract.terms
    broken = replace(
        terms,
        title="\u200b",
        scope="Books\x00",
        currency="USD",
        milestones=(
            MilestoneTerms(key="m1", title="", amount=0),
            MilestoneTerms(key="m1", title="Twice", amount=limits.MAX_AMOUNT + 1),
        ),
        end_kind="hours",
        hours_cap=None,
    )

    with pytest.raises(Invalid) as refused:
        services.propose_version(actor=firm.owner, organization=firm, contract=contract, terms=broken)

    assert set(refused.value.field_errors) == {"title", "scope", "currency", "milestones", "hours_cap"}
    milestone_errors = refused.value.field_errors["milestones"]
    assert len(milestone_errors) == len(set(milestone_errors)) == 4  # title, amounts, keys, their sum: once each
    assert ContractVersion.objects.filter(contract=contract).count() == 1
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


# --- states ---------------------------------------------------------------------------------------


def test_every_state_has_its_transitions_and_the_ends_lead_nowhere():
    assert set(services.CONTRACT_TRANSITIONS) == set(ContractStatus.values)
    for end in (ContractStatus.COMPLETED, ContractStatus.TERMINATED, ContractStatus.CANCELLED):
        assert services.CONTRACT_TRANSITIONS[end] == frozenset()
    assert set(services.MILESTONE_TRANSITIONS) == set(MilestoneStatus.values)


def test_a_cancelled_contract_takes_no_proposal_and_cancelling_again_changes_nothing(contract, firm, other_firm):
    services.cancel_contract(actor=other_firm.owner, organization=other_firm, contract=contract, reason="Booked up")
    events = AuditEvent.objects.filter(action="contract.cancelled").count()

    again = services.cancel_contract(actor=firm.owner, organization=firm, contract=contract, reason="Twice")

    assert (again.status, again.end_reason) == (ContractStatus.CANCELLED, "Booked up")
    assert set(contract.milestones.values_list("status", flat=True)) == {MilestoneStatus.CANCELLED}
    assert AuditEvent.objects.filter(action="contract.cancelled").count() == events == 1
    with pytest.raises(InvalidTransition):
        services.propose_version(actor=firm.owner, organization=firm, contract=contract, terms=contract.terms)


def test_an_active_contract_cannot_go_back_to_negotiating(contract, firm):
    Contract.objects.filter(pk=contract.pk).update(status=ContractStatus.ACTIVE)
    contract.refresh_from_db()

    with pytest.raises(InvalidTransition):
        transition(contract, ContractStatus.NEGOTIATING, actor=firm.owner, organization=firm)
