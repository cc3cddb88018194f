"""HTML pages of an organization's members and invitations: roles, removal, inviting and accepting.

A plain member is refused manager actions, a manager succeeds, another organization's ids answer 404.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, Organization, Role
from accounts.tenancy import SESSION_KEY
from tests.factories import UserFactory, make_member
from tests.support import flash_messages, login_redirect, signed_in

pytestmark = pytest.mark.django_db


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
