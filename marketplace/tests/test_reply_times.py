"""A supplier's stored reply time: what it counts, when it is recomputed, and where it shows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from core.models import OutboxMessage
from marketplace import services
from marketplace.models import Message, SupplierReplyTime, Thread
from marketplace.selectors.profiles import supplier_standing
from marketplace.tests.api_support import API
from tests.factories import OrganizationFactory, make_member, open_task
from tests.support import html, signed_in

pytestmark = pytest.mark.django_db

HOUR = 3600


def talk(thread: Thread, *turns: tuple[Organization, float], start: datetime | None = None) -> None:
    """Messages in ``thread`` through the service, each from its organization ``hours`` after ``start``
    (a day ago by default)."""
    start = start or timezone.now() - timedelta(days=1)
    for organization, hours in turns:
        message = services.send_message(
            actor=organization.owner, organization=organization, thread=thread, body="Hello"
        )
        Message.objects.filter(pk=message.pk).update(created_at=start + timedelta(hours=hours))


def refresh_jobs() -> list[list[int]]:
    return [
        message.kwargs["supplier_ids"]
        for message in OutboxMessage.objects.filter(task_name="marketplace.refresh_reply_times").order_by("pk")
    ]


def stored(supplier: Organization) -> tuple[int, int | None]:
    figure = SupplierReplyTime.objects.get(pk=supplier.pk)
    return figure.replies, figure.median_seconds


@pytest.fixture
def thread(firm, supplier) -> Thread:
    return services.get_or_create_thread(task=open_task(firm), supplier=supplier)


def another_thread(client: Organization, supplier: Organization) -> Thread:
    return services.get_or_create_thread(task=open_task(client), supplier=supplier)


# --- what is counted --------------------------------------------------------------------------------------


class TestTheFigure:
    def test_client_messages_in_a_row_are_timed_from_the_first(self, firm, supplier, thread):
        talk(thread, (firm, 0), (firm, 1), (firm, 2), (supplier, 3))

        services.refresh_reply_time(supplier_id=supplier.pk)

        assert stored(supplier) == (1, 3 * HOUR)

    def test_the_median_of_the_replies_across_threads_and_clients(self, firm, other_client, supplier, thread):
        talk(thread, (firm, 0), (supplier, 1), (firm, 2), (supplier, 7))  # 1 h, 5 h
        talk(another_thread(other_client, supplier), (other_client, 0), (supplier, 2), (other_client, 3))  # 2 h

        services.refresh_reply_time(supplier_id=supplier.pk)

        assert stored(supplier) == (3, 2 * HOUR)

    def test_an_even_count_takes_the_middle_twos_mean(self, firm, supplier, thread):
        talk(thread, (firm, 0), (supplier, 1), (firm, 2), (supplier, 4))  # 1 h, 2 h

        services.refresh_reply_time(supplier_id=supplier.pk)

        assert stored(supplier) == (2, 1.5 * HOUR)

    def test_the_suppliers_own_first_messages_and_follow_ups_time_nothing(self, firm, supplier, thread):
        talk(thread, (supplier, 0), (supplier, 1), (firm, 2), (supplier, 2.5), (supplier, 9))

        services.refresh_reply_time(supplier_id=supplier.pk)

        assert stored(supplier) == (1, HOUR // 2)

    def test_messages_older_than_90_days_are_left_out(self, firm, supplier, thread):
        talk(thread, (firm, 0), (supplier, 50), start=timezone.now() - timedelta(days=95))
        talk(another_thread(firm, supplier), (firm, 0), (supplier, 4))

        services.refresh_reply_time(supplier_id=supplier.pk)

        assert stored(supplier) == (1, 4 * HOUR)

    def test_an_unanswered_question_and_no_talk_at_all_store_no_median(self, firm, supplier, thread):
        talk(thread, (supplier, 0), (firm, 1))

        services.refresh_reply_time(supplier_id=supplier.pk)

        assert stored(supplier) == (0, None)

    def test_an_organization_counts_only_the_threads_it_supplies(self, firm, supplier, thread):
        """The client side's answers in its own tasks' threads are not its replies as a supplier."""
        Organization.objects.filter(pk=firm.pk).update(skills=["payroll"], offers_services=True)
        talk(thread, (supplier, 0), (firm, 6))  # the firm "answers" the supplier as a client

        services.refresh_reply_time(supplier_id=firm.pk)
        services.refresh_reply_time(supplier_id=supplier.pk)

        assert stored(firm) == (0, None)
        assert stored(supplier) == (0, None)

    def test_recomputing_is_idempotent(self, firm, supplier, thread):
        talk(thread, (firm, 0), (supplier, 2))

        first = services.refresh_reply_time(supplier_id=supplier.pk)
        second = services.refresh_reply_time(supplier_id=supplier.pk)

        assert (first.replies, first.median_seconds) == (second.replies, second.median_seconds) == (1, 2 * HOUR)
        assert SupplierReplyTime.objects.filter(pk=supplier.pk).count() == 1


# --- when it is recomputed --------------------------------------------------------------------------------


class TestAnAnswer:
    def test_a_suppliers_answer_to_a_client_enqueues_its_refresh(self, firm, supplier, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="Free next week?")
        assert refresh_jobs() == []  # a question times nothing yet

        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Yes.")

        assert refresh_jobs() == [[supplier.pk]]

    def test_a_suppliers_first_words_and_follow_ups_enqueue_nothing(self, firm, supplier, thread):
        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Hello")
        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Any news?")

        assert refresh_jobs() == []

    def test_the_job_runs_after_commit_and_stores_the_figure(
        self, firm, supplier, thread, django_capture_on_commit_callbacks
    ):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="Free next week?")
        with django_capture_on_commit_callbacks(execute=True):
            services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Yes.")

        replies, median = stored(supplier)
        assert replies == 1
        assert median is not None
        assert median < 60  # answered at once
        assert OutboxMessage.objects.get(task_name="marketplace.refresh_reply_times").completed_at is not None


class TestNightly:
    def test_stale_figures_and_suppliers_without_one_are_recomputed_in_batches(
        self, firm, supplier, thread, django_capture_on_commit_callbacks
    ):
        aged = OrganizationFactory(name="Aged Ltd")
        SupplierReplyTime.objects.create(organization=aged, replies=4, median_seconds=600, computed_at=timezone.now())
        talk(thread, (firm, 0), (supplier, 3))  # no figure stored yet (its job never ran)
        SupplierReplyTime.objects.filter(pk=supplier.pk).delete()
        quiet = OrganizationFactory(name="Quiet Ltd")  # no messages, no figure: nothing to do

        with django_capture_on_commit_callbacks(execute=True):
            jobs = services.schedule_reply_time_refresh(batch=1)

        assert jobs == 2
        assert refresh_jobs()[-2:] == sorted([[aged.pk], [supplier.pk]])
        assert stored(aged) == (0, None)  # its replies aged out of the window
        assert stored(supplier) == (1, 3 * HOUR)
        assert not SupplierReplyTime.objects.filter(pk=quiet.pk).exists()

    def test_a_batch_skips_an_organization_deleted_since_it_was_enqueued(self, firm, supplier, thread):
        gone = OrganizationFactory(name="Gone Ltd")
        gone_id = gone.pk
        gone.delete()
        talk(thread, (firm, 0), (supplier, 1))

        assert services.refresh_reply_times(supplier_ids=[gone_id, supplier.pk]) == 1
        assert stored(supplier) == (1, HOUR)

    def test_beat_runs_it_daily(self, settings):
        entry = settings.CELERY_BEAT_SCHEDULE["refresh-reply-times"]

        assert entry["task"] == "marketplace.schedule_reply_time_refresh"
        assert entry["schedule"] == 86400.0


# --- where it shows ---------------------------------------------------------------------------------------


class TestWhereItShows:
    def card(self, page: str, organization: Organization) -> str:
        return page.split(f'id="supplier-{organization.pk}-name"', 1)[1].split('<ul class="chips', 1)[0]

    def test_the_card_and_the_profile_say_the_same(self, firm, supplier, thread):
        talk(thread, (firm, 0), (supplier, 3))
        services.refresh_reply_time(supplier_id=supplier.pk)
        client = signed_in(firm.owner, firm)

        page = html(client.get(reverse("supplier-list")))
        profile = html(client.get(supplier.get_absolute_url()))

        assert "Usually replies in about 3 hours" in self.card(page, supplier)
        assert "Replies in about 3 hours" in profile
        assert supplier_standing(organization=supplier).median_reply_seconds == 3 * HOUR  # type: ignore[union-attr]

    def test_a_supplier_without_replies_shows_nothing_not_zero(self, firm, supplier, thread):
        talk(thread, (supplier, 0))
        services.refresh_reply_time(supplier_id=supplier.pk)  # a stored row with no reply
        unseen = OrganizationFactory(name="Unseen Ltd", skills=["payroll"], offers_services=True)  # no row at all

        page = html(signed_in(firm.owner, firm).get(reverse("supplier-list")))

        for organization in (supplier, unseen):
            card = self.card(page, organization)
            assert "replies" not in card.lower()
            assert "0 minutes" not in card

    def test_a_new_figure_shows_on_the_cached_card_at_once(self, firm, supplier, thread):
        client = signed_in(firm.owner, firm)
        assert "Usually replies" not in self.card(html(client.get(reverse("supplier-list"))), supplier)
        talk(thread, (firm, 0), (supplier, 0.25))
        services.refresh_reply_time(supplier_id=supplier.pk)

        assert "Usually replies within an hour" in self.card(html(client.get(reverse("supplier-list"))), supplier)

    def test_the_api_gives_the_same_figure_and_null_without_one(self, firm, supplier, thread):
        unseen = OrganizationFactory(name="Unseen Ltd", skills=["payroll"], offers_services=True)
        talk(thread, (firm, 0), (supplier, 2))
        services.refresh_reply_time(supplier_id=supplier.pk)

        results = signed_in(firm.owner, firm).get(f"{API}/suppliers/").json()["results"]

        by_id = {item["id"]: item for item in results}
        assert (by_id[supplier.pk]["median_reply_seconds"], by_id[supplier.pk]["reply_count"]) == (2 * HOUR, 1)
        assert (by_id[unseen.pk]["median_reply_seconds"], by_id[unseen.pk]["reply_count"]) == (None, 0)


@pytest.fixture
def other_client(db) -> Organization:
    organization = OrganizationFactory(name="Umbrella Corp")
    organization.owner = make_member(organization, role="owner")
    return organization
