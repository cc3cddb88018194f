"""A supplier's public page: its track record and reply time, and what a visiting client can do there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.profiles import Section, contribute, sections
from contracts.models import Contract, Review
from marketplace import services
from marketplace.models import Message
from marketplace.profile import supplier_sections
from marketplace.selectors.profiles import supplier_standing
from tests.factories import UserFactory, open_task
from tests.support import signed_in

pytestmark = pytest.mark.django_db


def profile(client: Client, organization) -> str:  # type: ignore[no-untyped-def]
    response = client.get(organization.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def answered(thread, *, client_org, supplier, after: timedelta) -> None:  # type: ignore[no-untyped-def]
    """The client asks in ``thread``; the supplier answers ``after`` later (and the job the answer
    enqueued recomputes its reply time, as it would once the answer commits)."""
    question = services.send_message(actor=client_org.owner, organization=client_org, thread=thread, body="Free?")
    answer = services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Yes.")
    Message.objects.filter(pk=answer.pk).update(created_at=question.created_at + after)
    services.refresh_reply_time(supplier_id=supplier.pk)


class TestStanding:
    def test_reviews_contracts_and_the_median_reply_of_the_last_90_days(self, firm, other_firm):
        contract = Contract.objects.create(
            client=firm,
            supplier=other_firm,
            title="Books",
            currency="EUR",
        )
        Contract.objects.filter(pk=contract.pk).update(status="completed")
        Review.objects.create(
            contract=contract,
            author=firm,
            subject=other_firm,
            rating=4,
            communication_rating=5,
            revealed_at=timezone.now(),
        )
        for hours in (1, 2, 9):
            thread = services.get_or_create_thread(task=open_task(firm), supplier=other_firm)
            answered(thread, client_org=firm, supplier=other_firm, after=timedelta(hours=hours))
        old = services.get_or_create_thread(task=open_task(firm), supplier=other_firm)
        answered(old, client_org=firm, supplier=other_firm, after=timedelta(hours=50))
        Message.objects.filter(thread=old).update(created_at=timezone.now() - timedelta(days=91))
        services.refresh_reply_time(supplier_id=other_firm.pk)  # as the nightly job does when a reply ages out

        standing = supplier_standing(organization=other_firm)

        assert standing is not None
        assert (standing.rating, standing.review_count, standing.completed_contracts) == (4.0, 1, 1)
        assert (standing.replies, standing.median_reply_seconds) == (3, 2 * 3600)  # the 91-day-old one is out

    def test_an_organization_the_directory_does_not_list_has_none(self, firm):
        assert supplier_standing(organization=firm) is None  # a client: no skills
        assert supplier_standing(organization=UserFactory().memberships.get().organization) is None  # personal


class TestPage:
    def test_visitors_see_the_record_without_actions(self, other_firm):
        html = profile(Client(), other_firm)

        assert "No reviews yet" in html
        assert "0 completed contracts" in html
        assert "No replies to clients yet in 90 days" in html
        assert "Invite to bid" not in html

    def test_a_client_invites_from_the_profile_to_one_of_its_open_tasks(self, firm, other_firm):
        task = open_task(firm, title="Quarterly VAT return")
        client = signed_in(firm.owner, firm)

        html = profile(client, other_firm)

        assert "Invite to bid" in html
        assert "Quarterly VAT return" in html
        assert f'action="/tasks/{task.pk}/invite/"' in html
        assert "Conversations happen on a task" in html
        response = client.post(
            f"/tasks/{task.pk}/invite/", {"supplier": other_firm.pk, "next": other_firm.get_absolute_url()}
        )
        assert response.status_code == 302
        assert task.bid_invitations.filter(supplier=other_firm).exists()

    def test_message_opens_the_latest_conversation_with_the_supplier(self, firm, other_firm):
        thread = services.get_or_create_thread(task=open_task(firm), supplier=other_firm)
        answered(thread, client_org=firm, supplier=other_firm, after=timedelta(minutes=20))

        html = profile(signed_in(firm.owner, firm), other_firm)

        assert f'href="/messages/{thread.pk}/"' in html
        assert "Replies within an hour" in html

    def test_its_own_members_and_a_client_page_get_no_supplier_sections(self, firm, other_firm):
        assert "Invite to bid" not in profile(signed_in(other_firm.owner, other_firm), other_firm)
        html = profile(signed_in(other_firm.owner, other_firm), firm)
        assert "completed contract" not in html
        assert "Invite to bid" not in html

    def test_the_supplier_name_stays_text_in_the_actions(self, firm, other_firm):
        other_firm.name = '"><script>alert(1)</script>'
        other_firm.save(update_fields=["name"])
        open_task(firm)

        html = profile(signed_in(firm.owner, firm), other_firm)

        assert "<script>alert(1)" not in html
        assert "Invite &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; to" in html

    def test_the_page_reads_a_few_queries_however_many_messages(self, firm, other_firm, django_assert_max_num_queries):
        client = signed_in(firm.owner, firm)
        for _ in range(5):
            thread = services.get_or_create_thread(task=open_task(firm), supplier=other_firm)
            answered(thread, client_org=firm, supplier=other_firm, after=timedelta(hours=1))
        profile(client, other_firm)

        with django_assert_max_num_queries(9):  # 8, and the header's sides and unread count
            profile(client, other_firm)


def test_an_app_registers_its_sections_once(monkeypatch):
    from accounts import profiles

    def extra(request, organization):  # type: ignore[no-untyped-def]
        return {"aside": Section("x.html")}

    assert profiles._contributors.count(supplier_sections) == 1  # the marketplace's, at start
    monkeypatch.setattr(profiles, "_contributors", [])
    contribute(extra)
    contribute(extra)

    assert sections(None, None) == {"facts": [], "actions": [], "aside": [Section("x.html")]}  # type: ignore[arg-type]
