"""Saved-search digests: one email of new matches per search, exactly once (``marketplace.digests``)."""

from __future__ import annotations

import importlib
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.models import OutboxMessage
from marketplace import digests, services
from marketplace.models import SavedSearch, Task
from marketplace.tasks import send_saved_search_digests
from tests.factories import OrganizationFactory, make_member, open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(db):  # type: ignore[no-untyped-def]
    organization = OrganizationFactory(name="Ledgerly Accounting", skills=["Payroll"])
    organization.owner = make_member(organization, role="owner")
    return organization


def save(supplier, *, filters=None, notify=True, hours_ago=2):  # type: ignore[no-untyped-def]
    saved = services.save_search(
        actor=supplier.owner,
        organization=supplier,
        name="Payroll jobs",
        filters=filters if filters is not None else {"q": "payroll"},
        notify=notify,
    )
    SavedSearch.objects.filter(pk=saved.pk).update(last_notified_at=timezone.now() - timedelta(hours=hours_ago))
    saved.refresh_from_db()
    return saved


def posted(firm, minutes_ago=30, **terms):  # type: ignore[no-untyped-def]
    task = open_task(firm, **terms)
    Task.objects.filter(pk=task.pk).update(published_at=timezone.now() - timedelta(minutes=minutes_ago))
    task.refresh_from_db()
    return task


def digest_emails():  # type: ignore[no-untyped-def]
    """Queued digests (other emails, such as invitations to bid, left out)."""
    emails = OutboxMessage.objects.filter(task_name="core.send_email").order_by("pk")
    return [email for email in emails if "new task" in email.kwargs["subject"]]


@pytest.fixture(scope="module")
def _categories_back_after_flush(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """A transactional test ends with a flush that also empties the seeded categories; put them back
    once this module is done, so the next run of a reused test database still has them."""
    yield
    from django.apps import apps

    with django_db_blocker.unblock():
        importlib.import_module("marketplace.migrations.0002_seed_categories").seed(apps, None)


class TestWhatIsSent:
    def test_one_email_lists_the_new_matching_tasks_with_links(self, firm, supplier):
        save(supplier)
        task = posted(firm, title="Monthly payroll for 40 employees")

        run = digests.send_due_digests()

        assert run.as_dict() == {"emailed": 1, "empty": 0, "skipped": 0, "failed": 0}
        [email] = digest_emails()
        assert email.kwargs["to"] == [supplier.owner.email]
        assert "1 new task" in email.kwargs["subject"]
        assert "Payroll jobs" in email.kwargs["subject"]
        body = email.kwargs["body"]
        assert "Monthly payroll for 40 employees" in body
        assert f"{settings.SITE_URL.rstrip('/')}/tasks/{task.pk}/" in body
        assert "€3,000.00" in body

    def test_the_window_moves_to_the_run_minus_the_settling_time(self, firm, supplier):
        saved = save(supplier)
        posted(firm)
        now = timezone.now()

        digests.send_due_digests(now=now)

        saved.refresh_from_db()
        assert saved.last_notified_at == now - digests.SETTLE

    def test_tasks_outside_the_filters_or_the_window_are_left_out(self, firm, other_firm, supplier):
        save(supplier, filters={"q": "payroll", "country": "DE"}, hours_ago=2)
        wanted = posted(firm, title="Payroll in Berlin", country="DE")
        posted(firm, title="Payroll in Lyon", country="FR")  # other filters
        posted(firm, title="Payroll, old", country="DE", minutes_ago=180)  # before the last digest
        posted(firm, title="Logo design", description="A new logo.", country="DE")  # other words
        posted(supplier, title="Our own payroll", country="DE")  # the supplier's own task

        digests.send_due_digests()

        [email] = digest_emails()
        assert "Payroll in Berlin" in email.kwargs["body"]
        for other in ("Payroll in Lyon", "Payroll, old", "Logo design", "Our own payroll"):
            assert other not in email.kwargs["body"]
        assert "1 new task" in email.kwargs["subject"]
        assert f"/tasks/{wanted.pk}/" in email.kwargs["body"]

    def test_a_search_saved_before_the_currency_choice_still_means_euros(self, firm, supplier):
        saved = save(supplier, filters={})
        SavedSearch.objects.filter(pk=saved.pk).update(filters={"q": "payroll", "budget_min": 100_000})  # as then
        posted(firm, title="Payroll in Lyon", budget_amount=300_000)
        posted(firm, title="Payroll in Leeds", currency="GBP", budget_amount=300_000)

        digests.send_due_digests()

        [email] = digest_emails()
        assert "Payroll in Lyon" in email.kwargs["body"]
        assert "Payroll in Leeds" not in email.kwargs["body"]

    def test_a_search_in_pounds_lists_the_tasks_priced_in_pounds(self, firm, supplier):
        save(supplier, filters={"q": "payroll", "budget_min": 100_000, "currency": "GBP"})
        posted(firm, title="Payroll in Lyon", budget_amount=300_000)
        posted(firm, title="Payroll in Leeds", currency="GBP", budget_amount=300_000)

        digests.send_due_digests()

        [email] = digest_emails()
        assert "Payroll in Leeds" in email.kwargs["body"]
        assert "Payroll in Lyon" not in email.kwargs["body"]

    def test_invite_only_tasks_are_listed_only_for_invited_suppliers(self, firm, other_firm, supplier):
        save(supplier)
        save(other_firm)
        task = posted(firm, title="Confidential payroll", visibility="invite_only")
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=supplier)

        run = digests.send_due_digests()

        assert run.emailed == 1
        [email] = digest_emails()
        assert email.kwargs["to"] == [supplier.owner.email]

    def test_a_task_published_moments_ago_waits_for_the_next_run(self, firm, supplier):
        saved = save(supplier)
        posted(firm, minutes_ago=0)

        assert digests.send_due_digests().emailed == 0
        assert digest_emails() == []

        later = timezone.now() + digests.SETTLE + timedelta(seconds=1)
        assert digests.send_due_digests(now=later).emailed == 1
        saved.refresh_from_db()
        assert saved.last_notified_at == later - digests.SETTLE

    def test_at_most_the_limit_is_listed_and_the_rest_linked(self, firm, supplier, monkeypatch):
        monkeypatch.setattr(digests, "DIGEST_MAX_TASKS", 2)
        save(supplier)
        for minutes in (10, 20, 30):
            posted(firm, minutes_ago=minutes, title=f"Payroll run {minutes}")

        digests.send_due_digests()

        [email] = digest_emails()
        body = email.kwargs["body"]
        assert "Payroll run 10" in body
        assert "Payroll run 20" in body
        assert "Payroll run 30" not in body
        assert "2+ new tasks" in email.kwargs["subject"]
        assert "/tasks/?q=payroll&sort=newest" in body

    def test_searches_with_notify_off_get_nothing(self, firm, supplier):
        saved = save(supplier, notify=False)
        posted(firm)

        assert digests.send_due_digests().as_dict() == {"emailed": 0, "empty": 0, "skipped": 0, "failed": 0}
        saved.refresh_from_db()
        assert digest_emails() == []

    def test_a_user_who_left_the_organization_gets_nothing(self, firm, supplier):
        saved = save(supplier)
        posted(firm)
        supplier.memberships.filter(user=supplier.owner).delete()

        run = digests.send_due_digests()

        assert (run.emailed, run.skipped) == (0, 1)
        assert digest_emails() == []
        saved.refresh_from_db()
        assert saved.last_notified_at > timezone.now() - timedelta(minutes=5)  # no backlog if they come back


class TestExactlyOnce:
    def test_running_twice_sends_nothing_new(self, firm, supplier):
        save(supplier)
        posted(firm)

        first = digests.send_due_digests()
        second = digests.send_due_digests()

        assert first.emailed == 1
        assert second.as_dict() == {"emailed": 0, "empty": 1, "skipped": 0, "failed": 0}
        assert len(digest_emails()) == 1

    def test_a_failing_search_does_not_stop_the_others(self, firm, supplier, other_firm, monkeypatch):
        broken = save(other_firm)
        working = save(supplier)
        posted(firm)
        real = digests.saved_search_new_tasks

        def flaky(**kwargs):  # type: ignore[no-untyped-def]
            if kwargs["organization"].pk == other_firm.pk:
                raise RuntimeError("database hiccup")
            return real(**kwargs)

        monkeypatch.setattr(digests, "saved_search_new_tasks", flaky)

        run = digests.send_due_digests()

        assert (run.emailed, run.failed) == (1, 1)
        [email] = digest_emails()
        assert email.kwargs["to"] == [supplier.owner.email]
        broken_before = broken.last_notified_at
        broken.refresh_from_db()
        working.refresh_from_db()
        assert broken.last_notified_at == broken_before  # rolled back: it is retried next hour
        assert working.last_notified_at > broken_before

    def test_the_email_is_delivered_after_commit(self, firm, supplier, mailoutbox, django_capture_on_commit_callbacks):
        save(supplier)
        posted(firm, title="Payroll for a bakery")

        with django_capture_on_commit_callbacks(execute=True):
            digests.send_due_digests()

        [message] = mailoutbox
        assert message.to == [supplier.owner.email]
        assert "Payroll for a bakery" in message.body

    def test_the_beat_job_runs_the_digests_hourly(self, firm, supplier):
        save(supplier)
        posted(firm)

        assert send_saved_search_digests.apply().get() == {"emailed": 1, "empty": 0, "skipped": 0, "failed": 0}
        entry = settings.CELERY_BEAT_SCHEDULE["saved-search-digests"]
        assert entry["task"] == "marketplace.send_saved_search_digests"
        assert entry["schedule"] == 3600.0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_categories_back_after_flush")
def test_a_search_locked_by_another_worker_is_skipped_not_sent_twice(firm, supplier):
    saved = save(supplier)
    posted(firm)
    locked, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                SavedSearch.objects.select_for_update().get(pk=saved.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()
            done.set()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert locked.wait(10)
    try:
        run = digests.send_due_digests()
    finally:
        release.set()
        worker.join(10)

    assert (run.emailed, run.skipped) == (0, 1)
    assert digest_emails() == []
    assert digests.send_due_digests().emailed == 1  # the lock gone, the search is served once
