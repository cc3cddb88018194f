"""The accounts API under /api/v1/.

Every endpoint is tried by an anonymous visitor, a member of another
organization, a member without the role and a member with it; refusals must
change nothing, successes must change the database and write the audit log.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts import selectors, services
from accounts.models import ApiToken, Invitation, Membership, Organization, Role, hash_secret
from core.models import AuditEvent, OutboxMessage
from tests.factories import OrganizationFactory, UserFactory, make_member
from tests.support import api_signed_in as signed_in
from tests.support import count_queries

PASSWORD = "correct-horse-battery"  # the factories' password

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def with_token(user, organization, **kwargs) -> APIClient:
    _token, secret = services.create_api_token(actor=user, organization=organization, name="test", **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def personal_org(user) -> Organization:
    return Organization.objects.get(is_personal=True, memberships__user=user)


def audited(action: str, organization=None) -> bool:
    events = AuditEvent.objects.filter(action=action)
    if organization is not None:
        events = events.filter(organization=organization)
    return events.exists()


def error_code(response) -> str:
    return response.json()["error"]["code"]


def current_totp_code(secret: str) -> str:
    """The code an authenticator app shows now, computed with allauth's own helpers."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


@pytest.fixture
def member(firm):
    """A plain member of ``firm``: may read, may not manage."""
    return make_member(firm, role=Role.MEMBER)


# The user with their memberships (one query: accounts.auth_backends; the session comes from the cache),
# then the page: nothing per row.
LIST_QUERIES = 2


# --- POST auth/token/ -----------------------------------------------------------------------------


TOKEN_URL = "/api/v1/auth/token/"


class TestTokenExchange:
    def test_valid_credentials_return_a_token_for_the_personal_organization_once(self, client, user):
        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

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

    def test_the_token_it_returns_authenticates(self, client, user):
        secret = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json").json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        response = client.get("/api/v1/me/")

        assert response.status_code == 200
        assert response.json()["email"] == user.email

    def test_email_is_case_insensitive(self, client, user):
        response = client.post(TOKEN_URL, {"email": user.email.upper(), "password": PASSWORD}, format="json")

        assert response.status_code == 201

    def test_name_organization_and_lifetime_are_honoured(self, client, firm):
        response = client.post(
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

    def test_an_organization_the_user_is_not_in_is_refused(self, client, firm, other_firm):
        response = client.post(
            TOKEN_URL,
            {"email": firm.owner.email, "password": PASSWORD, "organization": other_firm.pk},
            format="json",
        )

        assert response.status_code == 404
        assert response.json()["error"]["fields"] == {"organization": ["You are not a member of that organization."]}
        assert not ApiToken.objects.exists()

    @pytest.mark.parametrize("email", ["known", "unknown@example.test"])
    def test_wrong_credentials_are_refused_alike(self, client, user, email):
        email = user.email if email == "known" else email

        response = client.post(TOKEN_URL, {"email": email, "password": "wrong password"}, format="json")

        assert response.status_code == 401
        assert response.json() == {"error": {"code": "invalid_credentials", "message": "Wrong email or password."}}
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert not ApiToken.objects.exists()

    def test_an_inactive_user_is_refused(self, client, user):
        user.is_active = False
        user.save(update_fields=["is_active"])

        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 401
        assert error_code(response) == "account_inactive"
        assert not ApiToken.objects.exists()

    def test_an_inactive_user_with_a_wrong_password_learns_nothing(self, client, user):
        user.is_active = False
        user.save(update_fields=["is_active"])

        response = client.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json")

        assert response.status_code == 401
        assert error_code(response) == "invalid_credentials"

    def test_an_unverified_email_is_refused(self, client):
        user = UserFactory(verified=False)

        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 401
        assert error_code(response) == "email_not_verified"
        assert not ApiToken.objects.exists()

    def test_missing_fields_are_named(self, client):
        response = client.post(TOKEN_URL, {}, format="json")

        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert set(error["fields"]) == {"email", "password"}

    @pytest.mark.parametrize("days", [0, 366])
    def test_lifetime_is_bounded(self, client, user, days):
        response = client.post(
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

    def test_it_is_throttled(self, client, user, monkeypatch):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token_exchange", "2/min")
        for _ in range(2):
            client.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json")

        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 429
        assert error_code(response) == "throttled"
        assert "Retry-After" in response
        assert not ApiToken.objects.exists()

    def test_failed_passwords_lock_the_address_like_the_login_page(self, client, user, monkeypatch):
        # Lift the per-IP API throttle to show allauth's per-address limit (5 failures in 5 minutes).
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token_exchange", "100/min")
        for _ in range(5):
            assert client.post(TOKEN_URL, {"email": user.email, "password": "wrong"}, format="json").status_code == 401

        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 429
        assert error_code(response) == "throttled"
        assert not ApiToken.objects.exists()


class TestTokenExchangeWithTwoFactor:
    @pytest.fixture
    def secret(self, user) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    def test_a_missing_code_is_asked_for(self, client, user, secret):
        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD}, format="json")

        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "otp_required"
        assert list(error["fields"]) == ["otp_code"]
        assert not ApiToken.objects.exists()

    def test_a_wrong_code_is_refused(self, client, user, secret):
        wrong = f"{(int(current_totp_code(secret)) + 1) % 10**6:06d}"

        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD, "otp_code": wrong}, format="json")

        assert response.status_code == 401
        assert error_code(response) == "invalid_otp_code"
        assert not ApiToken.objects.exists()

    def test_the_current_code_gets_a_token(self, client, user, secret):
        code = current_totp_code(secret)

        response = client.post(TOKEN_URL, {"email": user.email, "password": PASSWORD, "otp_code": code}, format="json")

        assert response.status_code == 201, response.content
        assert ApiToken.objects.filter(user=user).count() == 1
        assert Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).last_used_at is not None

    def test_a_code_cannot_be_replayed(self, client, user, secret):
        payload = {"email": user.email, "password": PASSWORD, "otp_code": current_totp_code(secret)}
        assert client.post(TOKEN_URL, payload, format="json").status_code == 201

        response = client.post(TOKEN_URL, payload, format="json")

        assert response.status_code == 401
        assert error_code(response) == "invalid_otp_code"
        assert ApiToken.objects.filter(user=user).count() == 1

    def test_wrong_codes_lock_the_account_like_the_login_page(self, client, user, secret, monkeypatch):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token_exchange", "100/min")
        wrong = f"{(int(current_totp_code(secret)) + 1) % 10**6:06d}"
        for _ in range(5):
            payload = {"email": user.email, "password": PASSWORD, "otp_code": wrong}
            assert client.post(TOKEN_URL, payload, format="json").status_code == 401

        payload = {"email": user.email, "password": PASSWORD, "otp_code": current_totp_code(secret)}
        response = client.post(TOKEN_URL, payload, format="json")

        assert response.status_code == 429
        assert error_code(response) == "throttled"
        assert not ApiToken.objects.exists()

    def test_a_good_code_does_not_excuse_a_wrong_password(self, client, user, secret):
        response = client.post(
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


# --- me/ ----------------------------------------------------------------------------------------


class TestMe:
    def test_anonymous_is_refused(self, client):
        response = client.get("/api/v1/me/")

        assert response.status_code == 401
        assert error_code(response) == "not_authenticated"

    def test_shows_the_user_memberships_and_acting_organization(self, firm):
        response = signed_in(firm.owner, firm).get("/api/v1/me/")

        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["email"], body["name"]) == (firm.owner.pk, firm.owner.email, firm.owner.name)
        personal = personal_org(firm.owner)
        assert [(m["organization"]["id"], m["role"]) for m in body["memberships"]] == [
            (personal.pk, "owner"),
            (firm.pk, "owner"),
        ]
        assert body["memberships"][1]["organization"] == {
            "id": firm.pk,
            "name": firm.name,
            "slug": firm.slug,
            "is_personal": False,
        }
        assert body["acting_organization"] == {
            "id": firm.pk,
            "name": firm.name,
            "slug": firm.slug,
            "is_personal": False,
            "role": "owner",
        }

    def test_patch_changes_the_name(self, user):
        response = signed_in(user).patch("/api/v1/me/", {"name": "  Ada Lovelace "}, format="json")

        assert response.status_code == 200
        assert response.json()["name"] == "Ada Lovelace"
        user.refresh_from_db()
        assert user.name == "Ada Lovelace"
        assert AuditEvent.objects.filter(action="user.updated", actor=user).exists()

    def test_patch_cannot_change_the_email(self, user):
        email = user.email

        response = signed_in(user).patch("/api/v1/me/", {"email": "new@example.test"}, format="json")

        assert response.status_code == 200
        user.refresh_from_db()
        assert user.email == email

    def test_anonymous_patch_changes_nothing(self, client, user):
        name = user.name

        response = client.patch("/api/v1/me/", {"name": "Mallory"}, format="json")

        assert response.status_code == 401
        user.refresh_from_db()
        assert user.name == name


# --- organizations/ -------------------------------------------------------------------------------


class TestOrganizationList:
    def test_anonymous_is_refused(self, client):
        assert client.get("/api/v1/organizations/").status_code == 401

    def test_lists_only_my_organizations_with_my_role(self, firm, other_firm, member):
        response = signed_in(member, firm).get("/api/v1/organizations/")

        assert response.status_code == 200
        rows = {row["id"]: row["role"] for row in response.json()["results"]}
        assert rows == {personal_org(member).pk: "owner", firm.pk: "member"}

    def test_is_cursor_paginated(self, user):
        for n in range(3):
            services.create_organization(actor=user, name=f"Firm {n}")
        client = signed_in(user)

        first = client.get("/api/v1/organizations/?page_size=2").json()
        second = client.get(first["next"]).json()

        assert len(first["results"]) == 2
        assert first["previous"] is None
        assert len(second["results"]) == 2
        assert second["next"] is None
        ids = [row["id"] for row in first["results"] + second["results"]]
        assert len(set(ids)) == 4

    def test_query_count_does_not_grow_with_rows(self, user):
        client = signed_in(user)
        services.create_organization(actor=user, name="Firm 0")
        one = count_queries(client, "/api/v1/organizations/")
        for n in range(1, 20):
            services.create_organization(actor=user, name=f"Firm {n}")

        assert count_queries(client, "/api/v1/organizations/") == one == LIST_QUERIES


class TestOrganizationCreate:
    def test_anonymous_creates_nothing(self, client):
        response = client.post("/api/v1/organizations/", {"name": "Initech"}, format="json")

        assert response.status_code == 401
        assert not Organization.objects.filter(name="Initech").exists()

    def test_creates_a_firm_owned_by_the_caller(self, user):
        response = signed_in(user).post(
            "/api/v1/organizations/",
            {"name": "Initech", "headline": "Reports", "skills": ["tps"], "slug": "ignored", "is_personal": True},
            format="json",
        )

        assert response.status_code == 201, response.content
        organization = Organization.objects.get(pk=response.json()["id"])
        assert (organization.name, organization.headline, organization.skills) == ("Initech", "Reports", ["tps"])
        assert organization.is_personal is False
        assert organization.slug.startswith("initech")
        assert Membership.objects.get(organization=organization).user == user
        assert response.json()["role"] == "owner"
        assert audited("organization.created", organization)

    def test_a_token_of_another_organization_gets_the_new_firm_back(self, firm):
        # The token acts in `firm` only, so the new firm is out of its reach afterwards; the answer still shows it.
        response = with_token(firm.owner, firm).post("/api/v1/organizations/", {"name": "Initech"}, format="json")

        assert response.status_code == 201, response.content
        assert (response.json()["name"], response.json()["role"]) == ("Initech", "owner")
        assert Membership.objects.get(organization_id=response.json()["id"]).user == firm.owner

    def test_a_blank_name_is_refused(self, user):
        count = Organization.objects.count()

        response = signed_in(user).post("/api/v1/organizations/", {"name": " "}, format="json")

        assert response.status_code == 400
        assert "name" in response.json()["error"]["fields"]
        assert Organization.objects.count() == count


class TestOrganizationRetrieve:
    def test_anonymous_is_refused(self, client, firm):
        assert client.get(f"/api/v1/organizations/{firm.pk}/").status_code == 401

    def test_a_member_sees_it(self, firm, member):
        response = signed_in(member, firm).get(f"/api/v1/organizations/{firm.pk}/")

        assert response.status_code == 200
        assert (response.json()["name"], response.json()["role"]) == (firm.name, "member")

    def test_another_organization_is_not_found(self, firm, other_firm):
        response = signed_in(other_firm.owner, other_firm).get(f"/api/v1/organizations/{firm.pk}/")

        assert response.status_code == 404
        assert error_code(response) == "not_found"

    def test_a_missing_one_looks_the_same(self, firm):
        response = signed_in(firm.owner, firm).get("/api/v1/organizations/999999/")

        assert response.status_code == 404
        assert error_code(response) == "not_found"


class TestOrganizationUpdate:
    def url(self, organization) -> str:
        return f"/api/v1/organizations/{organization.pk}/"

    def test_anonymous_changes_nothing(self, client, firm):
        response = client.patch(self.url(firm), {"headline": "x"}, format="json")

        assert response.status_code == 401
        firm.refresh_from_db()
        assert firm.headline == ""

    def test_another_organization_is_not_found_and_unchanged(self, firm, other_firm):
        response = signed_in(other_firm.owner, other_firm).patch(self.url(firm), {"headline": "x"}, format="json")

        assert response.status_code == 404
        firm.refresh_from_db()
        assert firm.headline == ""

    def test_a_plain_member_is_forbidden(self, firm, member):
        response = signed_in(member, firm).patch(self.url(firm), {"headline": "x"}, format="json")

        assert response.status_code == 403
        assert error_code(response) == "permission_denied"
        firm.refresh_from_db()
        assert firm.headline == ""
        assert not audited("organization.updated", firm)

    @pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
    def test_a_manager_edits_the_profile(self, firm, role):
        manager = firm.owner if role == Role.OWNER else make_member(firm, role=role)

        response = signed_in(manager, firm).patch(
            self.url(firm), {"headline": "We count beans", "hourly_rate": 9000, "country": "FR"}, format="json"
        )

        assert response.status_code == 200, response.content
        assert response.json()["headline"] == "We count beans"
        firm.refresh_from_db()
        assert (firm.headline, firm.hourly_rate, firm.country.code) == ("We count beans", 9000, "FR")
        assert audited("organization.updated", firm)

    def test_invalid_values_are_named(self, firm):
        response = signed_in(firm.owner, firm).patch(
            self.url(firm), {"hourly_rate": -1, "website": "not a url"}, format="json"
        )

        assert response.status_code == 400
        assert set(response.json()["error"]["fields"]) == {"hourly_rate", "website"}

    def test_put_is_not_allowed(self, firm):
        response = signed_in(firm.owner, firm).put(self.url(firm), {"name": "x"}, format="json")

        assert response.status_code == 405
        assert error_code(response) == "method_not_allowed"


# --- memberships/ -----------------------------------------------------------------------------------


class TestMembershipList:
    def test_anonymous_is_refused(self, client):
        assert client.get("/api/v1/memberships/").status_code == 401

    def test_lists_the_acting_organization_members_only(self, firm, other_firm, member):
        response = signed_in(member, firm).get("/api/v1/memberships/")

        assert response.status_code == 200
        rows = response.json()["results"]
        assert [(row["user"]["email"], row["role"]) for row in rows] == [
            (firm.owner.email, "owner"),
            (member.email, "member"),
        ]

    def test_the_organization_cannot_be_picked_by_query_string(self, firm, other_firm):
        response = signed_in(other_firm.owner, other_firm).get(f"/api/v1/memberships/?organization={firm.pk}")

        assert {row["user"]["id"] for row in response.json()["results"]} == {other_firm.owner.pk}

    def test_query_count_does_not_grow_with_rows(self, firm):
        client = signed_in(firm.owner, firm)
        one = count_queries(client, "/api/v1/memberships/")
        for _ in range(19):
            make_member(firm)

        assert count_queries(client, "/api/v1/memberships/") == one == LIST_QUERIES


class TestMembershipRoleChange:
    def url(self, membership) -> str:
        return f"/api/v1/memberships/{membership.pk}/"

    @pytest.fixture
    def membership(self, firm, member) -> Membership:
        return Membership.objects.get(organization=firm, user=member)

    def test_anonymous_changes_nothing(self, client, membership):
        response = client.patch(self.url(membership), {"role": "admin"}, format="json")

        assert response.status_code == 401
        membership.refresh_from_db()
        assert membership.role == Role.MEMBER

    def test_another_organization_is_not_found_and_unchanged(self, other_firm, membership):
        response = signed_in(other_firm.owner, other_firm).patch(self.url(membership), {"role": "admin"}, format="json")

        assert response.status_code == 404
        membership.refresh_from_db()
        assert membership.role == Role.MEMBER

    def test_a_plain_member_is_forbidden(self, firm, membership):
        colleague = make_member(firm)

        response = signed_in(colleague, firm).patch(self.url(membership), {"role": "admin"}, format="json")

        assert response.status_code == 403
        membership.refresh_from_db()
        assert membership.role == Role.MEMBER
        assert not audited("membership.role_changed")

    def test_a_manager_changes_the_role(self, firm, membership):
        response = signed_in(firm.owner, firm).patch(self.url(membership), {"role": "admin"}, format="json")

        assert response.status_code == 200, response.content
        assert response.json()["role"] == "admin"
        membership.refresh_from_db()
        assert membership.role == Role.ADMIN
        assert audited("membership.role_changed", firm)

    def test_an_unknown_role_is_refused(self, firm, membership):
        response = signed_in(firm.owner, firm).patch(self.url(membership), {"role": "emperor"}, format="json")

        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["role"]

    def test_the_last_owner_cannot_be_demoted(self, firm):
        own = Membership.objects.get(organization=firm, user=firm.owner)

        response = signed_in(firm.owner, firm).patch(self.url(own), {"role": "member"}, format="json")

        assert response.status_code == 409
        assert error_code(response) == "conflict"
        own.refresh_from_db()
        assert own.role == Role.OWNER


class TestMembershipRemove:
    def url(self, membership) -> str:
        return f"/api/v1/memberships/{membership.pk}/"

    @pytest.fixture
    def membership(self, firm, member) -> Membership:
        return Membership.objects.get(organization=firm, user=member)

    def test_anonymous_removes_nothing(self, client, membership):
        assert client.delete(self.url(membership)).status_code == 401
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_another_organization_is_not_found_and_unchanged(self, other_firm, membership):
        response = signed_in(other_firm.owner, other_firm).delete(self.url(membership))

        assert response.status_code == 404
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_a_plain_member_cannot_remove_someone_else(self, firm, membership):
        colleague = make_member(firm)

        response = signed_in(colleague, firm).delete(self.url(membership))

        assert response.status_code == 403
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_a_manager_removes_a_member(self, firm, membership):
        response = signed_in(firm.owner, firm).delete(self.url(membership))

        assert response.status_code == 204
        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert audited("membership.removed", firm)

    def test_a_member_leaves(self, firm, member, membership):
        response = signed_in(member, firm).delete(self.url(membership))

        assert response.status_code == 204
        assert not Membership.objects.filter(pk=membership.pk).exists()
        assert audited("membership.left", firm)

    def test_the_last_owner_cannot_leave(self, firm):
        own = Membership.objects.get(organization=firm, user=firm.owner)

        response = signed_in(firm.owner, firm).delete(self.url(own))

        assert response.status_code == 409
        assert Membership.objects.filter(pk=own.pk).exists()


# --- invitations/ ------------------------------------------------------------------------------------


def invite(firm, email="new@example.test", role=Role.MEMBER) -> tuple[Invitation, str]:
    return services.invite_member(actor=firm.owner, organization=firm, email=email, role=role)


class TestInvitationList:
    def test_anonymous_is_refused(self, client):
        assert client.get("/api/v1/invitations/").status_code == 401

    def test_a_plain_member_is_forbidden(self, firm, member):
        invite(firm)

        response = signed_in(member, firm).get("/api/v1/invitations/")

        assert response.status_code == 403
        assert error_code(response) == "permission_denied"

    def test_another_organization_sees_only_its_own(self, firm, other_firm):
        invite(firm)

        response = signed_in(other_firm.owner, other_firm).get("/api/v1/invitations/")

        assert response.status_code == 200
        assert response.json()["results"] == []

    def test_a_manager_sees_pending_invitations(self, firm):
        pending, _ = invite(firm, "pending@example.test")
        revoked, _ = invite(firm, "revoked@example.test")
        services.revoke_invitation(actor=firm.owner, invitation=revoked)

        response = signed_in(firm.owner, firm).get("/api/v1/invitations/")

        assert response.status_code == 200
        rows = response.json()["results"]
        assert [(row["id"], row["email"], row["status"]) for row in rows] == [
            (pending.pk, "pending@example.test", "pending")
        ]
        assert rows[0]["invited_by"]["id"] == firm.owner.pk

    def test_query_count_does_not_grow_with_rows(self, firm):
        client = signed_in(firm.owner, firm)
        invite(firm, "first@example.test")
        one = count_queries(client, "/api/v1/invitations/")
        for n in range(19):
            admin = make_member(firm, role=Role.ADMIN)
            services.invite_member(actor=admin, organization=firm, email=f"n{n}@example.test")

        assert count_queries(client, "/api/v1/invitations/") == one == LIST_QUERIES


class TestInvitationCreate:
    URL = "/api/v1/invitations/"

    def test_anonymous_invites_nobody(self, client):
        assert client.post(self.URL, {"email": "x@example.test"}, format="json").status_code == 401
        assert not Invitation.objects.exists()

    def test_a_plain_member_is_forbidden(self, firm, member):
        response = signed_in(member, firm).post(self.URL, {"email": "x@example.test"}, format="json")

        assert response.status_code == 403
        assert not Invitation.objects.exists()

    def test_the_organization_in_the_body_is_ignored(self, firm, other_firm):
        response = signed_in(other_firm.owner, other_firm).post(
            self.URL, {"email": "x@example.test", "organization": firm.pk}, format="json"
        )

        assert response.status_code == 201
        assert not Invitation.objects.filter(organization=firm).exists()
        assert Invitation.objects.get().organization == other_firm

    def test_a_manager_invites_and_the_email_is_queued(self, firm):
        response = signed_in(firm.owner, firm).post(
            self.URL, {"email": "New@Example.test", "role": "admin"}, format="json"
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert "token" not in body
        invitation = Invitation.objects.get(pk=body["id"])
        assert (invitation.organization, invitation.email, invitation.role) == (firm, "new@example.test", "admin")
        assert audited("invitation.created", firm)
        assert OutboxMessage.objects.filter(
            task_name="accounts.send_invitation_email", kwargs__invitation_id=invitation.pk
        ).exists()

    def test_an_invalid_email_is_named(self, firm):
        response = signed_in(firm.owner, firm).post(self.URL, {"email": "nope"}, format="json")

        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["email"]
        assert not Invitation.objects.exists()

    def test_a_personal_organization_cannot_invite(self, user):
        response = signed_in(user).post(self.URL, {"email": "x@example.test"}, format="json")

        assert response.status_code == 400
        assert error_code(response) == "invalid"
        assert not Invitation.objects.exists()


class TestInvitationRevoke:
    def url(self, invitation) -> str:
        return f"/api/v1/invitations/{invitation.pk}/"

    @pytest.fixture
    def invitation(self, firm) -> Invitation:
        return invite(firm)[0]

    def test_anonymous_changes_nothing(self, client, invitation):
        assert client.delete(self.url(invitation)).status_code == 401
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_another_organization_is_not_found_and_unchanged(self, other_firm, invitation):
        response = signed_in(other_firm.owner, other_firm).delete(self.url(invitation))

        assert response.status_code == 404
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_a_plain_member_is_forbidden(self, firm, member, invitation):
        response = signed_in(member, firm).delete(self.url(invitation))

        assert response.status_code == 403
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_a_manager_revokes(self, firm, invitation):
        response = signed_in(firm.owner, firm).delete(self.url(invitation))

        assert response.status_code == 204
        invitation.refresh_from_db()
        assert invitation.revoked_at is not None
        assert audited("invitation.revoked", firm)


class TestInvitationAccept:
    URL = "/api/v1/invitations/accept/"

    def test_anonymous_accepts_nothing(self, client, firm):
        _invitation, token = invite(firm)

        assert client.post(self.URL, {"token": token}, format="json").status_code == 401
        assert Membership.objects.filter(organization=firm).count() == 1

    def test_the_invitee_joins_with_the_invited_role(self, firm):
        invitee = UserFactory(email="new@example.test")
        invitation, token = invite(firm, invitee.email, Role.ADMIN)

        response = signed_in(invitee).post(self.URL, {"token": token}, format="json")

        assert response.status_code == 201, response.content
        assert response.json()["organization"]["id"] == firm.pk
        assert Membership.objects.get(organization=firm, user=invitee).role == Role.ADMIN
        invitation.refresh_from_db()
        assert invitation.accepted_by == invitee
        assert audited("invitation.accepted", firm)

    def test_someone_else_cannot_use_the_link(self, firm, other_firm):
        _invitation, token = invite(firm)

        response = signed_in(other_firm.owner, other_firm).post(self.URL, {"token": token}, format="json")

        assert response.status_code == 403
        assert not Membership.objects.filter(organization=firm, user=other_firm.owner).exists()

    def test_an_unknown_token_is_not_found(self, user):
        response = signed_in(user).post(self.URL, {"token": "nope"}, format="json")

        assert response.status_code == 404
        assert error_code(response) == "not_found"


# --- api-tokens/ ---------------------------------------------------------------------------------------


class TestApiTokenList:
    def test_anonymous_is_refused(self, client):
        assert client.get("/api/v1/api-tokens/").status_code == 401

    def test_lists_only_my_tokens_in_the_acting_organization(self, firm, other_firm, member):
        mine, _ = services.create_api_token(actor=member, organization=firm, name="mine")
        services.create_api_token(actor=member, organization=personal_org(member), name="elsewhere")
        services.create_api_token(actor=firm.owner, organization=firm, name="a colleague's")

        response = signed_in(member, firm).get("/api/v1/api-tokens/")

        assert response.status_code == 200
        rows = response.json()["results"]
        assert [(row["id"], row["name"], row["prefix"]) for row in rows] == [(mine.pk, "mine", mine.key_prefix)]
        assert "token" not in rows[0]

    def test_query_count_does_not_grow_with_rows(self, firm):
        client = signed_in(firm.owner, firm)
        services.create_api_token(actor=firm.owner, organization=firm, name="t0")
        one = count_queries(client, "/api/v1/api-tokens/")
        for n in range(1, 20):
            services.create_api_token(actor=firm.owner, organization=firm, name=f"t{n}")

        assert count_queries(client, "/api/v1/api-tokens/") == one == LIST_QUERIES


class TestApiTokenCreate:
    URL = "/api/v1/api-tokens/"

    def test_anonymous_creates_nothing(self, client):
        assert client.post(self.URL, {"name": "x"}, format="json").status_code == 401
        assert not ApiToken.objects.exists()

    def test_a_member_creates_a_token_in_the_acting_organization(self, firm, member):
        response = signed_in(member, firm).post(
            self.URL, {"name": "laptop", "expires_in_days": 30, "organization": personal_org(member).pk}, format="json"
        )

        assert response.status_code == 201, response.content
        body = response.json()
        token = ApiToken.objects.get(pk=body["id"])
        assert (token.user, token.organization, token.name) == (member, firm, "laptop")
        assert token.key_hash == hash_secret(body["token"])
        assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
        assert audited("api_token.created", firm)

    def test_a_name_is_required(self, firm):
        response = signed_in(firm.owner, firm).post(self.URL, {}, format="json")

        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["name"]
        assert not ApiToken.objects.exists()


class TestApiTokenRevoke:
    def url(self, token) -> str:
        return f"/api/v1/api-tokens/{token.pk}/"

    @pytest.fixture
    def token(self, firm, member) -> ApiToken:
        return services.create_api_token(actor=member, organization=firm, name="mine")[0]

    def test_anonymous_revokes_nothing(self, client, token):
        assert client.delete(self.url(token)).status_code == 401
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_another_organization_is_not_found_and_unchanged(self, other_firm, token):
        response = signed_in(other_firm.owner, other_firm).delete(self.url(token))

        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_a_colleague_even_an_owner_cannot_see_it(self, firm, token):
        # Tokens are personal: no role reaches someone else's, so it answers 404 like a foreign id.
        response = signed_in(firm.owner, firm).delete(self.url(token))

        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    def test_the_owner_of_the_token_revokes_it(self, firm, member, token):
        response = signed_in(member, firm).delete(self.url(token))

        assert response.status_code == 204
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert audited("api_token.revoked", firm)

    def test_a_token_can_revoke_itself_and_is_then_refused(self, firm, member):
        token, secret = services.create_api_token(actor=member, organization=firm, name="self")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

        assert client.delete(self.url(token)).status_code == 204
        assert client.get("/api/v1/me/").status_code == 401


# --- me/ query count ------------------------------------------------------------------------------------


def test_me_query_count_does_not_grow_with_memberships(user):
    client = signed_in(user)
    one = count_queries(client, "/api/v1/me/")
    for _ in range(19):
        make_member(OrganizationFactory(), user=user)

    assert count_queries(client, "/api/v1/me/") == one == LIST_QUERIES
