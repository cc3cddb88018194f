"""The accounts API: token exchange, the current user, organizations, members, invitations, tokens.

Views are thin: they parse input, fetch through scoped selectors and call the
services, which check roles and write the audit log. The acting organization
is always ``request.organization`` / ``request.membership`` (from the API
token, else the session), never a value from the body or query string. A
domain error raised anywhere becomes the common error body (see
``core.api.exceptions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api import schema as _schema  # noqa: F401  (registers the token scheme with drf-spectacular)
from accounts.api.permissions import IsOrganizationManager, IsOrganizationMember
from accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    InvitationAcceptSerializer,
    InvitationCreateSerializer,
    InvitationSerializer,
    MembershipRoleSerializer,
    MembershipSerializer,
    MeSerializer,
    MeUpdateSerializer,
    OrganizationSerializer,
    TokenExchangeSerializer,
    UserMembershipSerializer,
)
from accounts.models import ApiToken, Invitation, Membership, Organization, Role
from accounts.tenancy import acting_organization, acting_user, memberships_in_reach, organizations_in_reach
from core.api.schema import NO_CONTENT, error_responses
from core.api.throttling import AnonRateThrottle, ScopedRateThrottle
from core.idempotency import idempotent
from core.queries import one_or_not_found


def _expiry(days: int) -> datetime:
    return timezone.now() + timedelta(days=days)


# --- token exchange ------------------------------------------------------------------------


class TokenExchangeView(APIView):
    """Trade email + password (+ a TOTP code) for an API token."""

    is_public = True
    # No authentication at all: a stale session or a broken Authorization
    # header must not get in the way of signing in.
    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (AnonRateThrottle, ScopedRateThrottle)
    throttle_scope = "token_exchange"

    @extend_schema(
        summary="Exchange credentials for an API token",
        description=(
            "Checks the email and password, that the email address is verified and, when the user has "
            "two-factor authentication on, the `otp_code` from their authenticator app. The token acts "
            "only inside `organization` (default: the personal one). Its secret is returned this once."
        ),
        request=TokenExchangeSerializer,
        responses={
            201: ApiTokenCreatedSerializer,
            **error_responses(
                400,
                401,
                404,
                429,
                descriptions={
                    401: "Wrong email or password (`invalid_credentials`), account inactive "
                    "(`account_inactive`), email not verified (`email_not_verified`), or the two-factor "
                    "code missing (`otp_required`) or wrong (`invalid_otp_code`).",
                    404: "You are not a member of `organization`.",
                    429: "Too many attempts from this address, or failed sign-ins or codes for this account "
                    "(shared with the login page): wait and try again.",
                },
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenExchangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, secret = services.exchange_credentials_for_token(
            request=request._request,
            email=data["email"],
            password=data["password"],
            otp_code=data["otp_code"],
            organization_id=data["organization"],
            name=data["name"],
            expires_at=_expiry(data["expires_in_days"]),
        )
        return Response(
            ApiTokenCreatedSerializer(token, context={"secret": secret}).data, status=status.HTTP_201_CREATED
        )


# --- me ------------------------------------------------------------------------------------------


class MeView(APIView):
    """The signed-in user, their memberships and the organization they act for."""

    permission_classes = (permissions.IsAuthenticated,)

    def _render(self, request: Request) -> Response:
        user = acting_user(request)
        context = {
            "memberships": list(memberships_in_reach(request)),
            "acting_membership": getattr(request, "membership", None),
        }
        return Response(MeSerializer(user, context=context).data)

    @extend_schema(responses={200: MeSerializer, **error_responses(401)}, tags=["me"])
    def get(self, request: Request) -> Response:
        return self._render(request)

    @extend_schema(request=MeUpdateSerializer, responses={200: MeSerializer, **error_responses(400, 401)}, tags=["me"])
    def patch(self, request: Request) -> Response:
        serializer = MeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "name" in serializer.validated_data:
            services.update_user_profile(user=acting_user(request), name=serializer.validated_data["name"])
        return self._render(request)


# --- organizations --------------------------------------------------------------------------------


class OrganizationViewSet(viewsets.GenericViewSet):
    """Organizations the caller belongs to (only the token's own one with an API token)."""

    serializer_class = OrganizationSerializer
    permission_classes = (permissions.IsAuthenticated,)
    lookup_value_converter = "int"
    ordering = "created_at"

    def get_queryset(self) -> QuerySet[Organization]:
        my_role = Membership.objects.filter(organization=OuterRef("pk"), user=acting_user(self.request)).values("role")[
            :1
        ]
        return organizations_in_reach(self.request).annotate(my_role=Subquery(my_role))

    def get_object(self) -> Organization:
        return one_or_not_found(self.get_queryset(), "No such organization.", pk=self.kwargs["pk"])

    @extend_schema(responses={200: OrganizationSerializer(many=True), **error_responses(401)}, tags=["organizations"])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrganizationSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a firm (you become its owner)",
        request=OrganizationSerializer,
        responses={201: OrganizationSerializer, **error_responses(400, 401)},
        tags=["organizations"],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = OrganizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = services.create_organization(actor=acting_user(request), **serializer.validated_data)
        # Not looked up again: a token's reach is its own organization, which the new firm is not.
        organization.my_role = Role.OWNER  # type: ignore[attr-defined]
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OrganizationSerializer, **error_responses(401, 404)}, tags=["organizations"])
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(OrganizationSerializer(self.get_object()).data)

    @extend_schema(
        summary="Edit the profile (owners and admins)",
        request=OrganizationSerializer,
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404)},
        tags=["organizations"],
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        organization = self.get_object()
        serializer = OrganizationSerializer(organization, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_organization_profile(
            actor=acting_user(request), organization=organization, **serializer.validated_data
        )
        return Response(OrganizationSerializer(self.get_object()).data)


# --- memberships ------------------------------------------------------------------------------------


class MembershipViewSet(viewsets.GenericViewSet):
    """Members of the acting organization."""

    serializer_class = MembershipSerializer
    permission_classes = (IsOrganizationMember,)
    lookup_value_converter = "int"
    ordering = "created_at"

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.members_of(organization=acting_organization(self.request))

    def get_object(self) -> Membership:
        return selectors.get_membership(organization=acting_organization(self.request), membership_id=self.kwargs["pk"])

    @extend_schema(responses={200: MembershipSerializer(many=True), **error_responses(401, 403)}, tags=["memberships"])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)

    @extend_schema(
        summary="Change a member's role (owners and admins; only owners grant or take the owner role)",
        request=MembershipRoleSerializer,
        responses={200: MembershipSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["memberships"],
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        membership = self.get_object()
        serializer = MembershipRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.change_member_role(
            actor=acting_user(request), membership=membership, role=serializer.validated_data["role"]
        )
        return Response(MembershipSerializer(self.get_object()).data)

    @extend_schema(
        summary="Remove a member (owners and admins), or leave (your own membership)",
        responses={**NO_CONTENT, **error_responses(401, 403, 404, 409)},
        tags=["memberships"],
    )
    def destroy(self, request: Request, pk: int) -> Response:
        services.remove_member(actor=acting_user(request), membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- invitations ---------------------------------------------------------------------------------------


class InvitationViewSet(viewsets.GenericViewSet):
    """Pending invitations of the acting organization; accepting one is open to any signed-in user."""

    serializer_class = InvitationSerializer
    permission_classes = (IsOrganizationMember,)
    lookup_value_converter = "int"
    ordering = "-created_at"

    def get_permissions(self) -> Sequence[Any]:
        if self.action == "list":
            # Who was invited is the managers' business; inviting and revoking are checked by the services.
            return [IsOrganizationManager()]
        if self.action == "accept":
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Invitation]:
        return selectors.pending_invitations(organization=acting_organization(self.request))

    def get_object(self) -> Invitation:
        return selectors.get_invitation(organization=acting_organization(self.request), invitation_id=self.kwargs["pk"])

    @extend_schema(
        summary="Pending invitations (owners and admins)",
        responses={200: InvitationSerializer(many=True), **error_responses(401, 403)},
        tags=["invitations"],
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(InvitationSerializer(page, many=True).data)

    @extend_schema(
        summary="Invite someone by email (owners and admins)",
        description="The link is emailed to the address; a newer invitation to the same address replaces the old.",
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **error_responses(400, 401, 403, 409)},
        tags=["invitations"],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, _token = services.invite_member(
            actor=acting_user(request),
            organization=acting_organization(request),
            email=serializer.validated_data["email"],
            role=serializer.validated_data["role"],
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw an invitation (owners and admins)",
        responses={**NO_CONTENT, **error_responses(401, 403, 404, 409)},
        tags=["invitations"],
    )
    def destroy(self, request: Request, pk: int) -> Response:
        services.revoke_invitation(actor=acting_user(request), invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Accept an invitation addressed to you",
        request=InvitationAcceptSerializer,
        responses={201: UserMembershipSerializer, **error_responses(400, 401, 403, 404, 409)},
        tags=["invitations"],
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def accept(self, request: Request) -> Response:
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.accept_invitation(user=acting_user(request), token=serializer.validated_data["token"])
        return Response(UserMembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


# --- API tokens ------------------------------------------------------------------------------------------


class ApiTokenViewSet(viewsets.GenericViewSet):
    """The caller's own tokens in the acting organization."""

    serializer_class = ApiTokenSerializer
    permission_classes = (IsOrganizationMember,)
    lookup_value_converter = "int"
    ordering = "-created_at"

    def get_queryset(self) -> QuerySet[ApiToken]:
        return selectors.api_tokens_for(
            user=acting_user(self.request), organization=acting_organization(self.request)
        ).select_related("organization")

    def get_object(self) -> ApiToken:
        return selectors.get_api_token(
            user=acting_user(self.request), organization=acting_organization(self.request), token_id=self.kwargs["pk"]
        )

    @extend_schema(responses={200: ApiTokenSerializer(many=True), **error_responses(401, 403)}, tags=["api-tokens"])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiTokenSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a token acting in the current organization",
        request=ApiTokenCreateSerializer,
        responses={201: ApiTokenCreatedSerializer, **error_responses(400, 401, 403)},
        tags=["api-tokens"],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = ApiTokenCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = services.create_api_token(
            actor=acting_user(request),
            organization=acting_organization(request),
            name=serializer.validated_data["name"],
            expires_at=_expiry(serializer.validated_data["expires_in_days"]),
        )
        return Response(
            ApiTokenCreatedSerializer(token, context={"secret": secret}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Revoke a token", responses={**NO_CONTENT, **error_responses(401, 403, 404)}, tags=["api-tokens"]
    )
    def destroy(self, request: Request, pk: int) -> Response:
        services.revoke_api_token(actor=acting_user(request), token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
