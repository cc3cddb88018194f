"""Amendments (change orders): an active contract's parties agree a new version while the signed one stays
in force; milestones that money or delivery reached cannot be taken back."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse

from contracts import selectors, services
from contracts.models import Contract, ContractMilestone, ContractStatus, MilestoneStatus, Signature
from contracts.services import SignatureInput
from contracts.terms import MilestoneTerms, Terms
from contracts.tests.conftest import proposal_form
from contracts.tests.test_signing_views import reauthenticated
from core.exceptions import DomainError, InvalidTransition
from core.models import AuditEvent, OutboxMessage
from tests.support import signed_in

pytestmark = pytest.mark.django_db


def typed(contract: Contract) -> SignatureInput:
    contract.refresh_from_db()
    assert contract.current_version is not None
    return SignatureInput(sha256=contract.current_version.sha256, method="typed", typed_name="Ada")


def with_third_milestone(terms: Terms) -> Terms:
    """A change order: a third milestone, the price raised to match."""
    extra = MilestoneTerms(key="m3", title="Tax return", amount=50_000)
    return replace(terms, milestones=(*terms.milestones, extra), price=terms.price + 50_000)


def fund(contract: Contract, key: str) -> None:
    ContractMilestone.objects.filter(contract=contract, key=key).update(status=MilestoneStatus.FUNDED)


def propose(contract: Contract, organization, terms: Terms):  # type: ignore[no-untyped-def]
    return services.propose_version(actor=organization.owner, organization=organization, contract=contract, terms=terms)


class TestProposingAnAmendment:
    def test_the_contract_stays_active_under_its_signed_version(self, active, firm):
        signed = active.signed_version
        signatures = Signature.objects.filter(version=signed, voided_at__isnull=True).count()

        amendment = propose(active, firm, with_third_milestone(active.terms))

        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE
        assert active.signed_version == signed
        assert active.current_version == amendment
        assert active.has_amendment
        # The signed version keeps its signatures; the new milestone has no record until it is signed.
        assert Signature.objects.filter(version=signed, voided_at__isnull=True).count() == signatures == 2
        assert sorted(active.milestones.values_list("key", flat=True)) == ["m1", "m2"]
        assert AuditEvent.objects.filter(action="contract.amendment_proposed").count() == 1

    def test_removing_a_funded_milestone_is_refused_and_nothing_changes(self, active, firm):
        fund(active, "m1")
        terms = active.terms
        without = replace(terms, milestones=terms.milestones[1:], price=terms.milestones[1].amount)

        with pytest.raises(DomainError) as refused:
            propose(active, firm, without)

        assert "cannot be removed" in str(refused.value.field_errors)
        active.refresh_from_db()
        assert active.current_version == active.signed_version
        assert active.versions.count() == 1
        assert active.milestones.get(key="m1").status == MilestoneStatus.FUNDED

    def test_lowering_a_funded_milestone_is_refused(self, active, other_firm):
        fund(active, "m2")
        terms = active.terms
        lowered = replace(terms.milestones[1], amount=terms.milestones[1].amount - 10_000)
        changed = replace(terms, milestones=(terms.milestones[0], lowered), price=terms.price - 10_000)

        with pytest.raises(DomainError) as refused:
            propose(active, other_firm, changed)

        assert "cannot go below" in str(refused.value.field_errors)
        assert active.versions.count() == 1

    def test_a_pending_milestone_may_be_removed_and_a_funded_one_raised(self, active, firm):
        fund(active, "m2")
        terms = active.terms
        raised = replace(terms.milestones[1], amount=terms.milestones[1].amount + 5_000)

        version = propose(active, firm, replace(terms, milestones=(raised,), price=raised.amount))

        assert version.number == 2

    def test_a_cancelled_contract_takes_no_amendment(self, contract, firm):
        services.cancel_contract(actor=firm.owner, organization=firm, contract=contract, reason="No longer needed.")
        with pytest.raises(InvalidTransition):
            propose(contract, firm, with_third_milestone(contract.terms))


class TestSigningAnAmendment:
    def test_both_signatures_put_it_in_force_with_a_new_pdf(self, active, firm, other_firm):
        first = active.signed_version
        amendment = propose(active, other_firm, with_third_milestone(active.terms))
        services.send_for_signing(actor=other_firm.owner, organization=other_firm, contract=active)
        active.refresh_from_db()
        assert active.out_for_signing
        assert selectors.waiting_for(active) == ["client", "supplier"]

        services.sign(actor=firm.owner, organization=firm, contract=active, data=typed(active))
        active.refresh_from_db()
        assert active.signed_version == first  # one signature: the signed version stays in force
        services.sign(actor=other_firm.owner, organization=other_firm, contract=active, data=typed(active))

        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE
        assert active.signed_version == amendment
        assert active.amendment_sent_at is None
        assert not active.has_amendment
        assert sorted(active.milestones.values_list("key", flat=True)) == ["m1", "m2", "m3"]
        renders = OutboxMessage.objects.filter(task_name="contracts.render_contract_pdf")
        assert {r.kwargs["version_id"] for r in renders} == {first.pk, amendment.pk}
        assert AuditEvent.objects.filter(action="contract.amendment_signed").count() == 1
        assert AuditEvent.objects.filter(action="contract.active").count() == 1  # activated once, at first

    def test_an_amendment_is_not_signed_before_it_is_sent(self, active, firm):
        propose(active, firm, with_third_milestone(active.terms))
        with pytest.raises(InvalidTransition):
            services.sign(actor=firm.owner, organization=firm, contract=active, data=typed(active))

    def test_a_signed_contract_without_an_amendment_is_not_sent_again(self, active, firm):
        with pytest.raises(InvalidTransition):
            services.send_for_signing(actor=firm.owner, organization=firm, contract=active)

    def test_a_milestone_funded_after_the_proposal_stops_the_signing(self, active, firm, other_firm):
        terms = active.terms
        propose(active, firm, replace(terms, milestones=terms.milestones[:1], price=terms.milestones[0].amount))
        services.send_for_signing(actor=firm.owner, organization=firm, contract=active)
        fund(active, "m2")

        with pytest.raises(DomainError):
            services.sign(actor=firm.owner, organization=firm, contract=active, data=typed(active))

        assert not Signature.objects.filter(version=active.current_version).exists()

    def test_a_signed_amendment_never_deletes_a_milestone_under_way(self, active, firm):
        fund(active, "m1")
        services.drafting.follow_keys(active, replace(active.terms, milestones=active.terms.milestones[1:]))
        assert active.milestones.filter(key="m1", status=MilestoneStatus.FUNDED).exists()


class TestTheAmendmentPages:
    def test_the_proposal_page_proposes_an_amendment(self, active, firm):
        client = signed_in(firm.owner, firm)
        url = reverse("contract-propose", kwargs={"contract_id": active.pk})

        page = client.get(url)
        assert page.status_code == 200
        assert "Propose an amendment" in page.content.decode()

        response = client.post(url, proposal_form(active.terms, title="Annual accounts 2026, amended"))
        assert response.status_code == 302
        active.refresh_from_db()
        assert active.current_version.number == 2
        assert active.status == ContractStatus.ACTIVE

    def test_the_page_refuses_removing_a_funded_milestone(self, active, firm):
        fund(active, "m1")
        terms = active.terms
        without = replace(terms, milestones=terms.milestones[1:], price=terms.milestones[1].amount)
        client = signed_in(firm.owner, firm)

        response = client.post(reverse("contract-propose", kwargs={"contract_id": active.pk}), proposal_form(without))

        assert response.status_code == 200
        assert "cannot be removed" in response.content.decode()
        assert active.versions.count() == 1

    def test_the_signing_card_says_the_signed_version_stays_in_force(self, active, firm):
        propose(active, firm, with_third_milestone(active.terms))
        services.send_for_signing(actor=firm.owner, organization=firm, contract=active)

        page = signed_in(firm.owner, firm).get(reverse("contract-detail", kwargs={"contract_id": active.pk}))

        text = page.content.decode()
        assert "Amendment (version 2) waits for signatures" in text
        assert "Version 1 stays in force" in text


def test_signing_the_amendment_on_its_page_says_it_is_in_force(active, firm, other_firm):
    propose(active, firm, with_third_milestone(active.terms))
    services.send_for_signing(actor=firm.owner, organization=firm, contract=active)
    services.sign(actor=firm.owner, organization=firm, contract=active, data=typed(active))
    client = reauthenticated(other_firm.owner, other_firm)
    url = reverse("contract-sign", kwargs={"contract_id": active.pk})
    data = {"sha256": typed(active).sha256, "intent": "on", "method": "typed", "typed_name": "Bo"}

    response = client.post(url, data, follow=True)

    assert "the amendment is in force" in response.content.decode()
    active.refresh_from_db()
    assert active.signed_version == active.current_version
