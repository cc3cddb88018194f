"""Ending an active contract: with the notice its terms give, or by taking the work back in-house; pending
milestones cancelled, those under way recorded for the parties to settle; the task page and the client's
reports say so."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contracts import selectors, services
from contracts.models import Contract, ContractMilestone, ContractStatus, EndKind, MilestoneStatus
from contracts.terms import Clause
from contracts.tests.conftest import make_active
from core.exceptions import DomainError, InvalidTransition, NotFound, PermissionDenied
from core.models import AuditEvent, OutboxMessage
from tests.factories import OrganizationFactory, make_member
from tests.support import signed_in

pytestmark = pytest.mark.django_db


def end(contract: Contract, organization, **options):  # type: ignore[no-untyped-def]
    options.setdefault("reason", "The project was stopped by the board.")
    return services.terminate_contract(
        actor=organization.owner, organization=organization, contract=contract, **options
    )


def fund(contract: Contract, key: str, status: str = MilestoneStatus.FUNDED) -> None:
    ContractMilestone.objects.filter(contract=contract, key=key).update(status=status)


class TestTerminating:
    def test_cancels_pending_milestones_and_records_what_is_under_way(self, active, other_firm):
        fund(active, "m1")

        end(active, other_firm)

        active.refresh_from_db()
        assert active.status == ContractStatus.TERMINATED
        assert active.end_kind == EndKind.TERMINATED
        assert active.end_reason == "The project was stopped by the board."
        assert active.ended_at is not None
        assert active.ends_on == timezone.localdate() + timedelta(days=7)  # the seeded clause: 7 days' notice
        assert dict(active.milestones.values_list("key", "status")) == {
            "m1": MilestoneStatus.FUNDED,
            "m2": MilestoneStatus.CANCELLED,
        }
        assert active.settlement == [
            {"key": "m1", "title": "Books closed", "amount": 100_000, "status": "funded", "status_label": "Funded"}
        ]

    def test_is_audited_once_and_safe_to_repeat(self, active, firm):
        end(active, firm)
        end(active, firm, reason="Another reason, sent again.")

        active.refresh_from_db()
        assert active.end_reason == "The project was stopped by the board."
        events = AuditEvent.objects.filter(action="contract.terminated")
        assert events.count() == 1
        assert events.get().details["end_kind"] == "terminated"

    def test_tells_the_other_side(self, active, firm, other_firm):
        OutboxMessage.objects.all().delete()
        end(active, firm)
        emails = [m.kwargs for m in OutboxMessage.objects.filter(task_name="core.send_email")]
        assert [e["to"] for e in emails] == [[other_firm.owner.email]]
        assert "The project was stopped by the board." in emails[0]["body"]

    def test_a_non_party_learns_nothing(self, active):
        stranger = OrganizationFactory()
        stranger.owner = make_member(stranger, role="owner")
        with pytest.raises(NotFound):
            end(active, stranger)
        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE

    def test_a_contract_not_active_cannot_be_ended(self, contract, firm):
        with pytest.raises(InvalidTransition) as refused:
            end(contract, firm)
        assert refused.value.status_code == 409
        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT

    def test_a_plain_member_cannot_end_it(self, active, firm):
        member = make_member(firm)
        with pytest.raises(PermissionDenied):
            services.terminate_contract(actor=member, organization=firm, contract=active, reason="Because.")
        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE

    @pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, "nul\x00inside"])
    def test_a_reason_is_required_and_bounded(self, active, firm, reason):
        with pytest.raises(DomainError):
            end(active, firm, reason=reason)
        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE

    def test_the_notice_is_read_from_the_termination_clause(self, contract, firm, other_firm):
        terms = contract.terms
        clauses = tuple(
            replace(c, text="Either party may end this contract with 30 days' notice.") if c.key == "termination" else c
            for c in terms.clauses
        )
        services.propose_version(
            actor=firm.owner, organization=firm, contract=contract, terms=replace(terms, clauses=clauses)
        )
        active = make_active(contract, firm, other_firm)

        end(active, firm)

        active.refresh_from_db()
        assert active.ends_on == timezone.localdate() + timedelta(days=30)

    def test_without_a_notice_clause_the_setting_gives_it(self, settings, contract):
        settings.CONTRACT_NOTICE_DAYS = 12
        terms = replace(contract.terms, clauses=(Clause(key="other", title="Other", text="Nothing on notice."),))
        assert selectors.notice_days(terms) == 12

    def test_an_effective_date_before_the_notice_runs_out_is_refused(self, active, firm):
        with pytest.raises(DomainError):
            end(active, firm, effective_on=timezone.localdate() + timedelta(days=2))
        later = timezone.localdate() + timedelta(days=20)
        assert end(active, firm, effective_on=later).ends_on == later


class TestInsourcing:
    def test_the_client_takes_the_work_back_in_house(self, active, firm):
        end(active, firm, end_kind=EndKind.INSOURCED, reason="Our new hire <b>does</b> the books.")
        active.refresh_from_db()
        assert (active.status, active.end_kind) == (ContractStatus.TERMINATED, EndKind.INSOURCED)

    def test_only_the_client_may_choose_it(self, active, other_firm):
        with pytest.raises(PermissionDenied):
            end(active, other_firm, end_kind=EndKind.INSOURCED)
        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE

    def test_the_task_page_shows_it_to_the_task_owner_escaped(self, active, firm, other_firm):
        end(active, firm, end_kind=EndKind.INSOURCED, reason="Our new hire <b>does</b> the books.")
        url = active.task.get_absolute_url()

        page = signed_in(firm.owner, firm).get(url).content.decode()
        supplier_page = signed_in(other_firm.owner, other_firm).get(url).content.decode()

        on = timezone.localdate().strftime("%-d %b %Y")
        assert f"Taken back in-house on {on}:" in page
        assert "Our new hire &lt;b&gt;does&lt;/b&gt; the books." in page
        assert "Taken back in-house" not in supplier_page

    def test_the_summary_counts_outsourced_and_insourced_work(self, firm, other_firm, contract, active_pair):
        insourced, terminated, _running = active_pair
        end(insourced, firm, end_kind=EndKind.INSOURCED)
        end(terminated, other_firm)

        summary = selectors.outsourcing_summary(firm)

        assert (summary.active, summary.completed, summary.terminated, summary.insourced) == (1, 0, 1, 1)
        assert selectors.outsourcing_summary(other_firm).total == 0  # it is the supplier on all of them
        page = signed_in(firm.owner, firm).get(reverse("contract-list")).content.decode()
        assert "taken back in-house" in page


@pytest.fixture
def active_pair(firm, other_firm):  # type: ignore[no-untyped-def]
    """Three active contracts between the firm (client) and the other firm."""
    from marketplace import services as marketplace
    from tests.factories import bid_input, open_task

    found = []
    for n in range(3):
        task = open_task(firm, title=f"Payroll {n}")
        bid = marketplace.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
        marketplace.accept_bid(actor=firm.owner, bid=bid)
        found.append(make_active(Contract.objects.get(bid=bid), firm, other_firm))
    return found


class TestTheEndingPages:
    def test_the_contract_page_offers_the_ending_and_insourcing_to_the_client(self, active, firm, other_firm):
        url = reverse("contract-detail", kwargs={"contract_id": active.pk})
        client_page = signed_in(firm.owner, firm).get(url).content.decode()
        supplier_page = signed_in(other_firm.owner, other_firm).get(url).content.decode()
        assert "End the contract" in client_page
        assert "We are taking the work back in-house" in client_page
        assert "End the contract" in supplier_page
        assert "We are taking the work back in-house" not in supplier_page

    def test_a_first_post_asks_for_confirmation_and_changes_nothing(self, active, firm):
        fund(active, "m1")
        url = reverse("contract-end", kwargs={"contract_id": active.pk})

        response = signed_in(firm.owner, firm).post(url, {"reason": "Budget cut.", "insourced": "on"})

        assert response.status_code == 200
        text = response.content.decode()
        assert "7 days' notice" in text
        assert "Books closed" in text
        assert "does not move money yet" in text
        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE

    def test_confirming_ends_it(self, active, firm):
        url = reverse("contract-end", kwargs={"contract_id": active.pk})
        client = signed_in(firm.owner, firm)

        response = client.post(url, {"reason": "Budget cut.", "insourced": "on", "confirm": "yes"})

        assert response.status_code == 302
        active.refresh_from_db()
        assert (active.status, active.end_kind) == (ContractStatus.TERMINATED, EndKind.INSOURCED)
        page = client.get(reverse("contract-detail", kwargs={"contract_id": active.pk})).content.decode()
        assert "Taken back in-house" in page
        assert "Budget cut." in page

    def test_the_supplier_cannot_insource_by_forging_the_field(self, active, other_firm):
        url = reverse("contract-end", kwargs={"contract_id": active.pk})
        signed_in(other_firm.owner, other_firm).post(url, {"reason": "Done.", "insourced": "on", "confirm": "yes"})
        active.refresh_from_db()
        assert active.end_kind == EndKind.TERMINATED  # the field is not on the supplier's form

    def test_a_draft_is_refused_with_409(self, contract, firm):
        url = reverse("contract-end", kwargs={"contract_id": contract.pk})
        response = signed_in(firm.owner, firm).post(url, {"reason": "Budget cut.", "confirm": "yes"})
        assert response.status_code == 409
        contract.refresh_from_db()
        assert contract.status == ContractStatus.DRAFT

    def test_an_empty_reason_shows_the_form_again(self, active, firm):
        url = reverse("contract-end", kwargs={"contract_id": active.pk})
        response = signed_in(firm.owner, firm).post(url, {"reason": "", "confirm": "yes"})
        assert response.status_code == 400
        assert "Say why the contract ends." in response.content.decode()
        active.refresh_from_db()
        assert active.status == ContractStatus.ACTIVE


def test_no_email_is_sent_inside_the_request(active, firm):
    end(active, firm)
    assert mail.outbox == []  # queued in the outbox, delivered after commit by a worker
