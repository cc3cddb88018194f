"""The conversation pages: the list with unread counts, a thread and its reply form, opening one, files."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organization
from accounts.tenancy import SESSION_KEY
from marketplace import services
from marketplace.models import Bid, Message, MessageAttachment, Thread, ThreadReadMark
from marketplace.selectors import messaging as messaging_selectors
from marketplace.views import messaging as messaging_views
from tests.factories import OrganizationFactory, bid_input, make_member, open_task

pytestmark = pytest.mark.django_db


def login(user: Any, organization: Organization) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = organization.pk
    session.save()
    return client


def is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL))


def pdf(name: str = "notes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 notes", content_type="application/pdf")


def supplier_org(name: str) -> Organization:
    organization = OrganizationFactory(name=name, skills=["Payroll"])
    organization.owner = make_member(organization, role="owner")
    return organization


def ids_on(client: Client) -> list[int]:
    return [thread.pk for thread in client.get(reverse("thread-list")).context["page"].object_list]


@pytest.fixture
def world(firm, other_firm):  # type: ignore[no-untyped-def]
    """A client's task, a bidder (other_firm) with the thread its bid opened, one message each way, an outsider."""
    task = open_task(firm)
    services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=task, data=bid_input())
    thread = Thread.objects.get(task=task, supplier=other_firm)
    question = services.send_message(
        actor=firm.owner, organization=firm, thread=thread, body="When can you start?", attachments=[pdf()]
    )
    answer = services.send_message(actor=other_firm.owner, organization=other_firm, thread=thread, body="Monday.")
    return type(
        "World",
        (),
        {
            "client": firm,
            "supplier": other_firm,
            "task": task,
            "thread": thread,
            "question": question,
            "answer": answer,
            "outsider": supplier_org("Initech"),
        },
    )


# --- thread-list ---------------------------------------------------------------------------------


class TestThreadList:
    def test_anonymous_visitors_are_sent_to_log_in(self):
        assert is_login_redirect(Client().get(reverse("thread-list")))

    def test_both_sides_see_the_thread_with_the_other_party(self, world):
        as_client = login(world.client.owner, world.client).get(reverse("thread-list"))
        as_supplier = login(world.supplier.owner, world.supplier).get(reverse("thread-list"))

        assert [t.pk for t in as_client.context["page"].object_list] == [world.thread.pk]
        assert [t.pk for t in as_supplier.context["page"].object_list] == [world.thread.pk]
        assert world.supplier.name in as_client.content.decode()
        assert world.client.name in as_supplier.content.decode()
        assert world.task.title in as_client.content.decode()

    def test_another_organization_sees_none_of_them(self, world):
        response = login(world.outsider.owner, world.outsider).get(reverse("thread-list"))

        assert list(response.context["page"].object_list) == []
        assert world.task.title not in response.content.decode()

    def test_unread_counts_messages_from_the_other_side_after_the_users_read_mark(self, world):
        # The client's owner wrote the question (marking the thread read then); the answer came after.
        services.send_message(
            actor=world.supplier.owner, organization=world.supplier, thread=world.thread, body="Or Tuesday."
        )
        colleague = make_member(world.client)

        owner_view = login(world.client.owner, world.client).get(reverse("thread-list"))
        colleague_view = login(colleague, world.client).get(reverse("thread-list"))

        assert owner_view.context["page"].object_list[0].unread_count == 2
        assert colleague_view.context["page"].object_list[0].unread_count == 2  # never opened: all of theirs
        assert 'aria-label="2 unread"' in owner_view.content.decode()

    def test_own_messages_are_never_unread(self, world):
        response = login(world.supplier.owner, world.supplier).get(reverse("thread-list"))

        assert response.context["page"].object_list[0].unread_count == 0

    def test_a_new_message_moves_its_thread_to_the_first_page_for_both_sides_at_once(
        self, world, other_firm, monkeypatch, django_capture_on_commit_callbacks
    ):
        monkeypatch.setattr(messaging_views, "PAGE_SIZE", 1)  # which threads a page holds comes from the cache
        older_task = open_task(world.client, title="Older task")
        services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=older_task, data=bid_input())
        older = Thread.objects.get(task=older_task, supplier=other_firm)
        as_client, as_supplier = login(world.client.owner, world.client), login(other_firm.owner, other_firm)
        assert ids_on(as_client) == ids_on(as_supplier) == [older.pk]  # now cached

        with django_capture_on_commit_callbacks(execute=True):
            services.send_message(actor=world.client.owner, organization=world.client, thread=world.thread, body="Hi")

        assert ids_on(as_client) == ids_on(as_supplier) == [world.thread.pk]

    def test_a_new_thread_shows_at_once_and_counts(self, world, django_capture_on_commit_callbacks):
        as_client = login(world.client.owner, world.client)
        assert ids_on(as_client) == [world.thread.pk]  # now cached
        bidder = supplier_org("Globex")

        with django_capture_on_commit_callbacks(execute=True):
            services.submit_bid(actor=bidder.owner, supplier=bidder, task=world.task, data=bid_input())

        response = as_client.get(reverse("thread-list"))
        newest = Thread.objects.get(task=world.task, supplier=bidder)
        assert [t.pk for t in response.context["page"].object_list] == [newest.pk, world.thread.pk]
        assert response.context["page"].paginator.count == 2

    def test_the_cached_order_is_each_organizations_own(self, world):
        login(world.client.owner, world.client).get(reverse("thread-list"))

        response = login(world.outsider.owner, world.outsider).get(reverse("thread-list"))

        assert list(response.context["page"].object_list) == []
        assert response.context["page"].paginator.count == 0

    def test_an_id_of_another_organizations_thread_in_the_order_is_never_shown(self, world, monkeypatch):
        # Whatever the cached order holds, the page's read keeps to the acting organization's threads.
        order = messaging_selectors.ThreadOrder(count=1, ids=(world.thread.pk,))
        monkeypatch.setattr(messaging_selectors, "thread_order", lambda organization: order)

        response = login(world.outsider.owner, world.outsider).get(reverse("thread-list"))

        assert list(response.context["page"].object_list) == []
        assert world.thread.task.title not in response.content.decode()

    def test_pages_past_the_cached_ids_come_from_the_database_in_the_same_order(self, firm, monkeypatch):
        monkeypatch.setattr(messaging_selectors, "THREAD_ORDER_IDS", 3)
        monkeypatch.setattr(messaging_views, "PAGE_SIZE", 2)
        task = open_task(firm)
        bidders = [supplier_org(f"Bidder {n}") for n in range(5)]
        for bidder in bidders:
            services.submit_bid(actor=bidder.owner, supplier=bidder, task=task, data=bid_input())
        threads = Thread.objects.filter(task=task).order_by("-created_at", "-id")
        newest_first = list(threads.values_list("pk", flat=True))
        as_client = login(firm.owner, firm)

        pages = [as_client.get(reverse("thread-list"), {"page": n}).context["page"] for n in (1, 2, 3)]

        assert [t.pk for page in pages for t in page.object_list] == newest_first
        assert {page.paginator.count for page in pages} == {5}

    def test_the_list_is_right_while_the_cache_is_down(self, world):
        # What core.cache.FailOpenRedisCache does when Redis is unreachable: reads miss, writes are dropped.
        with (
            mock.patch.object(cache, "get_many", return_value={}),
            mock.patch.object(cache, "get", return_value=None),
            mock.patch.object(cache, "add", return_value=True),
            mock.patch.object(cache, "set", return_value=None),
        ):
            response = login(world.client.owner, world.client).get(reverse("thread-list"))

        assert [t.pk for t in response.context["page"].object_list] == [world.thread.pk]
        assert "Monday." in response.content.decode()

    def test_a_cached_page_costs_one_query_for_its_threads(self, world):
        as_client = login(world.client.owner, world.client)
        as_client.get(reverse("thread-list"))

        with CaptureQueriesContext(connection) as queries:
            as_client.get(reverse("thread-list"))

        # The page's threads with their unread counts and last messages; no count, no sort of them all. The
        # header's count of unread conversations (every page's) comes from the cache since the first view.
        thread_queries = [q["sql"] for q in queries if "marketplace_thread" in q["sql"]]
        assert len(thread_queries) == 1
        assert 'AS "unread" FROM "accounts_organization"' not in thread_queries[0]

    def test_the_pages_figures_are_those_of_thread_summaries(self, world, other_firm):
        # Threads with no message, an attachment alone, messages before and after a read mark, own messages.
        quiet_task = open_task(world.client, title="Quiet task")
        services.submit_bid(actor=other_firm.owner, supplier=other_firm, task=quiet_task, data=bid_input())
        bidder = supplier_org("Globex")
        services.submit_bid(actor=bidder.owner, supplier=bidder, task=world.task, data=bid_input())
        busy = Thread.objects.get(task=world.task, supplier=bidder)
        services.send_message(actor=bidder.owner, organization=bidder, thread=busy, body="", attachments=[pdf()])
        services.mark_thread_read(user=world.client.owner, thread=busy)
        for body in ("One", "Two"):
            services.send_message(actor=bidder.owner, organization=bidder, thread=busy, body=body)
        services.send_message(actor=world.client.owner, organization=world.client, thread=world.thread, body="Mine")
        colleague = make_member(world.client)

        for user, organization in [
            (world.client.owner, world.client),
            (colleague, world.client),
            (other_firm.owner, other_firm),
            (bidder.owner, bidder),
        ]:
            page = login(user, organization).get(reverse("thread-list")).context["page"]
            expected = messaging_selectors.thread_summaries(organization=organization, user=user)

            def figures(threads):
                names = [(t.task.title, t.task.organization.name, t.supplier.name) for t in threads]
                counts = [(t.pk, t.unread_count, t.last_body, t.last_sender_id, t.bid_status) for t in threads]
                return names, counts

            with CaptureQueriesContext(connection) as queries:
                shown = figures(page.object_list)
            assert queries.captured_queries == []  # the names came with the page's one statement
            assert shown == figures(expected)

    def test_the_query_count_does_not_grow_with_the_threads(self, firm):
        def build(count: int) -> Client:
            supplier = supplier_org(f"Supplier with {count}")
            for n in range(count):
                client_firm = supplier_org(f"Client {count}-{n}")
                task = open_task(client_firm, title=f"Task {count}-{n}")
                services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())
                thread = Thread.objects.get(task=task, supplier=supplier)
                services.send_message(actor=client_firm.owner, organization=client_firm, thread=thread, body="Hi")
            return login(supplier.owner, supplier)

        def count(client: Client) -> int:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("thread-list"))
            assert response.status_code == 200
            return len(queries)

        small, large = count(build(1)), count(build(10))

        print(f"\nthread-list: {small} queries with 1 thread, {large} with 10")
        assert small == large


# --- thread-detail ---------------------------------------------------------------------------------


class TestThreadDetail:
    def url(self, world: Any) -> str:
        return reverse("thread-detail", kwargs={"thread_id": world.thread.pk})

    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        assert is_login_redirect(Client().get(self.url(world)))
        assert is_login_redirect(Client().post(self.url(world), {"body": "Hi"}))

    def test_another_organization_gets_404_and_sends_nothing(self, world):
        client = login(world.outsider.owner, world.outsider)

        assert client.get(self.url(world)).status_code == 404
        assert client.post(self.url(world), {"body": "Let me in"}).status_code == 404
        assert Message.objects.count() == 2

    def test_shows_the_messages_and_their_files(self, world):
        response = login(world.supplier.owner, world.supplier).get(self.url(world))

        html = response.content.decode()
        attachment = world.question.attachments.get()
        assert response.status_code == 200
        assert "When can you start?" in html
        assert "Monday." in html
        assert (
            reverse("message-attachment", kwargs={"thread_id": world.thread.pk, "attachment_id": attachment.pk}) in html
        )

    def test_viewing_marks_the_thread_read_and_shows_where_new_messages_start(self, world):
        colleague = make_member(world.supplier)

        response = login(colleague, world.supplier).get(self.url(world))

        assert response.context["first_unread"] == world.question.pk
        assert ThreadReadMark.objects.filter(thread=world.thread, user=colleague).exists()
        again = login(colleague, world.supplier).get(self.url(world))
        assert again.context["first_unread"] is None

    def test_a_reply_is_sent_with_a_file_and_the_page_jumps_to_it(self, world):
        response = login(world.supplier.owner, world.supplier).post(
            self.url(world), {"body": "Here is our plan.", "attachments": [pdf("plan.pdf")]}
        )

        message = Message.objects.latest("id")
        assert response.status_code == 302
        assert response["Location"] == f"{self.url(world)}#message-{message.pk}"
        assert (message.body, message.sender_organization_id) == ("Here is our plan.", world.supplier.pk)
        assert list(message.attachments.values_list("original_name", flat=True)) == ["plan.pdf"]

    def test_an_empty_message_is_refused_next_to_the_text(self, world):
        response = login(world.supplier.owner, world.supplier).post(self.url(world), {"body": "   "})

        assert response.status_code == 400
        assert response.context["form"].errors["body"] == ["Write a message or attach a file."]
        assert Message.objects.count() == 2

    def test_a_disallowed_file_is_refused_next_to_the_attachments(self, world):
        script = SimpleUploadedFile("run.sh", b"#!/bin/sh", content_type="text/x-sh")

        response = login(world.supplier.owner, world.supplier).post(
            self.url(world), {"body": "See attached", "attachments": [script]}
        )

        (error,) = response.context["form"].errors["attachments"]
        assert error.startswith("run.sh: this type of file is not allowed")
        assert Message.objects.count() == 2

    def test_the_sender_is_the_acting_organization(self, world):
        login(world.supplier.owner, world.supplier).post(
            self.url(world), {"body": "Hello", "sender_organization": world.client.pk}
        )

        assert Message.objects.latest("id").sender_organization_id == world.supplier.pk

    def test_other_methods_are_not_allowed(self, world):
        assert login(world.client.owner, world.client).put(self.url(world)).status_code == 405


# --- thread-open ---------------------------------------------------------------------------------


class TestThreadOpen:
    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        url = reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": world.supplier.pk})

        assert is_login_redirect(Client().post(url))

    def test_the_client_opens_the_thread_with_a_bidder(self, world):
        url = reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": world.supplier.pk})

        response = login(world.client.owner, world.client).post(url)

        assert response["Location"] == reverse("thread-detail", kwargs={"thread_id": world.thread.pk})
        assert Thread.objects.count() == 1

    def test_the_client_opens_a_new_thread_with_an_invited_supplier(self, firm):
        task = open_task(firm, visibility="invite_only")
        invited = supplier_org("Invited")
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=invited)

        response = login(firm.owner, firm).post(
            reverse("thread-open", kwargs={"task_id": task.pk, "supplier_id": invited.pk})
        )

        thread = Thread.objects.get(task=task, supplier=invited)
        assert response["Location"] == reverse("thread-detail", kwargs={"thread_id": thread.pk})

    def test_the_bidder_opens_its_own_thread(self, world):
        url = reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": world.supplier.pk})

        response = login(world.supplier.owner, world.supplier).post(url)

        assert response["Location"] == reverse("thread-detail", kwargs={"thread_id": world.thread.pk})

    def test_get_is_not_allowed(self, world):
        url = reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": world.supplier.pk})

        assert login(world.client.owner, world.client).get(url).status_code == 405

    def test_a_third_organization_gets_404_even_on_a_public_task(self, world):
        url = reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": world.supplier.pk})
        client = login(world.outsider.owner, world.outsider)

        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert Thread.objects.count() == 1

    def test_a_task_the_organization_cannot_see_is_404(self, firm):
        hidden = open_task(firm, visibility="invite_only")
        stranger = supplier_org("Stranger")

        response = login(stranger.owner, stranger).post(
            reverse("thread-open", kwargs={"task_id": hidden.pk, "supplier_id": stranger.pk})
        )

        assert response.status_code == 404
        assert not Thread.objects.filter(task=hidden).exists()

    def test_a_supplier_not_involved_in_the_task_is_404(self, world):
        response = login(world.client.owner, world.client).post(
            reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": world.outsider.pk})
        )

        assert response.status_code == 404
        assert not Thread.objects.filter(supplier=world.outsider).exists()

    def test_a_supplier_cannot_open_a_thread_for_another_supplier(self, world):
        rival = supplier_org("Rival")
        services.submit_bid(actor=rival.owner, supplier=rival, task=world.task, data=bid_input())

        response = login(world.supplier.owner, world.supplier).post(
            reverse("thread-open", kwargs={"task_id": world.task.pk, "supplier_id": rival.pk})
        )

        assert response.status_code == 404


# --- message-attachment --------------------------------------------------------------------------


class TestMessageAttachment:
    def url(self, world: Any, attachment: MessageAttachment | None = None) -> str:
        attachment = attachment or world.question.attachments.get()
        return reverse("message-attachment", kwargs={"thread_id": world.thread.pk, "attachment_id": attachment.pk})

    def test_anonymous_visitors_are_sent_to_log_in(self, world):
        assert is_login_redirect(Client().get(self.url(world)))

    def test_another_organization_gets_404(self, world):
        client = login(world.outsider.owner, world.outsider)

        assert client.get(self.url(world)).status_code == 404
        assert client.post(self.url(world)).status_code == 404

    @pytest.mark.parametrize("side", ["client", "supplier"])
    def test_both_sides_download_it_as_an_attachment(self, world, side):
        organization = getattr(world, side)

        response = login(organization.owner, organization).get(self.url(world))

        assert response.status_code == 200
        assert response["Content-Disposition"].startswith('attachment; filename="notes.pdf"')
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_a_file_from_another_thread_is_404_under_this_one(self, world):
        rival = supplier_org("Rival")
        services.submit_bid(actor=rival.owner, supplier=rival, task=world.task, data=bid_input())
        other_thread = Thread.objects.get(task=world.task, supplier=rival)
        other = services.send_message(
            actor=rival.owner, organization=rival, thread=other_thread, body="Ours", attachments=[pdf("ours.pdf")]
        )

        response = login(world.client.owner, world.client).get(self.url(world, other.attachments.get()))

        assert response.status_code == 404


def test_unread_counts_follow_the_read_mark_not_the_clock(world):
    """A message the user has read stays read; one written after the mark is unread."""
    mark = ThreadReadMark.objects.get(thread=world.thread, user=world.client.owner)
    ThreadReadMark.objects.filter(pk=mark.pk).update(last_read_at=world.answer.created_at + timedelta(seconds=1))

    response = login(world.client.owner, world.client).get(reverse("thread-list"))

    assert response.context["page"].object_list[0].unread_count == 0


class TestWhatTheSupplierIsToTheClient:
    """A thread names the supplier by its latest bid on the task, not "Bidder" whatever became of it."""

    def side_in_list(self, world) -> str:  # type: ignore[no-untyped-def]
        html = login(world.client.owner, world.client).get(reverse("thread-list")).content.decode()
        row = html.split(f'href="{reverse("thread-detail", kwargs={"thread_id": world.thread.pk})}"', 1)[1]
        return re.search(r'<span class="badge msg-side">([^<]*)</span>', row).group(1)  # type: ignore[union-attr]

    def side_in_header(self, world) -> str:  # type: ignore[no-untyped-def]
        url = reverse("thread-detail", kwargs={"thread_id": world.thread.pk})
        html = login(world.client.owner, world.client).get(url).content.decode()
        return re.search(r'<p class="bid-head-meta">([^<]*)<a', html).group(1).strip()  # type: ignore[union-attr]

    def test_a_live_bidder_is_a_bidder(self, world):
        assert (self.side_in_list(world), self.side_in_header(world)) == ("Bidder", "Bidder on your task")

    def test_a_withdrawn_bidder_withdrew(self, world):
        services.withdraw_bid(actor=world.supplier.owner, bid=Bid.objects.get(task=world.task))

        assert (self.side_in_list(world), self.side_in_header(world)) == ("Withdrew", "Withdrew their bid on your task")

    def test_a_declined_bidder_was_declined(self, world):
        services.decline_bid(actor=world.client.owner, bid=Bid.objects.get(task=world.task), reason="")

        assert (self.side_in_list(world), self.side_in_header(world)) == ("Declined", "Declined bidder on your task")

    def test_the_chosen_one_is_chosen(self, world):
        services.accept_bid(actor=world.client.owner, bid=Bid.objects.get(task=world.task))

        assert (self.side_in_list(world), self.side_in_header(world)) == ("Chosen", "Chosen for your task")

    def test_an_invited_supplier_that_has_not_bid_is_invited(self, firm):
        task = open_task(firm, visibility="invite_only")
        invited = supplier_org("Invited")
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=invited)
        thread = services.open_thread(actor=firm.owner, organization=firm, task=task, supplier=invited)
        world = type("World", (), {"client": firm, "thread": thread})

        assert (self.side_in_list(world), self.side_in_header(world)) == ("Invited", "Invited to bid on your task")
