"""HTML views of accounts and organizations.

For every page: anonymous visitors are sent to sign in (or served, when the
page is public), another organization's member gets 404 for this one's ids, a
plain member is refused manager actions, a manager succeeds, and the database
says so afterwards.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from accounts import services
from accounts.models import ApiToken, Invitation, Membership, Organization, Role, User
from accounts.tenancy import SESSION_KEY
from tests.factories import UserFactory, make_member
from tests.support import flash_messages, login_redirect, signed_in

pytestmark = pytest.mark.django_db


# --- helpers -----------------------------------------------------------------------


@pytest.fixture
def admin(firm):
    return make_member(firm, role=Role.ADMIN)


@pytest.fixture
def invitation(firm):
    invitation, token = services.invite_member(
        actor=firm.owner, organization=firm, email="newcomer@example.test", role=Role.ADMIN
    )
    invitation.token = token
    return invitation


# --- who may reach which page ---------------------------------------------------------

PRIVATE_PAGES = [
    ("organization-list", {}),
    ("organization-create", {}),
    ("organization-switch", {}),
    ("organization-settings", {}),
    ("member-list", {}),
    ("member-role", {"membership_id": 1}),
    ("member-remove", {"membership_id": 1}),
    ("invitation-revoke", {"invitation_id": 1}),
    ("user-profile", {}),
    ("api-token-list", {}),
    ("api-token-revoke", {"token_id": 1}),
    ("invitation-accept", {"token": "some-token"}),
]


class TestAnonymousVisitors:
    @pytest.mark.parametrize(("name", "kwargs"), PRIVATE_PAGES)
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_private_pages_send_them_to_sign_in_and_back(self, client, name, kwargs, method):
        path = reverse(name, kwargs=kwargs)

        response = getattr(client, method)(path)

        assert login_redirect(response, path)

    def test_home_is_a_landing_page(self, client):
        response = client.get(reverse("home"))

        assert response.status_code == 200
        assert reverse("account_signup") in response.content.decode()
        assert "How it works" in response.content.decode()

    def test_public_organization_profile_is_served(self, client, firm):
        response = client.get(reverse("organization-detail", kwargs={"slug": firm.slug}))

        assert response.status_code == 200
        assert firm.name in response.content.decode()

    def test_sign_in_and_sign_up_pages_use_the_product_layout(self, client):
        for name in ("account_login", "account_signup", "account_reset_password"):
            html = client.get(reverse(name)).content.decode()
            assert 'class="auth-card"' in html
            assert "css/app.css" in html


class TestPagesRespectTheContentSecurityPolicy:
    """script-src and style-src are 'self': no inline styles or scripts in any page."""

    @pytest.mark.parametrize(
        "name",
        [
            "home",
            "organization-list",
            "organization-create",
            "organization-settings",
            "member-list",
            "user-profile",
            "api-token-list",
            "mfa_index",
            "account_email",
            "account_change_password",
        ],
    )
    def test_no_inline_style_or_script(self, firm, name):
        client = signed_in(firm.owner, firm)

        html = client.get(reverse(name)).content.decode()

        assert " style=" not in html
        assert "<style" not in html
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag

    def test_landing_and_entrance_pages_too(self, client):
        for name in ("home", "account_login", "account_signup"):
            html = client.get(reverse(name)).content.decode()
            assert " style=" not in html
            assert "<style" not in html


# --- dashboard and header -------------------------------------------------------------


class TestDashboardAndHeader:
    def test_the_settings_page_links_every_setting_and_the_account_menu_links_it(self, firm, member):
        client = signed_in(firm.owner, firm)

        html = client.get(reverse("settings")).content.decode()

        for name in ("organization-settings", "member-list", "user-profile", "mfa_index", "api-token-list"):
            assert f'href="{reverse(name)}"' in html, name
        assert firm.get_absolute_url() in html
        menu = html[html.index('<details class="menu user-menu"') :]
        assert f'<a class="menu-item" href="{reverse("settings")}">Settings</a>' in menu

    def test_the_home_no_longer_carries_the_settings(self, firm):
        html = signed_in(firm.owner, firm).get(reverse("home")).content.decode()
        main = html[html.index('<main id="main"') : html.index("</main>")]

        assert "Good to see you" in main
        assert reverse("api-token-list") not in main
        assert reverse("member-list") not in main

    def test_header_offers_every_organization_of_the_user_to_switch_to(self, firm, other_firm):
        user = firm.owner
        Membership.objects.create(user=user, organization=other_firm, role=Role.MEMBER)
        client = signed_in(user, firm)

        html = client.get(reverse("home")).content.decode()

        assert f'action="{reverse("organization-switch")}"' in html
        assert f'name="organization" value="{other_firm.pk}"' in html
        assert reverse("mfa_index") in html
        assert reverse("api-token-list") in html
        assert reverse("account_logout") in html

    def test_memberships_are_read_once_for_the_acting_organization_and_the_switcher(self, firm, other_firm):
        user = firm.owner
        Membership.objects.create(user=user, organization=other_firm, role=Role.MEMBER)
        client = signed_in(user, other_firm)

        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("task-list")).content.decode()

        reads = [q["sql"] for q in queries.captured_queries if '"accounts_membership"' in q["sql"]]
        assert len(reads) == 1
        assert f'name="organization" value="{firm.pk}"' in html
        assert f'value="{other_firm.pk}" class="menu-item menu-item-org" aria-current="true"' in html

    def test_the_kept_header_carries_each_requests_own_token_and_path(self, firm):
        # The same header markup serves both pages; the token and the path are the request's own.
        client = signed_in(firm.owner, firm)
        hostile = reverse("task-list") + '?q="><script>alert(1)</script>&sort=newest'
        pages = [client.get(path) for path in (reverse("member-list"), hostile)]

        htmls = [page.content.decode() for page in pages]
        nexts = [re.findall(r'name="next" value="([^"]*)"', html)[0] for html in htmls]
        assert nexts == [escape(page.wsgi_request.get_full_path()) for page in pages]
        assert nexts[1].startswith(reverse("task-list") + "?q=")
        assert "&amp;sort=newest" in nexts[1]
        assert "<script>alert(1)" not in htmls[1]
        headers = [html[html.index('<header class="site-header">') : html.index("</header>")] for html in htmls]
        tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', header) for header in headers]
        assert [len(found) for found in tokens] == [2, 2]  # the switcher's form and sign out's
        assert tokens[0][0] != tokens[1][0]  # each request masks the token afresh

        # The header's token is one the CSRF check accepts.
        checked = signed_in(firm.owner, firm, client=Client(enforce_csrf_checks=True))
        html = checked.get(reverse("member-list")).content.decode()
        token = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', html)[0]
        response = checked.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert "_auth_user_id" not in checked.session

    def test_a_renamed_organization_and_a_changed_role_show_in_the_header_at_once(self, firm):
        member = make_member(firm, role=Role.MEMBER)
        client = signed_in(member, firm)
        client.get(reverse("home"))

        Organization.objects.filter(pk=firm.pk).update(name="Renamed & Co")
        Membership.objects.filter(user=member, organization=firm).update(role=Role.ADMIN)
        html = client.get(reverse("home")).content.decode()

        header = html[html.index('<header class="site-header">') : html.index("</header>")]
        assert "Renamed &amp; Co" in header
        assert '<span class="switcher-role">Admin</span>' in header

    def test_the_header_marks_the_pages_own_section(self, other_firm):
        client = signed_in(other_firm.owner, other_firm)  # a supplier: Find work is one of its tabs

        for name, label in [("task-list", "Find work"), ("thread-list", "Messages")]:
            html = client.get(reverse(name)).content.decode()
            assert re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', html) == [label]


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


# --- members and invitations ----------------------------------------------------------------


class TestMemberList:
    def test_manager_sees_members_roles_invitations_and_the_invite_form(self, firm, member, invitation):
        html = signed_in(firm.owner, firm).get(reverse("member-list")).content.decode()

        assert member.email in html
        assert firm.owner.email in html
        assert invitation.email in html
        assert 'name="email"' in html
        membership = Membership.objects.get(user=member, organization=firm)
        assert reverse("member-role", kwargs={"membership_id": membership.pk}) in html

    def test_plain_member_sees_members_but_no_management_controls(self, firm, member, invitation):
        html = signed_in(member, firm).get(reverse("member-list")).content.decode()

        assert firm.owner.email in html
        assert invitation.email not in html
        assert 'name="email"' not in html
        assert "/role/" not in html

    def test_it_shows_only_the_acting_organization(self, firm, other_firm):
        html = signed_in(firm.owner, firm).get(reverse("member-list")).content.decode()

        assert other_firm.owner.email not in html

    def test_number_of_queries_does_not_grow_with_members(self, firm, django_assert_num_queries):
        client = signed_in(firm.owner, firm)
        services.invite_member(actor=firm.owner, organization=firm, email="first@example.test")
        client.get(reverse("member-list"))  # warm up: session, content types

        with CaptureQueriesContext(connection) as with_one:
            assert client.get(reverse("member-list")).status_code == 200
        for number in range(19):
            make_member(firm, role=Role.MEMBER)
            services.invite_member(actor=firm.owner, organization=firm, email=f"guest{number}@example.test")
        with django_assert_num_queries(len(with_one.captured_queries)):
            response = client.get(reverse("member-list"))

        assert response.content.decode().count('class="person"') == 20


class TestInviteMember:
    def test_manager_invites_by_email_and_role(self, firm, admin):
        client = signed_in(admin, firm)

        response = client.post(reverse("member-list"), {"email": "Ada@Example.test", "role": Role.MEMBER})

        assert response.status_code == 302
        invitation = Invitation.objects.get(organization=firm, email="ada@example.test")
        assert invitation.role == Role.MEMBER
        assert invitation.invited_by == admin
        assert "Invitation sent to Ada@Example.test." in flash_messages(response)

    def test_inviting_an_existing_member_is_refused_next_to_the_email_field(self, firm, member):
        client = signed_in(firm.owner, firm)

        response = client.post(reverse("member-list"), {"email": member.email, "role": Role.MEMBER})

        html = response.content.decode()
        assert response.status_code == 409
        assert f"{member.email} is already a member of {firm.name}." in html
        assert "field field-invalid" in html
        assert not Invitation.objects.filter(organization=firm).exists()

    def test_plain_member_cannot_invite(self, firm, member):
        client = signed_in(member, firm)

        response = client.post(reverse("member-list"), {"email": "x@example.test", "role": Role.MEMBER})

        assert response.status_code == 403
        assert not Invitation.objects.filter(organization=firm).exists()

    def test_admin_cannot_invite_an_owner(self, firm, admin):
        client = signed_in(admin, firm)

        response = client.post(reverse("member-list"), {"email": "boss@example.test", "role": Role.OWNER})

        assert response.status_code == 403
        assert "Only an owner can invite another owner." in response.content.decode()
        assert not Invitation.objects.filter(organization=firm).exists()

    def test_personal_organization_cannot_invite(self, user):
        personal = Organization.objects.get(memberships__user=user, is_personal=True)
        client = signed_in(user, personal)

        response = client.post(reverse("member-list"), {"email": "x@example.test", "role": Role.MEMBER})

        assert response.status_code == 400
        assert not Invitation.objects.exists()

    def test_malformed_email_is_refused_by_the_form(self, firm):
        client = signed_in(firm.owner, firm)

        response = client.post(reverse("member-list"), {"email": "not-an-email", "role": Role.MEMBER})

        assert response.status_code == 200
        assert "Enter a valid email address." in response.content.decode()
        assert not Invitation.objects.exists()


class TestMemberRole:
    def url(self, membership: Membership) -> str:
        return reverse("member-role", kwargs={"membership_id": membership.pk})

    def test_manager_changes_a_role(self, firm, member):
        membership = Membership.objects.get(user=member, organization=firm)
        client = signed_in(firm.owner, firm)

        response = client.post(self.url(membership), {"role": Role.ADMIN})

        assert response.status_code == 302
        membership.refresh_from_db()
        assert membership.role == Role.ADMIN

    def test_plain_member_is_refused_and_nothing_changes(self, firm, member):
        owner_membership = Membership.objects.get(user=firm.owner, organization=firm)
        client = signed_in(member, firm)

        response = client.post(self.url(owner_membership), {"role": Role.MEMBER})

        assert response.status_code == 302
        assert "Only owners and admins can manage this organization." in flash_messages(response)
        owner_membership.refresh_from_db()
        assert owner_membership.role == Role.OWNER

    def test_last_owner_cannot_be_demoted(self, firm):
        membership = Membership.objects.get(user=firm.owner, organization=firm)
        client = signed_in(firm.owner, firm)

        response = client.post(self.url(membership), {"role": Role.MEMBER})

        assert any("last owner" in message for message in flash_messages(response))
        membership.refresh_from_db()
        assert membership.role == Role.OWNER

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_another_organizations_membership_is_404(self, firm, other_firm, method):
        foreign = Membership.objects.get(user=other_firm.owner, organization=other_firm)
        client = signed_in(firm.owner, firm)

        response = getattr(client, method)(self.url(foreign), {"role": Role.MEMBER})

        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.role == Role.OWNER

    def test_unknown_role_changes_nothing(self, firm, member):
        membership = Membership.objects.get(user=member, organization=firm)
        client = signed_in(firm.owner, firm)

        client.post(self.url(membership), {"role": "emperor"})

        membership.refresh_from_db()
        assert membership.role == Role.MEMBER

    def test_get_on_own_membership_is_405(self, firm, member):
        membership = Membership.objects.get(user=member, organization=firm)

        assert signed_in(firm.owner, firm).get(self.url(membership)).status_code == 405


class TestMemberRemove:
    def url(self, membership: Membership) -> str:
        return reverse("member-remove", kwargs={"membership_id": membership.pk})

    def test_manager_removes_a_member(self, firm, member, admin):
        membership = Membership.objects.get(user=member, organization=firm)
        client = signed_in(admin, firm)

        response = client.post(self.url(membership))

        assert response["Location"] == reverse("member-list")
        assert not Membership.objects.filter(pk=membership.pk).exists()

    def test_plain_member_cannot_remove_others(self, firm, member):
        owner_membership = Membership.objects.get(user=firm.owner, organization=firm)
        client = signed_in(member, firm)

        response = client.post(self.url(owner_membership))

        assert "Only owners and admins can remove members." in flash_messages(response)
        assert Membership.objects.filter(pk=owner_membership.pk).exists()

    def test_a_member_leaves(self, firm, member):
        membership = Membership.objects.get(user=member, organization=firm)
        client = signed_in(member, firm)

        response = client.post(self.url(membership))

        assert response["Location"] == reverse("organization-list")
        assert not Membership.objects.filter(pk=membership.pk).exists()
        # The next request falls back to an organization the user still belongs to.
        assert client.get(reverse("member-list")).status_code == 200
        assert client.session[SESSION_KEY] != firm.pk

    def test_the_last_owner_cannot_leave(self, firm):
        membership = Membership.objects.get(user=firm.owner, organization=firm)
        client = signed_in(firm.owner, firm)

        response = client.post(self.url(membership))

        assert any("last owner" in message for message in flash_messages(response))
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_another_organizations_membership_is_404(self, firm, other_firm):
        foreign = Membership.objects.get(user=other_firm.owner, organization=other_firm)
        client = signed_in(firm.owner, firm)

        assert client.post(self.url(foreign)).status_code == 404
        assert Membership.objects.filter(pk=foreign.pk).exists()


class TestInvitationRevoke:
    def url(self, invitation: Invitation) -> str:
        return reverse("invitation-revoke", kwargs={"invitation_id": invitation.pk})

    def test_manager_revokes(self, firm, invitation):
        client = signed_in(firm.owner, firm)

        response = client.post(self.url(invitation))

        assert response["Location"] == reverse("member-list")
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None

    def test_plain_member_is_refused(self, firm, member, invitation):
        client = signed_in(member, firm)

        response = client.post(self.url(invitation))

        assert "Only owners and admins can manage this organization." in flash_messages(response)
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_another_organizations_invitation_is_404(self, other_firm, invitation, method):
        client = signed_in(other_firm.owner, other_firm)

        assert getattr(client, method)(self.url(invitation)).status_code == 404
        invitation.refresh_from_db()
        assert invitation.revoked_at is None


class TestInvitationAccept:
    def url(self, token: str) -> str:
        return reverse("invitation-accept", kwargs={"token": token})

    @pytest.fixture
    def invitee(self, db):
        return UserFactory(email="newcomer@example.test")

    def test_anonymous_visitor_signs_in_first_and_comes_back(self, client, invitation):
        path = self.url(invitation.token)

        assert login_redirect(client.get(path), path)

    def test_invitee_sees_organization_and_role(self, firm, invitation, invitee):
        html = signed_in(invitee).get(self.url(invitation.token)).content.decode()

        assert f"Join {firm.name}" in html
        assert "Admin" in html
        assert "Accept and join" in html

    def test_accepting_makes_a_membership_and_switches_to_it(self, firm, invitation, invitee):
        client = signed_in(invitee)

        response = client.post(self.url(invitation.token))

        assert response["Location"] == reverse("home")
        assert Membership.objects.get(user=invitee, organization=firm).role == Role.ADMIN
        invitation.refresh_from_db()
        assert invitation.accepted_by == invitee
        assert client.session[SESSION_KEY] == firm.pk

    def test_wrong_account_is_told_which_address_and_nothing_changes(self, firm, invitation, user):
        response = signed_in(user).post(self.url(invitation.token))

        assert response.status_code == 403
        assert "This invitation was sent to newcomer@example.test" in response.content.decode()
        assert not Membership.objects.filter(user=user, organization=firm).exists()
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_expired_invitation_is_refused(self, firm, invitation, invitee):
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        client = signed_in(invitee)

        page = client.get(self.url(invitation.token)).content.decode()
        response = client.post(self.url(invitation.token))

        assert "Accept and join" not in page
        assert response.status_code == 409
        assert "This invitation has expired. Ask for a new one." in response.content.decode()
        assert not Membership.objects.filter(user=invitee, organization=firm).exists()

    def test_used_invitation_cannot_be_used_again(self, firm, invitation, invitee):
        client = signed_in(invitee)
        client.post(self.url(invitation.token))
        Membership.objects.filter(user=invitee, organization=firm).delete()

        response = client.post(self.url(invitation.token))

        assert response.status_code == 409
        assert "This invitation has already been used." in response.content.decode()
        assert not Membership.objects.filter(user=invitee, organization=firm).exists()

    def test_revoked_invitation_is_refused(self, firm, invitation, invitee):
        services.revoke_invitation(actor=firm.owner, invitation=invitation)

        response = signed_in(invitee).post(self.url(invitation.token))

        assert response.status_code == 409
        assert "withdrawn" in response.content.decode()
        assert not Membership.objects.filter(user=invitee, organization=firm).exists()

    def test_unknown_token_is_404(self, user):
        response = signed_in(user).get(self.url("not-a-real-token"))

        assert response.status_code == 404
        assert "This invitation link is not valid" in response.content.decode()


# --- the signed-in user ------------------------------------------------------------------------


class TestUserProfile:
    def test_user_changes_their_name(self, user):
        client = signed_in(user)

        response = client.post(reverse("user-profile"), {"name": "  Grace Hopper "})

        assert response["Location"] == reverse("user-profile")
        user.refresh_from_db()
        assert user.name == "Grace Hopper"

    def test_page_shows_the_email_and_security_links(self, user):
        html = signed_in(user).get(reverse("user-profile")).content.decode()

        assert user.email in html
        assert reverse("mfa_index") in html
        assert reverse("account_change_password") in html


class TestApiTokens:
    def test_creating_a_token_shows_its_secret_once(self, firm):
        client = signed_in(firm.owner, firm)

        day = (timezone.localdate() + timedelta(days=90)).isoformat()
        response = client.post(reverse("api-token-list"), {"name": "Accounting sync", "expires_at": day})

        token = ApiToken.objects.get(user=firm.owner, organization=firm)
        secret = re.search(r'id="new-token-secret" value="([^"]+)"', response.content.decode()).group(1)
        assert token.name == "Accounting sync"
        assert secret.startswith(token.key_prefix)
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
        assert secret not in client.get(reverse("api-token-list")).content.decode()

    def test_expiry_date_is_the_end_of_that_day(self, firm):
        client = signed_in(firm.owner, firm)
        day = (timezone.localdate() + timedelta(days=30)).isoformat()

        client.post(reverse("api-token-list"), {"name": "CI", "expires_at": day})

        token = ApiToken.objects.get(user=firm.owner)
        assert timezone.localtime(token.expires_at).date().isoformat() > day

    def test_the_form_offers_ninety_days_and_refuses_more_than_a_year(self, firm):
        client = signed_in(firm.owner, firm)
        today = timezone.localdate()
        html = client.get(reverse("api-token-list")).content.decode()
        assert f'value="{(today + timedelta(days=90)).isoformat()}"' in html
        assert f'max="{(today + timedelta(days=365)).isoformat()}"' in html

        for day, error in [
            ("", "This field is required."),
            ((today + timedelta(days=366)).isoformat(), "A token lives at most 365 days"),
            ("9999-12-31", "A token lives at most 365 days"),
        ]:
            response = client.post(reverse("api-token-list"), {"name": "CI", "expires_at": day})
            assert error in response.content.decode(), day
        assert not ApiToken.objects.exists()

        client.post(reverse("api-token-list"), {"name": "CI", "expires_at": (today + timedelta(days=365)).isoformat()})
        assert ApiToken.objects.count() == 1

    def test_expiry_in_the_past_is_refused_next_to_the_field(self, firm):
        client = signed_in(firm.owner, firm)
        yesterday = (timezone.localdate() - timedelta(days=2)).isoformat()

        response = client.post(reverse("api-token-list"), {"name": "CI", "expires_at": yesterday})

        assert response.status_code == 400
        assert "The expiry date must be in the future." in response.content.decode()
        assert not ApiToken.objects.exists()

    def test_lists_only_my_tokens_of_the_acting_organization(self, firm, member):
        services.create_api_token(actor=member, organization=firm, name="Mine here")
        personal = Organization.objects.get(memberships__user=member, is_personal=True)
        services.create_api_token(actor=member, organization=personal, name="Mine elsewhere")
        services.create_api_token(actor=firm.owner, organization=firm, name="The owner's")

        html = signed_in(member, firm).get(reverse("api-token-list")).content.decode()

        assert "Mine here" in html
        assert "Mine elsewhere" not in html
        assert "The owner&#x27;s" not in html

    def test_revoking_my_token(self, firm):
        token, _ = services.create_api_token(actor=firm.owner, organization=firm, name="CI")
        client = signed_in(firm.owner, firm)

        response = client.post(reverse("api-token-revoke", kwargs={"token_id": token.pk}))

        assert response["Location"] == reverse("api-token-list")
        token.refresh_from_db()
        assert token.revoked_at is not None

    @pytest.mark.parametrize("method", ["get", "post"])
    def test_someone_elses_token_is_404_even_in_the_same_organization(self, firm, member, method):
        token, _ = services.create_api_token(actor=firm.owner, organization=firm, name="CI")
        client = signed_in(member, firm)

        response = getattr(client, method)(reverse("api-token-revoke", kwargs={"token_id": token.pk}))

        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_another_organizations_token_is_404(self, firm, other_firm):
        token, _ = services.create_api_token(actor=other_firm.owner, organization=other_firm, name="CI")
        client = signed_in(firm.owner, firm)

        assert client.post(reverse("api-token-revoke", kwargs={"token_id": token.pk})).status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None


# --- sign-up through allauth ------------------------------------------------------------------


class TestSignup:
    def test_signing_up_with_a_taken_address_creates_nobody_and_reveals_nothing(self, client, user):
        before = User.objects.count()

        response = client.post(
            reverse("account_signup"),
            {"email": user.email.upper(), "password1": "a-long-unusual-pass-93", "password2": "a-long-unusual-pass-93"},
        )

        # allauth prevents account enumeration: the page reads as for a new
        # address and the owner of the address gets an email instead.
        assert response.status_code == 302
        assert User.objects.count() == before
        assert EmailAddress.objects.filter(email__iexact=user.email).count() == 1

    def test_mismatched_passwords_show_the_error_in_the_product_layout(self, client):
        response = client.post(
            reverse("account_signup"),
            {"email": "new@example.test", "password1": "a-long-unusual-pass-93", "password2": "different-93-pass"},
        )

        html = response.content.decode()
        assert response.status_code == 200
        assert "field field-invalid" in html
        assert 'class="auth-card"' in html
        assert not User.objects.filter(email="new@example.test").exists()

    def test_a_new_account_gets_a_personal_organization(self, client):
        client.post(
            reverse("account_signup"),
            {
                "email": "fresh@example.test",
                "password1": "a-long-unusual-pass-93",
                "password2": "a-long-unusual-pass-93",
            },
        )

        user = User.objects.get(email="fresh@example.test")
        assert Organization.objects.filter(memberships__user=user, is_personal=True).count() == 1


class TestTimeZone:
    def test_pages_show_times_in_the_acting_organizations_zone(self, client, firm):
        from datetime import UTC, datetime

        from accounts import services
        from accounts.models import Invitation

        firm.time_zone = "Asia/Tokyo"
        firm.save(update_fields=["time_zone"])
        invitation, _ = services.invite_member(actor=firm.owner, organization=firm, email="tz@example.test")
        # 20:00 UTC on 1 January is already 2 January in Tokyo.
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=datetime(2030, 1, 1, 20, 0, tzinfo=UTC))
        client.force_login(firm.owner)
        client.post(reverse("organization-switch"), {"organization": firm.pk})

        page = client.get(reverse("member-list")).content.decode()

        assert "2 Jan 2030" in page
        assert "1 Jan 2030" not in page


class TestActingOrganizationDefault:
    def test_a_firm_member_starts_in_the_firm_not_the_personal_organization(self, client, firm):
        client.force_login(firm.owner)

        response = client.get(reverse("home"))

        assert response.wsgi_request.organization == firm

    def test_the_last_switch_is_remembered_at_the_next_sign_in(self, client, firm):
        from accounts.models import Organization

        personal = Organization.objects.get(memberships__user=firm.owner, is_personal=True)
        client.force_login(firm.owner)
        client.post(reverse("organization-switch"), {"organization": personal.pk})
        client.logout()

        client.force_login(firm.owner)
        response = client.get(reverse("home"))

        assert response.wsgi_request.organization == personal

    def test_a_remembered_organization_the_user_left_is_not_used(self, client, firm, other_firm):
        from accounts.models import Membership

        member = other_firm.owner
        Membership.objects.create(user=member, organization=firm, role="member")
        client.force_login(member)
        client.post(reverse("organization-switch"), {"organization": firm.pk})
        Membership.objects.filter(user=member, organization=firm).delete()
        client.logout()

        client.force_login(member)
        response = client.get(reverse("home"))

        assert response.wsgi_request.organization == other_firm
