"""The supplier directory, and skill names on an organization's profile."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Organization
from marketplace import services
from marketplace.models import (
    BidInvitation,
)
from tests.factories import open_task, task_input
from tests.support import field_errors, html, login_redirect, signed_in

pytestmark = pytest.mark.django_db


# --- the supplier directory -----------------------------------------------------------------------------------


class TestSupplierDirectory:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        path = reverse("supplier-list")

        assert login_redirect(client.get(path), path)

    def test_lists_suppliers_with_their_facts_but_not_the_acting_organization(self, firm, supplier, client_of):
        Organization.objects.filter(pk=firm.pk).update(skills=["payroll"], offers_services=True)

        response = client_of.get(reverse("supplier-list"))

        page = html(response)
        assert [org.pk for org in response.context["suppliers"]] == [supplier.pk]
        assert supplier.name in page
        assert "Payroll bureau" in page
        assert "No reviews yet" in page
        assert "€65.00" in page
        assert "Berlin, Germany" in page
        assert "DATEV</li>" in page

    def test_a_client_naming_skills_is_not_listed_nor_invitable_until_it_offers_services(
        self, firm, supplier, supplier_client
    ):
        Organization.objects.filter(pk=firm.pk).update(skills=["payroll"], offers_services=False)
        task = open_task(supplier)  # the supplier posts a task too, and looks for help in the directory

        listed = [org.pk for org in supplier_client.get(reverse("supplier-list")).context["suppliers"]]
        invited = supplier_client.post(reverse("task-invite", kwargs={"task_id": task.pk}), {"supplier": firm.pk})

        assert firm.pk not in listed
        assert invited.status_code == 404
        assert not BidInvitation.objects.filter(supplier=firm).exists()
        Organization.objects.filter(pk=firm.pk).update(offers_services=True)
        assert firm.pk in [org.pk for org in supplier_client.get(reverse("supplier-list")).context["suppliers"]]

    @pytest.mark.parametrize(
        ("query", "found"),
        [
            ("skills=DATEV", True),
            ("skills=Illustration", False),
            ("country=DE", True),
            ("country=FR", False),
            ("city=berlin", True),
            ("rate_max=70&currency=EUR", True),
            ("rate_max=50&currency=EUR", False),
            ("min_rating=4", False),
            ("q=payroll", True),
            ("q=plumbing", False),
        ],
    )
    def test_filters_narrow_the_directory(self, supplier, client_of, query, found):
        response = client_of.get(reverse("supplier-list") + "?" + query)

        assert (supplier in response.context["suppliers"]) is found

    def test_an_unreadable_rate_and_an_unknown_country_are_told_and_left_out(self, supplier, client_of):
        response = client_of.get(reverse("supplier-list"), {"rate_max": "abc", "country": "ZZ"})

        assert [org.pk for org in response.context["suppliers"]] == [supplier.pk]  # searched without them
        assert "Enter an amount like 2,800.00." in field_errors(response, "rate_max")
        assert "Select a valid choice. ZZ is not one of the available choices." in field_errors(response, "country")

    def test_invite_menu_offers_the_clients_open_tasks(self, firm, other_firm, supplier, client_of):
        task = open_task(firm, title="Open payroll task")
        services.create_task(actor=firm.owner, organization=firm, data=task_input(title="Draft task"))
        open_task(other_firm, title="Another client's task")

        page = html(client_of.get(reverse("supplier-list")))

        assert f'formaction="{reverse("task-invite", kwargs={"task_id": task.pk})}"' in page
        assert "Open payroll task" in page
        assert "Draft task" not in page
        assert "Another client" not in page
        assert f'name="supplier" value="{supplier.pk}"' in page


# --- the organization profile shows skill names ---------------------------------------------------------------------


def test_organization_pages_show_skill_names_not_slugs(firm):
    open_task(firm, skills=["Microsoft 365", "DATEV"])  # the vocabulary learns the names
    Organization.objects.filter(pk=firm.pk).update(skills=["microsoft-365", "datev", "unheard-of-skill"])
    client = signed_in(firm.owner, firm)

    profile = html(client.get(reverse("organization-detail", kwargs={"slug": firm.slug})))
    settings_page = html(client.get(reverse("organization-settings")))

    assert "<li>Microsoft 365</li>" in profile
    assert "<li>DATEV</li>" in profile
    assert "<li>Unheard of skill</li>" in profile
    assert 'value="Microsoft 365, DATEV, Unheard of skill"' in settings_page
