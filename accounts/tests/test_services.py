"""The rules of organizations, memberships, invitations and API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, Invitation, Membership, Organization, Role
from core.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from core.models import AuditEvent, OutboxMessage
from tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


def audit_actions(organization: Organization) -> list[str]:
    return list(AuditEvent.objects.for_org(organization).order_by("id").values_list("action", flat=True))


class TestPersonalOrganization:
    def test_every_user_gets_one_personal_organization_owned_by_them(self, user):
        memberships = Membership.objects.filter(user=user)

        assert memberships.count() == 1
        assert memberships.get().organization.is_personal
        assert memberships.get().role == Role.OWNER

    def test_creating_it_twice_returns_the_same_organization(self, user):
        first = Organization.objects.get(memberships__user=user, is_personal=True)

        again = services.create_personal_organization(user=user)

        assert again == first
        assert Organization.objects.filter(memberships__user=user).count() == 1


class TestCreateOrganization:
    def test_creator_becomes_owner_and_it_is_audited(self, user):
        organization = services.create_organization(actor=user, name="  Acme Payroll  ", city="Lyon")

        assert organization.name == "Acme Payroll"
        assert organization.slug == "acme-payroll"
        assert not organization.is_personal
        assert Membership.objects.get(organization=organization, user=user).role == Role.OWNER
        assert audit_actions(organization) == ["organization.created", "membership.created"]

    def test_same_name_gets_a_distinct_slug(self, user):
        first = services.create_organization(actor=user, name="Acme")
        second = services.create_organization(actor=user, name="Acme")

        assert first.slug != second.slug

    @pytest.mark.parametrize(
        ("profile", "offers"),
        [({}, False), ({"skills": ["Payroll"]}, True), ({"skills": ["Wholesale"], "offers_services": False}, False)],
    )
    def test_a_firm_created_naming_skills_offers_them_unless_it_says_otherwise(self, user, profile, offers):
        organization = services.create_organization(actor=user, name="Acme", **profile)

        assert organization.offers_services is offers
        assert organization.is_listed_supplier is offers

    def test_blank_name_is_refused(self, user):
        before = Organization.objects.count()

        with pytest.raises(DomainError) as error:
            services.create_organization(actor=user, name="   ")

        assert error.value.field == "name"
        assert Organization.objects.count() == before


class TestUpdateProfile:
    def test_manager_updates_only_changed_fields(self, firm):
        services.update_organization_profile(actor=firm.owner, organization=firm, headline="Payroll for SMEs")

        firm.refresh_from_db()
        assert firm.headline == "Payroll for SMEs"
        event = AuditEvent.objects.for_org(firm).get(action="organization.updated")
        assert event.details == {"fields": ["headline"]}

    def test_plain_member_is_refused(self, firm):
        member = make_member(firm, role=Role.MEMBER)

        with pytest.raises(PermissionDenied):
            services.update_organization_profile(actor=member, organization=firm, headline="Hacked")

        firm.refresh_from_db()
        assert firm.headline == ""

    def test_outsider_gets_not_found(self, firm, other_firm):
        with pytest.raises(NotFound):
            services.update_organization_profile(actor=other_firm.owner, organization=firm, headline="x")

    def test_repeating_the_same_change_writes_no_second_audit_event(self, firm):
        services.update_organization_profile(actor=firm.owner, organization=firm, city="Lyon")
        services.update_organization_profile(actor=firm.owner, organization=firm, city="Lyon")

        assert audit_actions(firm).count("organization.updated") == 1


class TestRoles:
    def test_owner_promotes_member_to_admin(self, firm):
        member = make_member(firm)
        membership = Membership.objects.get(user=member, organization=firm)

        services.change_member_role(actor=firm.owner, membership=membership, role=Role.ADMIN)

        membership.refresh_from_db()
        assert membership.role == Role.ADMIN
        event = AuditEvent.objects.for_org(firm).get(action="membership.role_changed")
        assert event.details["from"] == "member"
        assert event.details["to"] == "admin"
        assert event.actor == firm.owner

    def test_last_owner_cannot_be_demoted(self, firm):
        owner_membership = Membership.objects.get(user=firm.owner, organization=firm)

        with pytest.raises(Conflict):
            services.change_member_role(actor=firm.owner, membership=owner_membership, role=Role.ADMIN)

        owner_membership.refresh_from_db()
        assert owner_membership.role == Role.OWNER

    def test_an_owner_can_step_down_when_another_owner_exists(self, firm):
        make_member(firm, role=Role.OWNER)
        owner_membership = Membership.objects.get(user=firm.owner, organization=firm)

        services.change_member_role(actor=firm.owner, membership=owner_membership, role=Role.ADMIN)

        owner_membership.refresh_from_db()
        assert owner_membership.role == Role.ADMIN

    def test_admin_cannot_grant_owner(self, firm):
        admin = make_member(firm, role=Role.ADMIN)
        membership = Membership.objects.get(user=make_member(firm), organization=firm)

        with pytest.raises(PermissionDenied):
            services.change_member_role(actor=admin, membership=membership, role=Role.OWNER)

        membership.refresh_from_db()
        assert membership.role == Role.MEMBER

    def test_member_cannot_change_roles(self, firm):
        member = make_member(firm)
        other = Membership.objects.get(user=make_member(firm), organization=firm)

        with pytest.raises(PermissionDenied):
            services.change_member_role(actor=member, membership=other, role=Role.ADMIN)

    def test_unknown_role_is_refused(self, firm):
        membership = Membership.objects.get(user=make_member(firm), organization=firm)

        with pytest.raises(DomainError) as error:
            services.change_member_role(actor=firm.owner, membership=membership, role="emperor")

        assert error.value.field == "role"


class TestRemoveMember:
    def test_admin_removes_member(self, firm):
        admin = make_member(firm, role=Role.ADMIN)
        member = make_member(firm)
        membership = Membership.objects.get(user=member, organization=firm)

        services.remove_member(actor=admin, membership=membership)

        assert not Membership.objects.filter(user=member, organization=firm).exists()
        assert "membership.removed" in audit_actions(firm)

    def test_removing_twice_is_a_no_op(self, firm):
        membership = Membership.objects.get(user=make_member(firm), organization=firm)
        services.remove_member(actor=firm.owner, membership=membership)

        services.remove_member(actor=firm.owner, membership=membership)

        assert audit_actions(firm).count("membership.removed") == 1

    def test_member_can_leave(self, firm):
        member = make_member(firm)
        membership = Membership.objects.get(user=member, organization=firm)

        services.remove_member(actor=member, membership=membership)

        assert not Membership.objects.filter(user=member, organization=firm).exists()
        assert "membership.left" in audit_actions(firm)

    def test_last_owner_cannot_leave(self, firm):
        membership = Membership.objects.get(user=firm.owner, organization=firm)

        with pytest.raises(Conflict):
            services.remove_member(actor=firm.owner, membership=membership)

        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_member_cannot_remove_others(self, firm):
        member = make_member(firm)
        other = Membership.objects.get(user=make_member(firm), organization=firm)

        with pytest.raises(PermissionDenied):
            services.remove_member(actor=member, membership=other)

        assert Membership.objects.filter(pk=other.pk).exists()

    def test_admin_cannot_remove_an_owner(self, firm):
        admin = make_member(firm, role=Role.ADMIN)
        make_member(firm, role=Role.OWNER)
        owner_membership = Membership.objects.get(user=firm.owner, organization=firm)

        with pytest.raises(PermissionDenied):
            services.remove_member(actor=admin, membership=owner_membership)

    def test_nobody_leaves_their_personal_organization(self, user):
        membership = Membership.objects.get(user=user, organization__is_personal=True)

        with pytest.raises(Conflict):
            services.remove_member(actor=user, membership=membership)


class TestInvitations:
    def test_invite_stores_only_a_hash_and_emails_the_link_after_commit(self, firm, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            invitation, token = services.invite_member(
                actor=firm.owner, organization=firm, email=" New.Person@Example.test ", role=Role.ADMIN
            )

        assert invitation.email == "new.person@example.test"
        assert token not in invitation.token_hash
        assert len(mail.outbox) == 1
        assert token in mail.outbox[0].body
        invitation.refresh_from_db()
        assert invitation.sent_at is not None
        assert OutboxMessage.objects.get(task_name="accounts.send_invitation_email").status == "sent"
        assert "invitation.created" in audit_actions(firm)

    def test_nothing_is_sent_when_the_transaction_rolls_back(self, firm, django_capture_on_commit_callbacks):
        def invite_then_fail() -> None:
            with transaction.atomic():
                services.invite_member(actor=firm.owner, organization=firm, email="x@example.test")
                raise RuntimeError("boom")

        with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
            invite_then_fail()

        assert mail.outbox == []
        assert not Invitation.objects.exists()
        assert not OutboxMessage.objects.exists()

    def test_existing_member_cannot_be_invited(self, firm):
        member = make_member(firm)

        with pytest.raises(Conflict) as error:
            services.invite_member(actor=firm.owner, organization=firm, email=member.email.upper())

        assert error.value.field == "email"
        assert not Invitation.objects.exists()

    def test_reinviting_replaces_the_open_invitation(self, firm):
        first, first_token = services.invite_member(actor=firm.owner, organization=firm, email="a@example.test")
        second, _ = services.invite_member(actor=firm.owner, organization=firm, email="a@example.test")

        first.refresh_from_db()
        assert first.status == "revoked"
        assert second.status == "pending"
        invitee = UserFactory(email="a@example.test")
        with pytest.raises(Conflict):
            services.accept_invitation(user=invitee, token=first_token)

    def test_personal_organizations_take_no_invitations(self, user):
        personal = Organization.objects.get(memberships__user=user, is_personal=True)

        with pytest.raises(DomainError):
            services.invite_member(actor=user, organization=personal, email="a@example.test")

    def test_plain_member_cannot_invite(self, firm):
        member = make_member(firm)

        with pytest.raises(PermissionDenied):
            services.invite_member(actor=member, organization=firm, email="a@example.test")

        assert not Invitation.objects.exists()

    def test_accepting_creates_the_membership_with_the_invited_role(self, firm):
        _, token = services.invite_member(actor=firm.owner, organization=firm, email="a@example.test", role="admin")
        invitee = UserFactory(email="a@example.test")

        membership = services.accept_invitation(user=invitee, token=token)

        assert membership.organization == firm
        assert membership.role == Role.ADMIN
        assert "invitation.accepted" in audit_actions(firm)

    def test_a_used_invitation_cannot_be_used_again(self, firm):
        _, token = services.invite_member(actor=firm.owner, organization=firm, email="a@example.test")
        invitee = UserFactory(email="a@example.test")
        services.accept_invitation(user=invitee, token=token)

        with pytest.raises(Conflict, match="already been used"):
            services.accept_invitation(user=invitee, token=token)

        assert Membership.objects.filter(organization=firm, user=invitee).count() == 1

    def test_an_expired_invitation_is_refused(self, firm):
        invitation, token = services.invite_member(actor=firm.owner, organization=firm, email="a@example.test")
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        invitee = UserFactory(email="a@example.test")

        with pytest.raises(Conflict, match="expired"):
            services.accept_invitation(user=invitee, token=token)

        assert not Membership.objects.filter(organization=firm, user=invitee).exists()

    def test_an_invitation_for_someone_else_is_refused(self, firm):
        _, token = services.invite_member(actor=firm.owner, organization=firm, email="a@example.test")
        stranger = UserFactory(email="b@example.test")

        with pytest.raises(PermissionDenied):
            services.accept_invitation(user=stranger, token=token)

        assert not Membership.objects.filter(organization=firm, user=stranger).exists()

    def test_an_unknown_token_is_not_found(self, user):
        with pytest.raises(NotFound):
            services.accept_invitation(user=user, token="nonsense")

    def test_revoked_invitation_cannot_be_accepted_and_revoking_twice_is_harmless(self, firm):
        invitation, token = services.invite_member(actor=firm.owner, organization=firm, email="a@example.test")
        services.revoke_invitation(actor=firm.owner, invitation=invitation)
        services.revoke_invitation(actor=firm.owner, invitation=invitation)
        invitee = UserFactory(email="a@example.test")

        with pytest.raises(Conflict, match="withdrawn"):
            services.accept_invitation(user=invitee, token=token)

        assert audit_actions(firm).count("invitation.revoked") == 1

    def test_only_one_open_invitation_per_address_is_allowed_by_the_database(self, firm):
        services.invite_member(actor=firm.owner, organization=firm, email="a@example.test")

        with pytest.raises(IntegrityError), transaction.atomic():
            Invitation.objects.create(
                organization=firm,
                email="a@example.test",
                token_hash="x" * 64,
                expires_at=timezone.now() + timedelta(days=1),
            )


class TestApiTokens:
    def test_token_is_stored_hashed_and_shown_once(self, firm):
        token, secret = services.create_api_token(actor=firm.owner, organization=firm, name="CI")

        assert secret.startswith("mkt_")
        assert secret not in token.key_hash
        assert token.key_prefix == secret[:10]
        assert "api_token.created" in audit_actions(firm)

    def test_outsider_cannot_create_a_token_for_an_organization(self, firm, other_firm):
        with pytest.raises(NotFound):
            services.create_api_token(actor=other_firm.owner, organization=firm, name="x")

        assert not ApiToken.objects.filter(organization=firm).exists()

    def test_past_expiry_is_refused(self, firm):
        with pytest.raises(DomainError) as error:
            services.create_api_token(
                actor=firm.owner, organization=firm, name="x", expires_at=timezone.now() - timedelta(days=1)
            )

        assert error.value.field == "expires_at"

    def test_a_token_lives_ninety_days_by_default_and_a_year_at_most(self, firm):
        token, _ = services.create_api_token(actor=firm.owner, organization=firm, name="x")
        assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)

        with pytest.raises(DomainError) as error:
            services.create_api_token(
                actor=firm.owner, organization=firm, name="y", expires_at=timezone.now() + timedelta(days=367)
            )
        assert error.value.field == "expires_at"
        assert ApiToken.objects.count() == 1

    def test_only_the_tokens_owner_revokes_it(self, firm):
        token, _ = services.create_api_token(actor=firm.owner, organization=firm, name="x")
        colleague = make_member(firm, role=Role.ADMIN)

        with pytest.raises(NotFound):
            services.revoke_api_token(actor=colleague, token=token)

        services.revoke_api_token(actor=firm.owner, token=token)
        token.refresh_from_db()
        assert not token.is_active


class TestAuditLogIsAppendOnly:
    def test_database_refuses_updates_and_deletes(self, user):
        organization = services.create_organization(actor=user, name="Acme")
        event = AuditEvent.objects.for_org(organization).first()
        assert event is not None

        from django.db import connection

        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])

        event.refresh_from_db()
        assert event.action != "forged"
