"""The accounts API: organizations, their members and invitations.

Every endpoint is tried by an anonymous visitor, a member of another organization, a member without
the role and a member with it; refusals change nothing, successes change the database and write the
audit log.
"""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Invitation, Membership, Organization, Role
from accounts.tests.api_support import (
    LIST_QUERIES,
    error_code,
    personal_org,
)
from core.models import OutboxMessage
from tests.factories import UserFactory, make_member
from tests.support import api_signed_in as signed_in
from tests.support import audited, count_queries, with_token

pytestmark = pytest.mark.django_db


# --- organizations/ -------------------------------------------------------------------------------


class TestOrganizationList:
    def test_anonymous_is_refused(self, anonymous_api):
        assert anonymous_api.get("/api/v1/organizations/").status_code == 401

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
    def test_anonymous_creates_nothing(self, anonymous_api):
        response = anonymous_api.post("/api/v1/organizations/", {"name": "Initech"}, format="json")

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
    def test_anonymous_is_refused(self, anonymous_api, firm):
        assert anonymous_api.get(f"/api/v1/organizations/{firm.pk}/").status_code == 401

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

    def test_anonymous_changes_nothing(self, anonymous_api, firm):
        response = anonymous_api.patch(self.url(firm), {"headline": "x"}, format="json")

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
    def test_anonymous_is_refused(self, anonymous_api):
        assert anonymous_api.get("/api/v1/memberships/").status_code == 401

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

    def test_anonymous_changes_nothing(self, anonymous_api, membership):
        response = anonymous_api.patch(self.url(membership), {"role": "admin"}, format="json")

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

    def test_anonymous_removes_nothing(self, anonymous_api, membership):
        assert anonymous_api.delete(self.url(membership)).status_code == 401
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
    def test_anonymous_is_refused(self, anonymous_api):
        assert anonymous_api.get("/api/v1/invitations/").status_code == 401

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

    def test_anonymous_invites_nobody(self, anonymous_api):
        assert anonymous_api.post(self.URL, {"email": "x@example.test"}, format="json").status_code == 401
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

    def test_anonymous_changes_nothing(self, anonymous_api, invitation):
        assert anonymous_api.delete(self.url(invitation)).status_code == 401
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

    def test_anonymous_accepts_nothing(self, anonymous_api, firm):
        _invitation, token = invite(firm)

        assert anonymous_api.post(self.URL, {"token": token}, format="json").status_code == 401
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
