"""Reads of accounts data, always scoped to the acting user or organization."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone

from accounts.models import ApiToken, Invitation, Membership, Organization, User, hash_secret
from core.exceptions import NotFound


def organizations_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.for_user(user).order_by("-is_personal", "name")


def membership_for(*, user: User, organization: Organization) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organization=organization).first()


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("-organization__is_personal", "organization__name")
    )


def members_of(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.for_org(organization).select_related("user").order_by("created_at")


def get_membership(*, organization: Organization, membership_id: int) -> Membership:
    membership = members_of(organization=organization).filter(pk=membership_id).first()
    if membership is None:
        raise NotFound("No such member in this organization.")
    return membership


def pending_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.for_org(organization).pending().select_related("invited_by")


def get_invitation(*, organization: Organization, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.for_org(organization).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("No such invitation in this organization.")
    return invitation


def invitation_by_token(*, token: str) -> Invitation | None:
    return Invitation.objects.select_related("organization").filter(token_hash=hash_secret(token)).first()


def api_tokens_for(*, user: User, organization: Organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_org(organization).filter(user=user)


def get_api_token(*, user: User, organization: Organization, token_id: int) -> ApiToken:
    token = api_tokens_for(user=user, organization=organization).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such API token.")
    return token


def active_token_and_membership(*, key: str) -> tuple[ApiToken | None, Membership | None]:
    """The active token of ``key`` (with its user and organization) and its user's membership of the
    token's organization (None once they left it), in one query: every API call by token pays it."""
    token = (
        ApiToken.objects.active()
        .select_related("user", "organization")
        .filter(key_hash=hash_secret(key), user__is_active=True)
        .annotate(
            # At most one row: one membership per user and organization.
            own=FilteredRelation("user__memberships", condition=Q(user__memberships__organization=F("organization"))),
            membership_pk=F("own__pk"),
            membership_role=F("own__role"),
            membership_created_at=F("own__created_at"),
        )
        .first()
    )
    if token is None:
        return None, None
    found: Any = token  # the annotations
    if found.membership_pk is None:
        return token, None
    membership = Membership(
        pk=found.membership_pk,
        user=token.user,
        organization=token.organization,
        role=found.membership_role,
        created_at=found.membership_created_at,
    )
    membership._state.adding = False
    membership._state.db = token._state.db
    return token, membership


def public_organization(*, slug: str) -> Organization:
    organization = Organization.objects.annotate(member_count=Count("memberships")).filter(slug=slug).first()
    if organization is None:
        raise NotFound("No such organization.")
    return organization


def token_is_fresh(token: ApiToken) -> bool:
    """True when last_used_at is recent enough not to be written again."""
    return token.last_used_at is not None and (timezone.now() - token.last_used_at).total_seconds() < 60
