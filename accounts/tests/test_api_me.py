"""The accounts API: the signed-in user (me/)."""

from __future__ import annotations

import pytest

from accounts.tests.api_support import (
    LIST_QUERIES,
    error_code,
    personal_org,
)
from core.models import AuditEvent
from tests.factories import OrganizationFactory, make_member
from tests.support import api_signed_in as signed_in
from tests.support import count_queries

pytestmark = pytest.mark.django_db


# --- me/ ----------------------------------------------------------------------------------------


class TestMe:
    def test_anonymous_is_refused(self, anonymous_api):
        response = anonymous_api.get("/api/v1/me/")

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

    def test_anonymous_patch_changes_nothing(self, anonymous_api, user):
        name = user.name

        response = anonymous_api.patch("/api/v1/me/", {"name": "Mallory"}, format="json")

        assert response.status_code == 401
        user.refresh_from_db()
        assert user.name == name


# --- me/ query count ------------------------------------------------------------------------------------


def test_me_query_count_does_not_grow_with_memberships(user):
    client = signed_in(user)
    one = count_queries(client, "/api/v1/me/")
    for _ in range(19):
        make_member(OrganizationFactory(), user=user)

    assert count_queries(client, "/api/v1/me/") == one == LIST_QUERIES
