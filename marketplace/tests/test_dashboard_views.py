"""The client's dashboard (My tasks)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace import services
from marketplace.models import (
    Thread,
)
from tests.factories import bid_input, open_task, task_input
from tests.support import html, login_redirect

pytestmark = pytest.mark.django_db


# --- the client's dashboard ---------------------------------------------------------------------------------


class TestClientDashboard:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        path = reverse("client-dashboard")

        assert login_redirect(client.get(path), path)

    def test_empty_state_invites_a_first_task(self, client_of):
        page = html(client_of.get(reverse("client-dashboard")))

        assert "Post your first task" in page
        assert reverse("task-create") in page

    def test_shows_own_tasks_with_bids_and_unread_messages(self, firm, supplier, client_of):
        mine = open_task(firm, title="Our payroll")
        theirs = open_task(supplier, title="Their cleaning")
        services.submit_bid(actor=supplier.owner, supplier=supplier, task=mine, data=bid_input())
        thread = services.open_thread(actor=supplier.owner, organization=supplier, task=mine, supplier=supplier)
        for body in ("Hello", "Any news?"):
            services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body=body)
        services.send_message(actor=firm.owner, organization=firm, thread=thread, body="Soon")  # own: not unread
        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Thanks")

        response = client_of.get(reverse("client-dashboard"))

        assert response.status_code == 200
        rows = {task.title: task for task in response.context["tasks"]}
        assert set(rows) == {mine.title}
        assert theirs.title not in html(response)
        assert rows[mine.title].bid_count == 1
        assert rows[mine.title].unread_count == 1  # the client read up to its own reply

    def test_unread_counts_start_from_the_users_read_mark(self, firm, supplier, client_of):
        task = open_task(firm)
        services.submit_bid(actor=supplier.owner, supplier=supplier, task=task, data=bid_input())
        thread = services.open_thread(actor=supplier.owner, organization=supplier, task=task, supplier=supplier)
        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="One")
        services.send_message(actor=supplier.owner, organization=supplier, thread=thread, body="Two")

        before = client_of.get(reverse("client-dashboard")).context["tasks"][0].unread_count
        services.mark_thread_read(user=firm.owner, thread=Thread.objects.get())
        after = client_of.get(reverse("client-dashboard")).context["tasks"][0].unread_count

        assert (before, after) == (2, 0)

    def test_status_tabs_filter_the_list(self, firm, client_of):
        open_task(firm, title="Live one")
        services.create_task(actor=firm.owner, organization=firm, data=task_input(title="Draft one"))

        page = html(client_of.get(reverse("client-dashboard") + "?status=draft"))

        assert "Draft one" in page
        assert "Live one" not in page
