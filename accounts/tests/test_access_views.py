"""Who reaches which account page, and the dashboard and header every signed-in page shows."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Membership, Organization, Role
from tests.factories import make_member
from tests.support import login_redirect, signed_in

pytestmark = pytest.mark.django_db


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
