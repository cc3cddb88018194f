"""Shapes of the accounts API. Input serializers check types and sizes only; rules live in services."""

from __future__ import annotations

from typing import Any

from django_countries.serializer_fields import CountryField
from django_countries.serializers import CountryFieldMixin
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ApiToken, Invitation, Membership, Organization, Role, User
from accounts.services import PROFILE_FIELDS
from core import limits

# Tokens live at most a year (ApiToken.LIFETIME_DAYS_MAX, enforced by the service).
TOKEN_LIFETIME_DAYS_DEFAULT = ApiToken.LIFETIME_DAYS_DEFAULT
TOKEN_LIFETIME_DAYS_MAX = ApiToken.LIFETIME_DAYS_MAX


# --- small pieces reused by several shapes -------------------------------------------


class UserSummarySerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ("id", "email", "name")
        read_only_fields = fields


class OrganizationSummarySerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ("id", "name", "slug", "is_personal")
        read_only_fields = fields


# --- me -------------------------------------------------------------------------------


class UserMembershipSerializer(serializers.ModelSerializer[Membership]):
    """One of the current user's memberships: the organization and the role held there."""

    organization = OrganizationSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "organization", "role", "created_at")
        read_only_fields = fields


class ActingOrganizationSerializer(serializers.Serializer):
    """Built from the acting membership: the organization the request acts for, and the role there."""

    id = serializers.IntegerField(source="organization.id", read_only=True)
    name = serializers.CharField(source="organization.name", read_only=True)
    slug = serializers.CharField(source="organization.slug", read_only=True)
    is_personal = serializers.BooleanField(source="organization.is_personal", read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)


class MeSerializer(serializers.ModelSerializer[User]):
    """The current user. The view passes ``memberships`` and ``acting_membership`` in the context."""

    memberships = serializers.SerializerMethodField()
    acting_organization = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "email", "name", "memberships", "acting_organization")
        read_only_fields = fields

    @extend_schema_field(UserMembershipSerializer(many=True))
    def get_memberships(self, user: User) -> list[dict[str, Any]]:
        return UserMembershipSerializer(self.context["memberships"], many=True).data  # type: ignore[return-value]

    @extend_schema_field(ActingOrganizationSerializer(allow_null=True))
    def get_acting_organization(self, user: User) -> dict[str, Any] | None:
        membership = self.context.get("acting_membership")
        return ActingOrganizationSerializer(membership).data if membership is not None else None


class MeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=limits.PERSON_NAME, allow_blank=True)


# --- organizations ----------------------------------------------------------------------


class BoundedCountryField(CountryField):
    """A country by code or name, refusing text longer than any country's name.

    django-countries reads a string of digits as a numeric code with ``int()``,
    which raises past 4,300 digits: without the bound such a country was a 500.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and len(data) > 100:
            self.fail("invalid_choice", input=data[:100])
        return super().to_internal_value(data)


class OrganizationSerializer(CountryFieldMixin, serializers.ModelSerializer[Organization]):
    """An organization as its members see it. ``role`` is the caller's role in it."""

    role = serializers.SerializerMethodField()
    country = BoundedCountryField(required=False, allow_blank=True)

    class Meta:
        model = Organization
        # The editable profile is defined once, by the service that writes it.
        fields = ("id", "slug", "is_personal", "role", *PROFILE_FIELDS, "created_at", "updated_at")
        read_only_fields = ("id", "slug", "is_personal", "role", "logo", "created_at", "updated_at")
        extra_kwargs = {
            "name": {"required": True},
            "about": {"max_length": limits.ABOUT},
            "languages": {"max_length": limits.PROFILE_LIST},
            "skills": {"max_length": limits.PROFILE_LIST},
            "portfolio_links": {"max_length": limits.PORTFOLIO_LINKS},
        }

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_role(self, organization: Organization) -> str | None:
        # Annotated by the view's queryset (``my_role``), so listing costs no query per row.
        return getattr(organization, "my_role", None)


# --- memberships ---------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer[Membership]):
    """A member of the acting organization."""

    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("id", "user", "role", "created_at")
        read_only_fields = ("id", "user", "created_at")


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


# --- invitations ----------------------------------------------------------------------------


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    invited_by = UserSummarySerializer(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ("id", "email", "role", "status", "invited_by", "created_at", "expires_at")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_status(self, invitation: Invitation) -> str:
        """pending, accepted, revoked or expired."""
        return invitation.status


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The secret from the invitation link.")


# --- API tokens -------------------------------------------------------------------------------


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    prefix = serializers.CharField(source="key_prefix", read_only=True)
    organization = OrganizationSummarySerializer(read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields: tuple[str, ...] = (
            "id",
            "name",
            "prefix",
            "organization",
            "is_active",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        )
        read_only_fields: tuple[str, ...] = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.SerializerMethodField(help_text="The secret. Shown this once: store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = (*ApiTokenSerializer.Meta.fields, "token")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_token(self, token: ApiToken) -> str:
        return str(self.context["secret"])


def _lifetime_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=TOKEN_LIFETIME_DAYS_MAX,
        default=TOKEN_LIFETIME_DAYS_DEFAULT,
        help_text=f"Days until the token expires (default {TOKEN_LIFETIME_DAYS_DEFAULT}).",
    )


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=limits.NAME)
    expires_in_days = _lifetime_field()


class TokenExchangeSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp_code = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="The current code from the authenticator app; required when the user has two-factor on.",
    )
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="A label for the token."
    )
    organization = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of an organization you belong to; the token acts only there. Default: your personal one.",
    )
    expires_in_days = _lifetime_field()
