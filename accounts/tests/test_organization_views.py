"""HTML pages of organizations: listing, creating, switching, the settings and the public profile.

Another organization's member gets 404 for this one's ids, a plain member is refused manager
actions, a manager succeeds, and the database says so afterwards.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import services
from accounts.models import Membership, Organization, Role
from accounts.tenancy import SESSION_KEY
from tests.support import signed_in

pytestmark = pytest.mark.django_db


# --- organizations --------------------------------------------------------------------


class TestOrganizationSwitch:
    def test_member_switches_and_returns_to_the_page_they_were_on(self, firm, other_firm):
        user = firm.owner
        Membership.objects.create(user=user, organization=other_firm, role=Role.MEMBER)
        client = signed_in(user, firm)

        response = client.post(
            reverse("organization-switch"), {"organization": other_firm.pk, "next": reverse("member-list")}
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("member-list")
        assert client.session[SESSION_KEY] == other_firm.pk

    def test_non_member_gets_404_and_keeps_their_organization(self, firm, other_firm):
        client = signed_in(firm.owner, firm)

        response = client.post(reverse("organization-switch"), {"organization": other_firm.pk})

        assert response.status_code == 404
        assert client.session[SESSION_KEY] == firm.pk

    def test_garbage_id_is_404(self, firm):
        client = signed_in(firm.owner, firm)

        assert client.post(reverse("organization-switch"), {"organization": "abc"}).status_code == 404

    def test_next_pointing_elsewhere_is_ignored(self, firm):
        client = signed_in(firm.owner, firm)

        response = client.post(reverse("organization-switch"), {"organization": firm.pk, "next": "https://evil.test/"})

        assert response["Location"] == reverse("home")

    def test_get_is_not_allowed(self, firm):
        client = signed_in(firm.owner, firm)

        assert client.get(reverse("organization-switch")).status_code == 405


class TestOrganizationList:
    def test_lists_my_organizations_with_my_role_and_nobody_elses(self, firm, other_firm, member):
        client = signed_in(member, firm)

        html = client.get(reverse("organization-list")).content.decode()

        assert firm.name in html
        assert "Member" in html
        assert "Personal" in html  # the member's personal organization
        assert other_firm.name not in html


class TestOrganizationCreate:
    def test_creates_a_firm_owned_by_the_user_and_switches_to_it(self, user):
        client = signed_in(user)

        response = client.post(reverse("organization-create"), {"name": "Acme Cleaning", "headline": "Offices"})

        organization = Organization.objects.get(name="Acme Cleaning")
        assert response.status_code == 302
        assert response["Location"] == reverse("organization-settings")
        assert Membership.objects.get(organization=organization).user == user
        assert Membership.objects.get(organization=organization).role == Role.OWNER
        assert organization.headline == "Offices"
        assert client.session[SESSION_KEY] == organization.pk

    def test_blank_name_shows_the_error_next_to_the_field_and_creates_nothing(self, user):
        client = signed_in(user)
        before = Organization.objects.count()

        response = client.post(reverse("organization-create"), {"name": "   "})

        assert response.status_code == 200
        assert 'class="field field-invalid"' in response.content.decode()
        assert Organization.objects.count() == before

    def test_reserved_route_words_are_never_used_as_slugs(self, user):
        client = signed_in(user)

        client.post(reverse("organization-create"), {"name": "New"})

        organization = Organization.objects.get(name="New")
        assert organization.slug != "new"
        assert signed_in(user).get(organization.get_absolute_url()).status_code == 200


class TestOrganizationDetail:
    def test_shows_the_public_profile_with_money_formatted(self, client, firm):
        services.update_organization_profile(
            actor=firm.owner,
            organization=firm,
            headline="Payroll for small firms",
            about="We run payroll.",
            country="DE",
            city="Berlin",
            time_zone="Europe/Berlin",
            languages=["English", "German"],
            skills=["Payroll", "DATEV"],
            hourly_rate=8550,
            hourly_rate_currency="EUR",
            website="https://northwind.example",
            portfolio_links=["https://northwind.example/work"],
        )

        html = client.get(reverse("organization-detail", kwargs={"slug": firm.slug})).content.decode()

        for text in (
            "Payroll for small firms",
            "We run payroll.",
            "Germany",
            "Berlin",
            "Europe/Berlin",
            "English, German",
            "DATEV",
            "€85.50",
            "https://northwind.example/work",
            "Member since",
        ):
            assert text in html, text

    def test_unknown_slug_is_404(self, client):
        assert client.get(reverse("organization-detail", kwargs={"slug": "nobody"})).status_code == 404

    def test_edit_link_only_for_its_managers(self, firm, member, other_firm):
        url = reverse("organization-detail", kwargs={"slug": firm.slug})
        edit = "Edit profile"

        assert edit in signed_in(firm.owner, firm).get(url).content.decode()
        assert edit not in signed_in(member, firm).get(url).content.decode()
        assert edit not in signed_in(other_firm.owner, other_firm).get(url).content.decode()


class TestOrganizationSettings:
    def form_data(self, **overrides):
        data = {
            "name": "Northwind Trading GmbH",
            "headline": "Payroll",
            "about": "",
            "country": "AT",
            "city": "Vienna",
            "time_zone": "Europe/Vienna",
            "languages": "German, English, german",
            "skills": "Payroll, DATEV",
            "hourly_rate": "85.50",
            "hourly_rate_currency": "EUR",
            "website": "https://northwind.example",
            "portfolio_links": "https://a.example/1\nhttps://a.example/2\n",
        }
        data.update(overrides)
        return data

    def test_manager_saves_the_profile_of_the_acting_organization(self, firm, admin):
        client = signed_in(admin, firm)

        response = client.post(reverse("organization-settings"), self.form_data())

        assert response.status_code == 302
        firm.refresh_from_db()
        assert firm.name == "Northwind Trading GmbH"
        assert firm.country.code == "AT"
        assert firm.languages == ["German", "English"]
        assert firm.skills == ["payroll", "datev"]  # stored as slugs, shown as names
        assert firm.hourly_rate == 8550
        assert firm.portfolio_links == ["https://a.example/1", "https://a.example/2"]

    def test_a_manager_says_the_organization_offers_services_and_the_directory_lists_it(self, firm):
        client = signed_in(firm.owner, firm)

        client.post(reverse("organization-settings"), self.form_data(offers_services="on"))
        firm.refresh_from_db()
        assert firm.offers_services
        assert firm.is_listed_supplier

        client.post(reverse("organization-settings"), self.form_data())  # an unticked box is not sent
        firm.refresh_from_db()
        assert not firm.offers_services
        assert not firm.is_listed_supplier  # a client naming skills is not a supplier

    def test_the_form_shows_whether_the_organization_offers_services(self, firm):
        Organization.objects.filter(pk=firm.pk).update(offers_services=True)
        html = signed_in(firm.owner, firm).get(reverse("organization-settings")).content.decode()

        assert re.search(r'<input type="checkbox" name="offers_services"[^>]* checked', html)

    def test_manager_uploads_and_clears_a_logo(self, firm, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        image = io.BytesIO()
        Image.new("RGB", (8, 8), "navy").save(image, format="PNG")
        upload = SimpleUploadedFile("logo.png", image.getvalue(), content_type="image/png")
        client = signed_in(firm.owner, firm)

        client.post(reverse("organization-settings"), {**self.form_data(), "logo": upload})
        firm.refresh_from_db()
        uploaded = firm.logo.name
        client.post(reverse("organization-settings"), {**self.form_data(), "logo-clear": "on"})
        firm.refresh_from_db()

        assert uploaded.startswith("logos/")
        assert not firm.logo

    def test_a_file_that_is_not_an_image_is_refused(self, firm, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        upload = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
        client = signed_in(firm.owner, firm)

        response = client.post(reverse("organization-settings"), {**self.form_data(), "logo": upload})

        assert response.status_code == 200
        assert "field field-invalid" in response.content.decode()
        firm.refresh_from_db()
        assert not firm.logo
        assert firm.name == "Northwind Trading"

    def test_page_prefills_the_form_with_money_in_major_units(self, firm):
        services.update_organization_profile(actor=firm.owner, organization=firm, hourly_rate=12000)

        html = signed_in(firm.owner, firm).get(reverse("organization-settings")).content.decode()

        assert 'value="120.00"' in html

    def test_plain_member_sees_it_read_only_and_cannot_save(self, firm, member):
        client = signed_in(member, firm)

        page = client.get(reverse("organization-settings")).content.decode()
        response = client.post(reverse("organization-settings"), self.form_data())

        assert "Only owners and admins can edit this profile" in page
        assert response.status_code == 403
        assert "Only owners and admins" in response.content.decode()
        firm.refresh_from_db()
        assert firm.name == "Northwind Trading"

    def test_the_organization_comes_from_the_session_not_the_form(self, firm, other_firm):
        client = signed_in(firm.owner, firm)

        client.post(reverse("organization-settings"), self.form_data(organization=other_firm.pk, slug=other_firm.slug))

        other_firm.refresh_from_db()
        firm.refresh_from_db()
        assert other_firm.name == "Globex Supplies"
        assert firm.name == "Northwind Trading GmbH"

    def test_bad_input_is_shown_next_to_its_field_and_changes_nothing(self, firm):
        client = signed_in(firm.owner, firm)

        response = client.post(
            reverse("organization-settings"), self.form_data(portfolio_links="not a link", hourly_rate="-1")
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "is not a web address" in html
        assert html.count("field field-invalid") == 2
        firm.refresh_from_db()
        assert firm.name == "Northwind Trading"
