"""Platform moderators: the Moderators group, the admin's task pages, hiding a task and restoring it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from accounts import services as account_services
from accounts.moderators import GROUP
from core.exceptions import DomainError, PermissionDenied
from core.models import AuditEvent, OutboxMessage
from marketplace import services
from marketplace.models import Task, TaskStatus
from marketplace.services import moderation
from marketplace.tests.api_support import audited, submit
from tests.factories import UserFactory, open_task
from tests.support import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return account_services.set_moderator(actor=None, user=UserFactory(email="mona@example.test"), moderator=True)


def admin_client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def hide_in_admin(client: Client, task: Task, reason: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:marketplace_task_changelist"),
        {"action": "hide", "_selected_action": [task.pk], "reason": reason},
        follow=True,
    )


class TestTheGroup:
    def test_it_holds_what_moderators_read_and_do(self):
        codenames = set(Group.objects.get(name=GROUP).permissions.values_list("codename", flat=True))

        assert codenames >= {"view_task", "view_bid", "hide_task", "view_user", "view_organization"}
        assert not {name for name in codenames if name.startswith(("add_", "change_", "delete_"))}

    def test_appointing_a_moderator_makes_them_staff_in_the_group_once(self, moderator):
        again = account_services.set_moderator(actor=None, user=moderator, moderator=True)

        assert again.is_staff
        assert again.is_moderator
        assert list(again.groups.values_list("name", flat=True)) == [GROUP]
        assert AuditEvent.objects.filter(action="user.moderator_granted", target_id=str(moderator.pk)).count() == 1

    def test_only_a_superuser_appoints_one(self, moderator):
        with pytest.raises(PermissionDenied):
            account_services.set_moderator(actor=moderator, user=UserFactory(), moderator=True)

    def test_a_revoked_moderator_loses_the_admin(self, moderator):
        account_services.set_moderator(actor=None, user=moderator, moderator=False)

        response = admin_client(moderator).get(reverse("admin:marketplace_task_changelist"))

        assert response.status_code == 302  # to the admin's sign-in
        assert not moderator.groups.exists()


class TestTheAdmin:
    @pytest.mark.parametrize(
        "name",
        [
            "admin:marketplace_task_changelist",
            "admin:marketplace_bid_changelist",
            "admin:accounts_organization_changelist",
            "admin:accounts_user_changelist",
        ],
    )
    def test_a_moderator_reads_tasks_organizations_and_users(self, moderator, firm, name):
        open_task(firm)

        assert admin_client(moderator).get(reverse(name)).status_code == 200

    def test_the_task_list_offers_hide_and_restore_with_a_reason(self, moderator, firm):
        open_task(firm)

        html = admin_client(moderator).get(reverse("admin:marketplace_task_changelist")).content.decode()

        assert 'value="hide"' in html
        assert 'value="restore"' in html
        assert 'name="reason"' in html

    def test_a_moderator_changes_nothing_by_hand(self, moderator, firm):
        task = open_task(firm)

        response = admin_client(moderator).post(
            reverse("admin:marketplace_task_change", args=[task.pk]), {"title": "Edited"}
        )

        assert response.status_code == 403
        assert Task.objects.get(pk=task.pk).title == task.title

    def test_staff_outside_the_group_get_nothing(self, firm):
        staff = UserFactory(is_staff=True)

        assert admin_client(staff).get(reverse("admin:marketplace_task_changelist")).status_code == 403

    def test_the_header_links_staff_to_the_admin(self, moderator, firm):
        admin_link = f'href="{reverse("admin:index")}"'

        assert admin_link in admin_client(moderator).get(reverse("task-list")).content.decode()
        assert admin_link not in signed_in(firm.owner, firm).get(reverse("task-list")).content.decode()


class TestHiding:
    def test_a_hidden_task_is_its_clients_alone(self, moderator, firm, other_firm):
        task = open_task(firm)
        submit(task, other_firm)

        response = hide_in_admin(admin_client(moderator), task, "Asks for payment outside the platform.")

        assert response.status_code == 200
        task.refresh_from_db()
        assert (task.status, task.status_before_hiding) == (TaskStatus.HIDDEN, TaskStatus.OPEN)
        event = AuditEvent.objects.get(action="task.hidden", target_id=str(task.pk))
        assert (event.actor, event.details["reason"]) == (moderator, "Asks for payment outside the platform.")
        page = reverse("task-detail", kwargs={"task_id": task.pk})
        assert Client().get(page).status_code == 404
        assert signed_in(other_firm.owner, other_firm).get(page).status_code == 404  # even the bidder
        assert f"/tasks/{task.pk}/" not in Client().get(reverse("task-list")).content.decode()
        own = signed_in(firm.owner, firm).get(page)
        assert own.status_code == 200
        assert "Hidden by a moderator" in own.content.decode()

    def test_hiding_needs_a_reason(self, moderator, firm):
        task = open_task(firm)

        response = hide_in_admin(admin_client(moderator), task, "  ")

        assert "Say why the task is hidden" in response.content.decode()
        assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN
        assert not audited("task.hidden")

    def test_hiding_twice_records_once(self, moderator, firm):
        task = open_task(firm)

        moderation.hide_task(actor=moderator, task=task, reason="Spam")
        moderation.hide_task(actor=moderator, task=task, reason="Spam")

        assert AuditEvent.objects.filter(action="task.hidden").count() == 1

    def test_the_client_cannot_move_a_hidden_task_back_onto_the_marketplace(self, moderator, firm):
        task = moderation.hide_task(actor=moderator, task=open_task(firm), reason="Spam")

        for move in (services.close_task, services.cancel_task, services.publish_task):
            with pytest.raises(DomainError):
                move(actor=firm.owner, task=task)
        assert Task.objects.get(pk=task.pk).status == TaskStatus.HIDDEN

    def test_a_member_of_an_organization_cannot_hide(self, firm, other_firm):
        task = open_task(firm)

        with pytest.raises(PermissionDenied):
            moderation.hide_task(actor=other_firm.owner, task=task, reason="I do not like it")
        assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN

    def test_restoring_puts_back_the_status_it_had(self, moderator, firm):
        task = moderation.hide_task(actor=moderator, task=open_task(firm), reason="Spam")

        response = admin_client(moderator).post(
            reverse("admin:marketplace_task_changelist"),
            {"action": "restore", "_selected_action": [task.pk], "reason": ""},
            follow=True,
        )

        assert response.status_code == 200
        task.refresh_from_db()
        assert (task.status, task.status_before_hiding) == (TaskStatus.OPEN, "")
        assert audited("task.restored", firm, task)
        assert Client().get(reverse("task-detail", kwargs={"task_id": task.pk})).status_code == 200


class TestTheClientIsTold:
    def emails(self) -> list[dict]:  # type: ignore[type-arg]
        return [m.kwargs for m in OutboxMessage.objects.filter(task_name="core.send_email").order_by("pk")]

    def test_hiding_emails_the_clients_members_the_reason_once(self, moderator, firm):
        task = open_task(firm)
        OutboxMessage.objects.all().delete()

        moderation.hide_task(actor=moderator, task=task, reason="Asks for payment outside the platform <b>")
        moderation.hide_task(actor=moderator, task=task, reason="Again")

        (email,) = self.emails()
        assert email["to"] == [firm.owner.email]
        assert email["subject"].endswith(f"“{task.title}” was taken off the marketplace")
        assert "The moderators said: Asks for payment outside the platform <b>" in email["body"]  # text, as written
        assert f"/tasks/{task.pk}/" in email["body"]

    def test_restoring_tells_them_it_is_back(self, moderator, firm):
        task = moderation.hide_task(actor=moderator, task=open_task(firm), reason="Spam")
        OutboxMessage.objects.all().delete()

        moderation.restore_task(actor=moderator, task=task)

        (email,) = self.emails()
        assert email["subject"].endswith(f"“{task.title}” is back on the marketplace")
        assert "as it was before they hid it (open)" in email["body"]
