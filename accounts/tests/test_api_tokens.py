"""The accounts API: an organization's API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, hash_secret
from accounts.tests.api_support import (
    LIST_QUERIES,
    personal_org,
)
from tests.support import api_signed_in as signed_in
from tests.support import audited, count_queries

pytestmark = pytest.mark.django_db


# --- api-tokens/ ---------------------------------------------------------------------------------------


class TestApiTokenList:
    def test_anonymous_is_refused(self, anonymous_api):
        assert anonymous_api.get("/api/v1/api-tokens/").status_code == 401

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

    def test_anonymous_creates_nothing(self, anonymous_api):
        assert anonymous_api.post(self.URL, {"name": "x"}, format="json").status_code == 401
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

    def test_anonymous_revokes_nothing(self, anonymous_api, token):
        assert anonymous_api.delete(self.url(token)).status_code == 401
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
