"""The marketplace's rules: posting, bidding, choosing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts.models import Contract
from core.exceptions import Conflict, DomainError, Invalid, InvalidTransition, NotFound, PermissionDenied
from core.models import AuditEvent
from marketplace import services
from marketplace.models import Bid, BidInvitation, Skill, Task, TaskRevision
from marketplace.services import MilestoneInput, searches
from tests.factories import bid_input, make_member, open_task, task_input

pytestmark = pytest.mark.django_db


class TestPostingTasks:
    def test_member_posts_an_open_task_with_slugged_skills(self, firm):
        task = open_task(firm)

        assert task.status == "open"
        assert task.published_at is not None
        assert task.skills == ["payroll", "datev"]
        assert list(AuditEvent.objects.for_org(firm).filter(target_id=str(task.pk)).values_list("action", flat=True))

    def test_every_broken_rule_is_reported_at_once_and_nothing_is_saved(self, firm):
        with pytest.raises(Invalid) as error:
            services.create_task(
                actor=firm.owner,
                organization=firm,
                data=task_input(
                    title=" ",
                    budget_amount=0,
                    deadline=timezone.localdate() - timedelta(days=1),
                    in_house_cost_estimate=-5,
                ),
            )

        assert {"title", "budget_amount", "deadline", "in_house_cost_estimate"} <= set(error.value.errors)
        assert not Task.objects.exists()

    def test_checking_terms_names_every_field_and_writes_nothing(self):
        with pytest.raises(Invalid) as error:
            services.validate_task_input(
                data=task_input(
                    category_id=None,
                    budget_amount=None,
                    deadline=timezone.localdate() - timedelta(days=3),
                    bidding_closes_at=timezone.now() + timedelta(days=3650),
                    skills=["Unheard-of skill"],
                )
            )

        assert error.value.errors == {
            "category": ["Choose a category."],
            "budget_amount": ["Enter a budget above zero."],
            "deadline": ["The deadline must be in the future."],
            "bidding_closes_at": ["Bidding must close before the deadline."],
        }
        assert not Skill.objects.filter(slug="unheard-of-skill").exists()

    def test_empty_terms_say_what_each_field_needs(self):
        with pytest.raises(Invalid) as error:
            services.validate_task_input(data=services.TaskInput())

        assert set(error.value.errors) == {
            "title",
            "description",
            "category",
            "currency",
            "budget_type",
            "deadline",
            "bidding_closes_at",
        }

    def test_hourly_budget_is_the_cap(self, firm):
        task = open_task(
            firm, budget_type="hourly", budget_amount=None, hourly_rate_min=4_000, hourly_rate_max=6_000, hours_cap=100
        )

        assert task.budget_amount == 600_000

    def test_hourly_rates_must_be_ordered(self, firm):
        with pytest.raises(Invalid) as error:
            open_task(firm, budget_type="hourly", hourly_rate_min=6_000, hourly_rate_max=4_000, hours_cap=10)

        assert "hourly_rate_max" in error.value.errors

    def test_onsite_work_needs_a_place(self, firm):
        with pytest.raises(Invalid) as error:
            open_task(firm, location_type="onsite", country="", city="")

        assert set(error.value.errors) >= {"country", "city"}

    def test_outsider_cannot_post_for_an_organization(self, firm, other_firm):
        with pytest.raises(NotFound):
            services.create_task(actor=other_firm.owner, organization=firm, data=task_input())

    def test_editing_an_open_task_keeps_a_revision_for_bidders(self, firm):
        task = open_task(firm)

        terms = services.task_input_from(task)
        terms.budget_amount = 350_000
        services.update_task(actor=firm.owner, task=task, data=terms)

        task.refresh_from_db()
        assert task.edited_at is not None
        revision = TaskRevision.objects.get(task=task)
        assert revision.changes == {"budget_amount": [300_000, 350_000]}

    def test_private_estimate_edits_are_not_shown_to_bidders(self, firm):
        task = open_task(firm)

        terms = services.task_input_from(task)
        terms.in_house_cost_estimate = 500_000
        services.update_task(actor=firm.owner, task=task, data=terms)

        assert not TaskRevision.objects.filter(task=task).exists()

    def test_transitions_follow_the_table(self, firm):
        task = open_task(firm)
        services.cancel_task(actor=firm.owner, task=task)

        with pytest.raises(InvalidTransition):
            services.publish_task(actor=firm.owner, task=task)
        services.cancel_task(actor=firm.owner, task=task)  # repeating is harmless


class TestBidding:
    def test_supplier_bids_and_the_client_is_told(
        self, firm, other_firm, mailoutbox, django_capture_on_commit_callbacks
    ):
        task = open_task(firm)

        with django_capture_on_commit_callbacks(execute=True):
            bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        assert bid.status == "submitted"
        assert [m.amount for m in bid.milestones.all()] == [80_000, 200_000]
        assert bid.currency == "EUR"
        assert any("New bid" in m.subject for m in mailoutbox)

    def test_milestones_must_add_up_to_a_fixed_price(self, firm, other_firm):
        task = open_task(firm)
        today = timezone.localdate()

        with pytest.raises(Invalid) as error:
            services.submit_bid(
                actor=other_firm.owner,
                supplier=other_firm,
                task=task,
                data=bid_input(milestones=[MilestoneInput("All", 100_000, today + timedelta(days=20))]),
            )

        assert error.value.errors["milestones"] == ["The milestones must add up to the price."]
        assert not Bid.objects.exists()

    def test_nobody_bids_on_their_own_task(self, firm):
        task = open_task(firm)

        with pytest.raises(DomainError, match="own organization"):
            services.submit_bid(actor=firm.owner, supplier=firm, task=task, data=bid_input())

    def test_no_bids_after_bidding_closes(self, firm, other_firm):
        task = open_task(firm)
        Task.objects.filter(pk=task.pk).update(bidding_closes_at=timezone.now() - timedelta(minutes=1))

        with pytest.raises(DomainError, match="closed"):
            services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

    def test_a_second_live_bid_is_refused(self, firm, other_firm):
        task = open_task(firm)
        services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        with pytest.raises(Conflict):
            services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        assert Bid.objects.filter(task=task).count() == 1

    def test_the_database_itself_allows_one_live_bid(self, firm, other_firm):
        task = open_task(firm)
        bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        with pytest.raises(IntegrityError), transaction.atomic():
            Bid.objects.create(
                task=task,
                supplier=other_firm,
                price_type="fixed",
                currency="EUR",
                amount=1,
                start_date=bid.start_date,
                availability_hours_per_week=1,
                delivery_date=bid.delivery_date,
                cover_letter="x",
            )

    def test_after_withdrawing_a_supplier_may_bid_again(self, firm, other_firm):
        task = open_task(firm)
        first = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
        services.withdraw_bid(actor=other_firm.owner, bid=first)

        second = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        assert second.pk != first.pk

    def test_invite_only_tasks_take_bids_from_invited_suppliers_only(self, firm, other_firm):
        task = open_task(firm, visibility="invite_only")

        with pytest.raises(NotFound):
            services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=other_firm)
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=other_firm)
        assert BidInvitation.objects.filter(task=task).count() == 1
        bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
        assert bid.status == "submitted"


class TestChoosing:
    def test_accepting_awards_the_task_declines_the_rest_and_drafts_a_contract(self, firm, other_firm, user):
        from accounts.models import Organization

        task = open_task(firm)
        winner = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
        third = Organization.objects.get(memberships__user=user, is_personal=True)
        loser = services.submit_bid(actor=user, supplier=third, task=task, data=bid_input())

        services.accept_bid(actor=firm.owner, bid=winner)

        task.refresh_from_db()
        loser.refresh_from_db()
        assert task.status == "awarded"
        assert loser.status == "declined"
        contract = Contract.objects.get(bid=winner)
        assert (contract.client, contract.supplier, contract.terms.total) == (firm, other_firm, 280_000)
        assert contract.milestones.count() == 2

    def test_accepting_twice_is_harmless(self, firm, other_firm):
        task = open_task(firm)
        bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
        services.accept_bid(actor=firm.owner, bid=bid)

        services.accept_bid(actor=firm.owner, bid=bid)

        assert Contract.objects.filter(bid=bid).count() == 1

    def test_plain_members_cannot_accept(self, firm, other_firm):
        task = open_task(firm)
        bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
        member = make_member(firm)

        with pytest.raises(PermissionDenied):
            services.accept_bid(actor=member, bid=bid)

        bid.refresh_from_db()
        assert bid.status == "submitted"

    def test_suppliers_cannot_accept_their_own_bid(self, firm, other_firm):
        task = open_task(firm)
        bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        with pytest.raises(NotFound):
            services.accept_bid(actor=other_firm.owner, bid=bid)

    def test_decline_with_a_reason_tells_the_supplier(
        self, firm, other_firm, mailoutbox, django_capture_on_commit_callbacks
    ):
        task = open_task(firm)
        bid = services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())

        with django_capture_on_commit_callbacks(execute=True):
            services.decline_bid(actor=firm.owner, bid=bid, reason="Too far away")

        bid.refresh_from_db()
        assert (bid.status, bid.decline_reason) == ("declined", "Too far away")
        declined = [m for m in mailoutbox if "declined" in m.subject]
        assert [m.to for m in declined] == [[other_firm.owner.email]]
        assert "Too far away" in declined[0].body


class TestDraftsAndFiles:
    def test_suppliers_invited_to_a_draft_are_told_when_it_is_published(
        self, firm, other_firm, mailoutbox, django_capture_on_commit_callbacks
    ):
        task = services.create_task(actor=firm.owner, organization=firm, data=task_input())
        with django_capture_on_commit_callbacks(execute=True):
            services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=other_firm)
        assert not [m for m in mailoutbox if "invites you to bid" in m.subject]

        with django_capture_on_commit_callbacks(execute=True):
            services.publish_task(actor=firm.owner, task=task)
            services.publish_task(actor=firm.owner, task=task)  # again: no second email

        invites = [m for m in mailoutbox if "invites you to bid" in m.subject]
        assert [m.to for m in invites] == [[other_firm.owner.email]]

    def test_removing_an_attachment_deletes_the_stored_file_after_commit(
        self, firm, settings, tmp_path, django_capture_on_commit_callbacks
    ):
        from django.core.files.uploadedfile import SimpleUploadedFile

        settings.MEDIA_ROOT = tmp_path
        task = services.create_task(
            actor=firm.owner,
            organization=firm,
            data=task_input(),
            attachments=[SimpleUploadedFile("brief.pdf", b"%PDF-1.4 brief", content_type="application/pdf")],
        )
        attachment = task.attachments.get()
        path = tmp_path / attachment.file.name
        assert path.exists()

        with django_capture_on_commit_callbacks(execute=True):
            services.remove_task_attachment(actor=firm.owner, attachment=attachment)

        assert not path.exists()
        assert not task.attachments.exists()

    def test_a_tasks_files_change_only_while_its_terms_can(self, firm, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        task = services.create_task(actor=firm.owner, organization=firm, data=task_input(), attachments=[pdf()])
        services.cancel_task(actor=firm.owner, task=task)

        with pytest.raises(DomainError, match="can no longer be changed"):
            services.add_task_attachments(actor=firm.owner, task=task, uploads=[pdf("more.pdf")])
        with pytest.raises(DomainError, match="can no longer be changed"):
            services.remove_task_attachment(actor=firm.owner, attachment=task.attachments.get())

        assert list(task.attachments.values_list("original_name", flat=True)) == ["brief.pdf"]
        assert not AuditEvent.objects.filter(action__in=["task.attachments_added", "task.attachment_removed"]).exists()

    def test_a_bidder_adds_and_removes_files_and_each_change_is_audited(
        self, firm, other_firm, settings, tmp_path, django_capture_on_commit_callbacks
    ):
        settings.MEDIA_ROOT = tmp_path
        bid = services.submit_bid(
            actor=other_firm.owner, supplier=other_firm, task=open_task(firm), data=bid_input(), attachments=[pdf()]
        )

        (added,) = services.add_bid_attachments(actor=other_firm.owner, bid=bid, uploads=[pdf("plan.pdf")])
        old = bid.attachments.get(original_name="brief.pdf")
        path = tmp_path / old.file.name
        with django_capture_on_commit_callbacks(execute=True):
            services.remove_bid_attachment(actor=other_firm.owner, attachment=old)

        assert list(bid.attachments.all()) == [added]
        assert not path.exists()
        events = AuditEvent.objects.filter(organization=other_firm, target_id=str(bid.pk))
        assert events.get(action="bid.attachments_added").details == {"files": ["plan.pdf"]}
        assert events.get(action="bid.attachment_removed").details == {"file": "brief.pdf"}

    def test_a_decided_bids_files_stay_as_they_were(self, firm, other_firm, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        bid = services.submit_bid(
            actor=other_firm.owner, supplier=other_firm, task=open_task(firm), data=bid_input(), attachments=[pdf()]
        )
        services.accept_bid(actor=firm.owner, bid=bid)

        with pytest.raises(DomainError, match="accepted bid can no longer be edited"):
            services.add_bid_attachments(actor=other_firm.owner, bid=bid, uploads=[pdf("late.pdf")])
        with pytest.raises(DomainError, match="accepted bid can no longer be edited"):
            services.remove_bid_attachment(actor=other_firm.owner, attachment=bid.attachments.get())

        assert list(bid.attachments.values_list("original_name", flat=True)) == ["brief.pdf"]

    def test_only_the_bidders_members_change_its_files(self, firm, other_firm, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        bid = services.submit_bid(
            actor=other_firm.owner, supplier=other_firm, task=open_task(firm), data=bid_input(), attachments=[pdf()]
        )

        with pytest.raises(NotFound):
            services.add_bid_attachments(actor=firm.owner, bid=bid, uploads=[pdf("mine.pdf")])
        with pytest.raises(NotFound):
            services.remove_bid_attachment(actor=firm.owner, attachment=bid.attachments.get())

        assert bid.attachments.count() == 1


def pdf(name: str = "brief.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 " + name.encode(), content_type="application/pdf")


class TestSavedSearchRules:
    def save(self, organization, **overrides):  # type: ignore[no-untyped-def]
        values = {"name": "Payroll in Berlin", "filters": {"category": "payroll", "city": "Berlin"}}
        values.update(overrides)
        return services.save_search(actor=organization.owner, organization=organization, **values)

    def test_saving_is_recorded_and_a_repeat_returns_the_same_search(self, firm):
        first = self.save(firm)
        again = self.save(firm, filters={"city": "Berlin", "category": "payroll", "unknown": "dropped"})

        assert again.pk == first.pk
        assert firm.owner.saved_searches.count() == 1
        events = AuditEvent.objects.for_org(firm).filter(action="saved_search.created", target_id=str(first.pk))
        assert events.count() == 1
        assert events.get().details["filters"] == {"category": "payroll", "city": "Berlin"}

    def test_the_same_filters_under_another_name_are_another_search(self, firm):
        assert self.save(firm).pk != self.save(firm, name="Berlin payroll").pk

    def test_a_user_keeps_at_most_the_limit_and_the_limit_says_so(self, firm, monkeypatch):
        monkeypatch.setattr(searches, "MAX_SAVED_SEARCHES", 2)
        self.save(firm, name="One")
        self.save(firm, name="Two")

        with pytest.raises(DomainError, match="at most 2"):
            self.save(firm, name="Three")
        assert self.save(firm, name="Two").name == "Two"  # a repeat is not a new one

    def test_deleting_is_recorded_and_only_the_owner_may(self, firm):
        saved = self.save(firm)
        colleague = make_member(firm)

        with pytest.raises(NotFound):
            services.delete_saved_search(actor=colleague, saved_search=saved)
        services.delete_saved_search(actor=firm.owner, saved_search=saved)

        assert not firm.owner.saved_searches.exists()
        event = AuditEvent.objects.for_org(firm).get(action="saved_search.deleted")
        assert event.details == {"name": "Payroll in Berlin"}
        assert event.actor == firm.owner
