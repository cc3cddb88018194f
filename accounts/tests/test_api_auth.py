"""The accounts API: exchanging a password for a token, and signing requests with one.

Refusals change nothing; successes change the database and write the audit log.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts import selectors, services
from accounts.models import ApiToken, Membership, Organization, Role, hash_secret
from accounts.tests.api_support import (
    PASSWORD,
    current_totp_code,
    error_code,
    personal_org,
)
from tests.factories import UserFactory, make_member
from tests.support import api_signed_in as signed_in
from tests.support import audited, count_queries, with_token

pytestmark = pytest.mark.django_db


# --- POST auth/token/ -----------------------------------------------------------------------------


TOKEN_URL = "/api/v1/auth/token/"


class TestTokenExchange:
    def test_valid_credentials_return_a_token_for_the_personal_organization_once(self, anonymous_api, user):
        response = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 201, response.content
        body = response.json()
        secret = body["token"]
        assert secret.startswith("mkt_")
        assert body["prefix"] == secret[:10]
        token = ApiToken.objects.get(pk=body["id"])
        assert token.key_hash == hash_secret(secret)
        assert token.user == user
        assert token.organization == personal_org(user)
        assert body["organization"]["id"] == token.organization_id
        assert token.expires_at is not None
        assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
        assert audited("api_token.created", token.organization)
        # The secret is never shown again.
        listing = with_token(user, token.organization).get("/api/v1/api-tokens/").json()["results"]
        assert all("token" not in row for row in listing)

    def test_the_token_it_returns_authenticates(self, anonymous_api, user):
        secret = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json").json()[
            "token"
        ]
        anonymous_api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        response = anonymous_api.get("/api/v1/me/")

        assert response.status_code == 200
        assert response.json()["email"] == user.email

    def test_email_is_case_insensitive(self, anonymous_api, user):
        response = anonymous_api.post(TOKEN_URL, {"email": user.email.upper(), "password": PASSWORD}, format="json")

        assert response.status_code == 201

    def test_name_organization_and_lifetime_are_honoured(self, anonymous_api, firm):
        response = anonymous_api.post(
            TOKEN_URL,
            {
                "email": firm.owner.email,
                "password": PASSWORD,
                "name": "CI deploy",
                "organization": firm.pk,
                "expires_in_days": 7,
            },
            format="json",
        )

        assert response.status_code == 201, response.content
        token = ApiToken.objects.get(pk=response.json()["id"])
        assert (token.name, token.organization) == ("CI deploy", firm)
        assert timedelta(days=6) < token.expires_at - timezone.now() <= timedelta(days=7)

    def test_an_organization_the_user_is_not_in_is_refused(self, anonymous_api, firm, other_firm):
        response = anonymous_api.post(
            TOKEN_URL,
            {"email": firm.owner.email, "password": PASSWORD, "organization": other_firm.pk},
            format="json",
        )

        assert response.status_code == 404
        assert response.json()["error"]["fields"] == {"organization": ["You are not a member of that organization."]}
        assert not ApiToken.objects.exists()

    @pytest.mark.parametrize("email", ["known", "unknown@example.test"])
    def test_wrong_credentials_are_refused_alike(self, anonymous_api, user, email):
        email = user.email if email == "known" else email

        response = anonymous_api.post(TOKEN_URL, {"email": email, "password": "wrong password"}, format="json")

        assert response.status_code == 401
        assert response.json() == {"error": {"code": "invalid_credentials", "message": "Wrong email or password."}}
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert not ApiToken.objects.exists()

    def test_an_inactive_user_is_refused(self, anonymous_api, user):
        user.is_active = False
        user.save(update_fields=["is_active"])

        response = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 401
        assert error_code(response) == "account_inactive"
        assert not ApiToken.objects.exists()

    def test_an_inactive_user_with_a_wrong_password_learns_nothing(self, anonymous_api, user):
        user.is_active = False
        user.save(update_fields=["is_active"])

        response = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json")

        assert response.status_code == 401
        assert error_code(response) == "invalid_credentials"

    def test_an_unverified_email_is_refused(self, anonymous_api):
        user = UserFactory(verified=False)

        response = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 401
        assert error_code(response) == "email_not_verified"
        assert not ApiToken.objects.exists()

    def test_missing_fields_are_named(self, anonymous_api):
        response = anonymous_api.post(TOKEN_URL, {}, format="json")

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert set(error["fields"]) == {"email", "password"}

    @pytest.mark.parametrize("days", [0, 366])
    def test_lifetime_is_bounded(self, anonymous_api, user, days):
        response = anonymous_api.post(
            TOKEN_URL, {"email": user.email, "password": PASSWORD, "expires_in_days": days}, format="json"
        )

        assert response.status_code == 400
        assert "expires_in_days" in response.json()["error"]["fields"]
        assert not ApiToken.objects.exists()

    def test_a_session_or_a_broken_authorization_header_does_not_matter(self, user):
        client = signed_in(user)
        client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 201

    def test_it_is_throttled(self, anonymous_api, user, monkeypatch):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token_exchange", "2/min")
        for _ in range(2):
            anonymous_api.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json")

        response = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 429
        assert error_code(response) == "throttled"
        assert "Retry-After" in response
        assert not ApiToken.objects.exists()

    def test_failed_passwords_lock_the_address_like_the_login_page(self, anonymous_api, user, monkeypatch):
        # Lift the per-IP API throttle to show allauth's per-address limit (5 failures in 5 minutes).
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token_exchange", "100/min")
        for _ in range(5):
            assert (
                anonymous_api.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json").status_code
                == 401
            )

        response = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 429
        assert error_code(response) == "throttled"
        assert not ApiToken.objects.exists()


class TestTokenExchangeWithTwoFactor:
    @pytest.fixture
    def secret(self, user) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    def test_a_missing_code_is_asked_for(self, anonymous_api, user, secret):
        response = anonymous_api.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "otp_required"
        assert list(error["fields"]) == ["otp_code"]
        assert not ApiToken.objects.exists()

    def test_a_wrong_code_is_refused(self, anonymous_api, user, secret):
        wrong = f"{(int(current_totp_code(secret)) + 1) % 10**6:06d}"

        response = anonymous_api.post(
            TOKEN_URL, {"email": user.email, "password": PASSWORD, "otp_code": wrong}, format="json"
        )

        assert response.status_code == 401
        assert error_code(response) == "invalid_otp_code"
        assert not ApiToken.objects.exists()

    def test_the_current_code_gets_a_token(self, anonymous_api, user, secret):
        code = current_totp_code(secret)

        response = anonymous_api.post(
            TOKEN_URL, {"email": user.email, "password": PASSWORD, "otp_code": code}, format="json"
        )

        assert response.status_code == 201, response.content
        assert ApiToken.objects.filter(user=user).count() == 1
        assert Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).last_used_at is not None

    def test_a_code_cannot_be_replayed(self, anonymous_api, user, secret):
        payload = {"email": user.email, "password": PASSWORD, "otp_code": current_totp_code(secret)}
        assert anonymous_api.post(TOKEN_URL, payload, format="json").status_code == 201

        response = anonymous_api.post(TOKEN_URL, payload, format="json")

        assert response.status_code == 401
        assert error_code(response) == "invalid_otp_code"
        assert ApiToken.objects.filter(user=user).count() == 1

    def test_wrong_codes_lock_the_account_like_the_login_page(self, anonymous_api, user, secret, monkeypatch):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token_exchange", "100/min")
        wrong = f"{(int(current_totp_code(secret)) + 1) % 10**6:06d}"
        for _ in range(5):
            payload = {"email": user.email, "password": PASSWORD, "otp_code": wrong}
            assert anonymous_api.post(TOKEN_URL, payload, format="json").status_code == 401

        payload = {"email": user.email, "password": PASSWORD, "otp_code": current_totp_code(secret)}
        response = anonymous_api.post(TOKEN_URL, payload, format="json")

        assert response.status_code == 429
        assert error_code(response) == "throttled"
        assert not ApiToken.objects.exists()

    def test_a_good_code_does_not_excuse_a_wrong_password(self, anonymous_api, user, secret):
        response = anonymous_api.post(
            TOKEN_URL,
            {"email": user.email, "password": "wrong", "otp_code": current_totp_code(secret)},
            format="json",
        )

        assert response.status_code == 401
        assert error_code(response) == "invalid_credentials"


# --- token authentication ---------------------------------------------------------------------


class TestTokenAuthentication:
    def test_a_revoked_token_is_rejected(self, firm):
        token, secret = services.create_api_token(actor=firm.owner, organization=firm, name="old")
        services.revoke_api_token(actor=firm.owner, token=token)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        response = client.get("/api/v1/me/")

        assert response.status_code == 401
        assert error_code(response) == "authentication_failed"

    def test_an_expired_token_is_rejected(self, firm):
        token, secret = services.create_api_token(
            actor=firm.owner, organization=firm, name="old", expires_at=timezone.now() + timedelta(days=1)
        )
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        response = client.get("/api/v1/me/")

        assert response.status_code == 401
        assert error_code(response) == "authentication_failed"

    def test_a_token_of_someone_who_left_the_organization_is_rejected(self, firm, member):
        client = with_token(member, firm)
        Membership.objects.filter(user=member, organization=firm).delete()

        response = client.get("/api/v1/me/")

        assert response.status_code == 401

    def test_a_token_of_a_deactivated_user_is_rejected(self, firm, member):
        client = with_token(member, firm)
        member.is_active = False
        member.save(update_fields=["is_active"])

        response = client.get("/api/v1/me/")

        assert response.status_code == 401
        assert error_code(response) == "authentication_failed"

    def test_a_token_that_expires_later_still_works(self, firm):
        client = with_token(firm.owner, firm, expires_at=timezone.now() + timedelta(minutes=5))

        assert client.get("/api/v1/me/").status_code == 200

    def test_the_token_query_loads_the_same_rows_as_the_orm(self, firm, member):
        # The selector writes its join out by hand: every field of every model must come back as the ORM reads it.
        token, secret = services.create_api_token(actor=member, organization=firm, name="test")

        found, membership = selectors.active_token_and_membership(key=secret)

        assert found is not None
        assert membership is not None
        expected_membership = Membership.objects.get(user=member, organization=firm)
        for loaded, expected in [
            (found, ApiToken.objects.get(pk=token.pk)),
            (found.user, member.__class__.objects.get(pk=member.pk)),
            (found.organization, Organization.objects.get(pk=firm.pk)),
            (membership, expected_membership),
            (membership.user, member.__class__.objects.get(pk=member.pk)),
            (membership.organization, Organization.objects.get(pk=firm.pk)),
        ]:
            fields = loaded._meta.concrete_fields
            assert [f.value_from_object(loaded) for f in fields] == [f.value_from_object(expected) for f in fields]
            assert not loaded._state.adding
        assert membership.can_manage is expected_membership.can_manage

    def test_an_unknown_key_finds_nothing(self):
        assert selectors.active_token_and_membership(key="mkt_unknown") == (None, None)

    @pytest.mark.parametrize(
        "header",
        ["Bearer", "Bearer a b", "Bearer not-our-prefix", "Token mkt_unknown", "Bearer mkt_\u00e9".encode()],
    )
    def test_a_malformed_or_unknown_token_gets_the_error_body(self, header):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)

        response = client.get("/api/v1/me/")

        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "authentication_failed"
        assert error["message"]
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'

    def test_a_token_finds_its_user_organization_and_membership_in_one_query(self, firm, member):
        client = with_token(member, firm)
        client.get("/api/v1/organizations/")  # the first call records when the token was last used

        # The token with its membership, then the page.
        assert count_queries(client, "/api/v1/organizations/") == 2

    def test_the_tokens_membership_is_the_one_of_its_organization_with_its_current_role(self, firm, other_firm):
        user = make_member(other_firm, role=Role.ADMIN)
        make_member(firm, role=Role.MEMBER, user=user)
        client = with_token(user, firm)
        invite = {"email": "new@example.test", "role": Role.MEMBER}

        assert client.post("/api/v1/invitations/", invite, format="json").status_code == 403  # a member in firm
        Membership.objects.filter(user=user, organization=firm).update(role=Role.ADMIN)
        assert client.post("/api/v1/invitations/", invite, format="json").status_code == 201

    def test_a_token_acts_only_in_its_own_organization_whatever_the_session_says(self, firm, other_firm):
        # The owner of firm also belongs to other_firm and chose it in the browser session...
        make_member(other_firm, role=Role.ADMIN, user=firm.owner)
        client = signed_in(firm.owner, other_firm)
        # ...but calls the API with a token scoped to firm.
        _token, secret = services.create_api_token(actor=firm.owner, organization=firm, name="firm only")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        me = client.get("/api/v1/me/").json()
        members = client.get("/api/v1/memberships/").json()["results"]
        organizations = client.get("/api/v1/organizations/").json()["results"]
        patch = client.patch(f"/api/v1/organizations/{other_firm.pk}/", {"headline": "hijacked"}, format="json")

        assert me["acting_organization"]["id"] == firm.pk
        assert [m["organization"]["id"] for m in me["memberships"]] == [firm.pk]
        assert {m["user"]["id"] for m in members} == {firm.owner.pk}
        assert [o["id"] for o in organizations] == [firm.pk]
        assert patch.status_code == 404
        other_firm.refresh_from_db()
        assert other_firm.headline == ""

    def test_the_session_alone_uses_the_session_choice(self, firm, other_firm):
        make_member(other_firm, role=Role.ADMIN, user=firm.owner)
        client = signed_in(firm.owner, other_firm)

        me = client.get("/api/v1/me/").json()

        assert me["acting_organization"]["id"] == other_firm.pk
