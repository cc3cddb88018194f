"""The marketplace API: conversations and their messages."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.models import Message, Thread
from marketplace.tests.api_support import (
    API,
    count_queries,
    error,
    make_org,
    submit,
)

pytestmark = pytest.mark.django_db


# --- threads/ -------------------------------------------------------------------------------------------


class TestThreads:
    URL = f"{API}/threads/"

    def test_both_sides_see_the_thread_with_their_own_unread_counts(self, firm, client_api, supplier_api, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="When can you start?")

        supplier_view = supplier_api.get(self.URL).json()["results"]
        client_view = client_api.get(self.URL).json()["results"]

        assert [(t["id"], t["unread_count"]) for t in supplier_view] == [(thread.pk, 1)]
        assert [(t["id"], t["unread_count"]) for t in client_view] == [(thread.pk, 0)]
        assert supplier_view[0]["task"]["client"]["id"] == firm.pk

    def test_a_stranger_sees_none_and_gets_404(self, stranger_api, thread):
        assert stranger_api.get(self.URL).json()["results"] == []
        assert stranger_api.get(f"{self.URL}{thread.pk}/").status_code == 404

    def test_the_client_opens_one_with_an_invited_supplier(self, firm, client_api, task, stranger):
        stranger.skills, stranger.offers_services = ["Payroll"], True  # a supplier the client found in the directory
        stranger.save()
        services.invite_supplier_to_bid(actor=firm.owner, task=task, supplier=stranger)

        response = client_api.post(self.URL, {"task": task.pk, "supplier": stranger.pk}, format="json")

        assert response.status_code == 201, response.content
        created = Thread.objects.get(pk=response.json()["id"])
        assert (created.task, created.supplier) == (task, stranger)

    def test_not_with_a_supplier_who_has_no_part_in_the_task(self, client_api, task, stranger):
        """It answers as an unknown id does (as the page does), so ids cannot be probed through it."""
        response = client_api.post(self.URL, {"task": task.pk, "supplier": stranger.pk}, format="json")
        unknown = client_api.post(self.URL, {"task": task.pk, "supplier": 999_999}, format="json")

        assert (response.status_code, response.json()) == (404, unknown.json())
        assert "supplier" in error(response)["fields"]
        assert not Thread.objects.exists()

    def test_a_supplier_cannot_learn_who_else_bid(self, supplier_api, task, bid, stranger):
        """Another bidder's id and a stranger's answer alike to a supplier of the same public task."""
        rival = make_org("Rival Books")
        submit(task, rival)
        threads = set(Thread.objects.values_list("pk", flat=True))

        answers = [
            supplier_api.post(self.URL, {"task": task.pk, "supplier": supplier}, format="json")
            for supplier in (rival.pk, stranger.pk)
        ]

        assert [(a.status_code, a.json()) for a in answers] == [(404, answers[1].json())] * 2
        assert set(Thread.objects.values_list("pk", flat=True)) == threads

    def test_a_stranger_cannot_open_one_on_someone_elses_task(self, stranger_api, draft, other_firm):
        response = stranger_api.post(self.URL, {"task": draft.pk, "supplier": other_firm.pk}, format="json")

        assert response.status_code == 404
        assert "task" in error(response)["fields"]
        assert not Thread.objects.exists()

    def test_query_count_does_not_grow_with_rows(self, firm, client_api, task):
        def bid_and_write(name: str) -> None:
            supplier = make_org(name)
            bid = submit(task, supplier)
            thread = Thread.objects.get(task=task, supplier=supplier)
            services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body=f"About {bid.pk}")

        bid_and_write("Supplier 0")
        one = count_queries(client_api, self.URL)
        for n in range(1, 20):
            bid_and_write(f"Supplier {n}")

        results = client_api.get(self.URL).json()["results"]
        assert len(results) == 20
        assert {t["unread_count"] for t in results} == {1}
        assert count_queries(client_api, self.URL) == one


class TestMessages:
    def url(self, thread, verb="messages") -> str:
        return f"{API}/threads/{thread.pk}/{verb}/"

    def test_a_side_sends_a_message(self, other_firm, supplier_api, thread):
        response = supplier_api.post(self.url(thread), {"body": "We can start Monday."}, format="json")

        assert response.status_code == 201, response.content
        message = Message.objects.get(thread=thread)
        assert message.body == "We can start Monday."
        assert message.sender_organization == other_firm
        assert response.json()["sender"]["id"] == other_firm.owner.pk
        assert "email" not in response.json()["sender"]

    def test_an_empty_message_is_a_field_error(self, supplier_api, thread):
        response = supplier_api.post(self.url(thread), {"body": "   "}, format="json")

        assert response.status_code == 400
        assert "body" in error(response)["fields"]
        assert not Message.objects.exists()

    def test_messages_come_newest_first_a_page_at_a_time(self, firm, client_api, thread):
        for n in range(3):
            services.send_message(actor=firm.owner, organization=firm, thread=thread, body=f"Message {n}")

        first = client_api.get(self.url(thread), {"page_size": 2}).json()
        second = client_api.get(first["next"]).json()

        assert [m["body"] for m in first["results"]] == ["Message 2", "Message 1"]
        assert [m["body"] for m in second["results"]] == ["Message 0"]

    def test_reading_marks_the_thread_read(self, firm, supplier_api, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="Hello")

        response = supplier_api.post(self.url(thread, "read"))

        assert response.status_code == 200
        assert response.json()["unread_count"] == 0
        assert supplier_api.get(f"{API}/threads/{thread.pk}/").json()["unread_count"] == 0

    def test_a_stranger_gets_404_and_sends_nothing(self, stranger_api, thread):
        assert stranger_api.get(self.url(thread)).status_code == 404
        assert stranger_api.post(self.url(thread), {"body": "Buy now"}, format="json").status_code == 404
        assert stranger_api.post(self.url(thread, "read")).status_code == 404
        assert not Message.objects.exists()

    def test_query_count_does_not_grow_with_rows(self, firm, other_firm, client_api, thread):
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="First")
        one = count_queries(client_api, self.url(thread))
        for n in range(19):
            sender = (firm, other_firm)[n % 2]
            services.send_message(actor=sender.owner, organization=sender, thread=thread, body=f"Message {n}")

        assert len(client_api.get(self.url(thread)).json()["results"]) == 20
        assert count_queries(client_api, self.url(thread)) == one
