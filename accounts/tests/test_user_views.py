"""The signed-in user's own pages (profile, API tokens), and signing up through allauth."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, Invitation, Membership, Organization, User
from tests.support import signed_in

pytestmark = pytest.mark.django_db


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

        member = other_firm.owner
        Membership.objects.create(user=member, organization=firm, role="member")
        client.force_login(member)
        client.post(reverse("organization-switch"), {"organization": firm.pk})
        Membership.objects.filter(user=member, organization=firm).delete()
        client.logout()

        client.force_login(member)
        response = client.get(reverse("home"))

        assert response.wsgi_request.organization == other_firm
