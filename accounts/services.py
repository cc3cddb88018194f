"""Every write to users, organizations, memberships, invitations and API tokens.

Each service checks the actor's role, locks what it reads, writes with
``update_fields``, appends an audit record and enqueues side effects after
commit. Views, the API, admin actions and commands call these and nothing else.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.utils import has_verified_email
from allauth.mfa.base.internal.flows import check_rate_limit as check_mfa_rate_limit
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import (
    LISTED_SUPPLIER,
    MANAGER_ROLES,
    ApiToken,
    Invitation,
    Membership,
    Organization,
    Role,
    SupplierTally,
    User,
    hash_secret,
)
from core import audit, limits
from core.exceptions import AuthenticationFailed, Conflict, DomainError, NotFound, PermissionDenied, RateLimited
from core.outbox import enqueue
from core.text import is_blank, visible
from core.updates import apply_changes

INVITATION_LIFETIME = timedelta(days=7)

# Profile fields an organization's managers may edit.
PROFILE_FIELDS = (
    "name",
    "headline",
    "about",
    "logo",
    "country",
    "city",
    "time_zone",
    "languages",
    "skills",
    "offers_services",
    "hourly_rate",
    "hourly_rate_currency",
    "website",
    "portfolio_links",
)


# --- locks ---------------------------------------------------------------------


def lock_organization(organization: Organization) -> Organization:
    """Row-lock the organization; every membership change takes this lock first."""
    return Organization.objects.select_for_update().get(pk=organization.pk)


def require_member(*, actor: User, organization: Organization) -> Membership:
    """The actor's membership; outsiders get NotFound and so learn nothing about the organization."""
    membership = Membership.objects.filter(user=actor, organization=organization).first()
    if membership is None:
        raise NotFound("No such organization.")
    return membership


def require_manager(*, actor: User, organization: Organization, action: str = "manage this organization") -> Membership:
    """The actor's membership if it is an owner's or an admin's; ``action`` completes the refusal."""
    membership = require_member(actor=actor, organization=organization)
    if membership.role not in MANAGER_ROLES:
        raise PermissionDenied(f"Only owners and admins can {action}.")
    return membership


# Slugs taken by routes beside /organizations/<slug>/ (organization-create, organization-switch).
RESERVED_SLUGS = frozenset({"new", "switch"})


def normalise_skills(names: list[str]) -> list[str]:
    """Skills are stored as slugs ("Microsoft 365" -> "microsoft-365") so tasks and profiles match."""
    slugs: list[str] = []
    for name in names:
        slug = slugify(name)[:60]
        if slug and slug not in slugs:
            slugs.append(slug)
    return slugs


def _unique_slug(name: str) -> str:
    base = slugify(name)[:60] or "org"
    slug = base
    while slug in RESERVED_SLUGS or Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


# --- organizations -----------------------------------------------------------


@transaction.atomic
def create_personal_organization(*, user: User) -> Organization:
    """Give a new user the organization they act in by default. Safe to repeat."""
    existing = Organization.objects.filter(is_personal=True, memberships__user=user).first()
    if existing is not None:
        return existing
    organization = Organization.objects.create(
        name=user.name or user.email.split("@")[0], slug=_unique_slug(user.email.split("@")[0]), is_personal=True
    )
    Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
    audit.record(
        action="organization.created",
        actor=user,
        organization=organization,
        target=organization,
        details={"personal": True},
    )
    return organization


@transaction.atomic
def create_organization(*, actor: User, name: str, **profile: Any) -> Organization:
    """Create a firm with the actor as its owner."""
    name = name.strip()
    if is_blank(name):
        raise DomainError("An organization needs a name.", field="name")
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown profile fields: {', '.join(sorted(unknown))}")
    _check_profile_sizes({"name": name, **profile})
    if "skills" in profile:
        profile["skills"] = normalise_skills(profile["skills"])
    # Naming skills at creation says what the firm offers, as the migration that added the flag took it
    # (accounts 0006); a profile edit changes the flag only when asked.
    profile.setdefault("offers_services", bool(profile.get("skills")))
    organization = Organization.objects.create(name=name, slug=_unique_slug(name), **profile)
    membership = Membership.objects.create(user=actor, organization=organization, role=Role.OWNER)
    audit.record(action="organization.created", actor=actor, organization=organization, target=organization)
    audit.record(
        action="membership.created",
        actor=actor,
        organization=organization,
        target=membership,
        details={"role": Role.OWNER, "user": actor.email},
    )
    return organization


@transaction.atomic
def update_organization_profile(*, actor: User, organization: Organization, **changes: Any) -> Organization:
    require_manager(actor=actor, organization=organization)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown profile fields: {', '.join(sorted(unknown))}")
    if "name" in changes and is_blank(str(changes["name"]).strip()):
        raise DomainError("An organization needs a name.", field="name")
    _check_profile_sizes(changes)
    if "skills" in changes:
        changes["skills"] = normalise_skills(changes["skills"])
    organization = lock_organization(organization)
    changed = apply_changes(organization, changes)
    if changed:
        organization.save(update_fields=[*changed, "updated_at"])
        audit.record(
            action="organization.updated",
            actor=actor,
            organization=organization,
            target=organization,
            details={"fields": sorted(changed)},
        )
    return organization


# The longest text and the most entries each profile field takes (see core.limits).
_PROFILE_TEXT = {
    "name": limits.ORGANIZATION_NAME,
    "headline": limits.HEADLINE,
    "about": limits.ABOUT,
    "city": limits.CITY,
}
_PROFILE_LISTS = {
    "languages": limits.PROFILE_LIST,
    "skills": limits.PROFILE_LIST,
    "portfolio_links": limits.PORTFOLIO_LINKS,
}


def _check_profile_sizes(values: dict[str, Any]) -> None:
    """Refuse text longer, and lists longer, than the profile keeps; name the field."""
    for field, most in _PROFILE_TEXT.items():
        if field in values and len(str(values[field] or "")) > most:
            raise DomainError(f"Keep it under {most:,} characters.", field=field)
    for field, most in _PROFILE_LISTS.items():
        if field in values and len(values[field] or []) > most:
            raise DomainError(f"List at most {most} entries.", field=field)
    rate = values.get("hourly_rate")
    if rate is not None and not 0 <= rate <= limits.INTEGER_MAX:
        raise DomainError(f"Enter a rate from 0 to {limits.INTEGER_MAX:,} minor units.", field="hourly_rate")


@transaction.atomic
def set_moderator(*, actor: User | None, user: User, moderator: bool) -> User:
    """Make ``user`` a platform moderator (staff, in the Moderators group), or no longer one.

    ``actor`` is a superuser, or None for the platform itself (the demo seeding). Repeating it changes nothing."""
    from django.contrib.auth.models import Group

    from accounts.moderators import GROUP

    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Only a platform administrator can appoint moderators.")
    user = User.objects.select_for_update().get(pk=user.pk)
    group, _ = Group.objects.get_or_create(name=GROUP)
    in_group = user.groups.filter(pk=group.pk).exists()
    if user.is_moderator == moderator and in_group == moderator and (user.is_staff or not moderator):
        return user
    user.is_moderator = moderator
    user.is_staff = moderator or user.is_superuser
    user.save(update_fields=["is_moderator", "is_staff"])
    if moderator:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    audit.record(
        action="user.moderator_granted" if moderator else "user.moderator_revoked",
        actor=actor,
        organization=None,
        target=user,
    )
    return user


@transaction.atomic
def recount_suppliers() -> int:
    """Count the supplier directory again into :class:`~accounts.models.SupplierTally`, and return it.

    The triggers keep the tally exact; this puts it back where a database was
    emptied with TRUNCATE (which takes the tally's row too), and checks it.
    Writers of organizations wait for the count, so none slips between it and
    the write.
    """
    database = router.db_for_write(SupplierTally)
    with transaction.atomic(using=database):
        with connections[database].cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Organization._meta.db_table} IN SHARE MODE")
        suppliers = Organization.objects.using(database).filter(LISTED_SUPPLIER).count()
        SupplierTally.objects.using(database).update_or_create(pk=1, defaults={"suppliers": suppliers})
    return suppliers


def update_user_profile(*, user: User, name: str) -> User:
    """A user edits their own name; it is also shown on their personal organization."""
    name = visible(name)[: limits.PERSON_NAME]
    if user.name != name:
        user.name = name
        user.save(update_fields=["name"])
        audit.record(action="user.updated", actor=user, organization=None, target=user, details={"fields": ["name"]})
    return user


# --- memberships ----------------------------------------------------------------


def _owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


@transaction.atomic
def change_member_role(*, actor: User, membership: Membership, role: str) -> Membership:
    if role not in Role.values:
        raise DomainError(f"Unknown role {role!r}.", field="role")
    organization = lock_organization(membership.organization)
    actor_membership = require_manager(actor=actor, organization=organization)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if Role.OWNER in (role, membership.role) and actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only an owner can grant or take away the owner role.")
    if membership.role == Role.OWNER and _owner_count(organization) == 1:
        raise Conflict("The last owner cannot be demoted. Make someone else an owner first.", field="role")
    old_role = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit.record(
        action="membership.role_changed",
        actor=actor,
        organization=organization,
        target=membership,
        details={"user": membership.user.email, "from": old_role, "to": role},
    )
    return membership


@transaction.atomic
def remove_member(*, actor: User, membership: Membership) -> None:
    """A manager removes someone, or a member leaves (actor is the member)."""
    organization = lock_organization(membership.organization)
    leaving = membership.user_id == actor.pk
    actor_membership = require_member(actor=actor, organization=organization)
    membership = Membership.objects.select_for_update().filter(pk=membership.pk).first()  # type: ignore[assignment]
    if membership is None:
        return  # already gone: removing twice is a no-op
    if not leaving:
        if actor_membership.role not in MANAGER_ROLES:
            raise PermissionDenied("Only owners and admins can remove members.")
        if membership.role == Role.OWNER and actor_membership.role != Role.OWNER:
            raise PermissionDenied("Only an owner can remove another owner.")
    if organization.is_personal and membership.role == Role.OWNER:
        raise Conflict("You cannot leave your personal organization.")
    if membership.role == Role.OWNER and _owner_count(organization) == 1:
        raise Conflict("The last owner cannot leave. Make someone else an owner first.")
    membership.delete()
    audit.record(
        action="membership.left" if leaving else "membership.removed",
        actor=actor,
        organization=organization,
        target=organization,
        details={"user": membership.user.email, "role": membership.role},
    )


# --- invitations -----------------------------------------------------------------


@transaction.atomic
def invite_member(
    *, actor: User, organization: Organization, email: str, role: str = Role.MEMBER
) -> tuple[Invitation, str]:
    """Invite someone by email. Returns the invitation and its one-time secret token.

    Inviting an address that already has an open invitation replaces it, so
    the newest link is the only one that works.
    """
    organization = lock_organization(organization)
    actor_membership = require_manager(actor=actor, organization=organization)
    email = email.strip().lower()
    if not email or "@" not in email:
        raise DomainError("Enter a valid email address.", field="email")
    if role not in Role.values:
        raise DomainError(f"Unknown role {role!r}.", field="role")
    if role == Role.OWNER and actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only an owner can invite another owner.")
    if organization.is_personal:
        raise DomainError("A personal organization has no other members. Create a firm to invite people.")
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member of {organization.name}.", field="email")
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_secret(token),
        invited_by=actor,
        expires_at=now + INVITATION_LIFETIME,
    )
    audit.record(
        action="invitation.created",
        actor=actor,
        organization=organization,
        target=invitation,
        details={"email": email, "role": role},
    )
    enqueue("accounts.send_invitation_email", invitation_id=invitation.pk, token=token)
    return invitation, token


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    require_manager(actor=actor, organization=invitation.organization)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise Conflict("This invitation was already accepted.")
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        action="invitation.revoked",
        actor=actor,
        organization=invitation.organization,
        target=invitation,
        details={"email": invitation.email},
    )
    return invitation


@transaction.atomic
def accept_invitation(*, user: User, token: str) -> Membership:
    """Turn a valid, unused, unexpired invitation addressed to the user into a membership."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid.")
    if invitation.accepted_at:
        raise Conflict("This invitation has already been used.")
    if invitation.revoked_at:
        raise Conflict("This invitation was withdrawn by the organization.")
    if invitation.expires_at <= timezone.now():
        raise Conflict("This invitation has expired. Ask for a new one.")
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(
            f"This invitation was sent to {invitation.email}. Sign in with that address to accept it."
        )
    organization = lock_organization(invitation.organization)
    if Membership.objects.filter(organization=organization, user=user).exists():
        raise Conflict(f"You are already a member of {organization.name}.")
    membership = Membership.objects.create(user=user, organization=organization, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        action="invitation.accepted",
        actor=user,
        organization=organization,
        target=invitation,
        details={"email": invitation.email},
    )
    audit.record(
        action="membership.created",
        actor=user,
        organization=organization,
        target=membership,
        details={"role": invitation.role, "user": user.email, "via": "invitation"},
    )
    return membership


@transaction.atomic
def mark_invitation_sent(*, invitation_id: int) -> bool:
    """Record delivery; False if it was already recorded (the task ran twice)."""
    return bool(Invitation.objects.filter(pk=invitation_id, sent_at__isnull=True).update(sent_at=timezone.now()))


# --- API tokens ----------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *, actor: User, organization: Organization, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a personal token for the actor in one organization. The secret is shown once.

    It expires at ``expires_at`` (by default in :attr:`ApiToken.LIFETIME_DAYS_DEFAULT` days), at
    most :attr:`ApiToken.LIFETIME_DAYS_MAX` days from now: a day more is allowed, so "through the
    last day" ends at that day's midnight.
    """
    require_member(actor=actor, organization=organization)
    name = name.strip()
    if is_blank(name):
        raise DomainError("Give the token a name so you can recognise it later.", field="name")
    now = timezone.now()
    if expires_at is None:
        expires_at = now + timedelta(days=ApiToken.LIFETIME_DAYS_DEFAULT)
    if expires_at <= now:
        raise DomainError("The expiry date must be in the future.", field="expires_at")
    if expires_at > now + timedelta(days=ApiToken.LIFETIME_DAYS_MAX + 1):
        raise DomainError(
            f"A token lives at most {ApiToken.LIFETIME_DAYS_MAX} days: choose an earlier expiry date.",
            field="expires_at",
        )
    secret = f"{ApiToken.PREFIX}_{secrets.token_urlsafe(32)}"
    try:
        token = ApiToken.objects.create(
            user=actor,
            organization=organization,
            name=name[:100],
            key_prefix=secret[:10],
            key_hash=hash_secret(secret),
            expires_at=expires_at,
        )
    except IntegrityError as exc:  # pragma: no cover - a 256-bit collision
        raise Conflict("Could not create a token, try again.") from exc
    audit.record(
        action="api_token.created",
        actor=actor,
        organization=organization,
        target=token,
        details={"name": token.name, "expires_at": expires_at.isoformat()},
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.user_id != actor.pk:
        raise NotFound("No such API token.")
    if token.revoked_at:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(action="api_token.revoked", actor=actor, organization=token.organization, target=token)
    return token


def authenticate_api_client(*, request: HttpRequest, email: str, password: str, otp_code: str = "") -> User:
    """Prove who an API client is from email + password, plus a TOTP code when the user has one.

    The same rules as the login page, through allauth's own checks: an active
    user, a verified email address and, with two-factor on, a valid code that
    was not used before. Failed passwords and failed codes count against the
    same per-address and per-IP limits as the login page, so the API is no
    way around them.
    """
    try:
        user = get_account_adapter(request).authenticate(request, email=email.strip().lower(), password=password)
    except DjangoValidationError as exc:
        raise RateLimited("Too many failed sign-in attempts. Wait a few minutes and try again.") from exc
    if not isinstance(user, User):
        raise AuthenticationFailed("Wrong email or password.", code="invalid_credentials")
    # allauth hands back an inactive user whose password matched, so the login page can say why.
    if not user.is_active:
        raise AuthenticationFailed("This account is inactive.", code="account_inactive")
    if not has_verified_email(user, user.email):
        raise AuthenticationFailed(
            "Verify your email address before using the API.", field="email", code="email_not_verified"
        )
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is not None:
        code = otp_code.strip()
        if not code:
            raise AuthenticationFailed(
                "This account uses two-factor authentication: send the code from your authenticator app.",
                field="otp_code",
                code="otp_required",
            )
        try:
            clear_failed_codes = check_mfa_rate_limit(user)
        except DjangoValidationError as exc:
            raise RateLimited("Too many wrong authenticator codes. Wait a few minutes and try again.") from exc
        if not TOTP(authenticator).validate_code(code):
            raise AuthenticationFailed(
                "The authenticator code is wrong, expired or already used.", field="otp_code", code="invalid_otp_code"
            )
        clear_failed_codes()
        authenticator.record_usage()
    return user


@transaction.atomic
def exchange_credentials_for_token(
    *,
    request: HttpRequest,
    email: str,
    password: str,
    otp_code: str = "",
    organization_id: int | None = None,
    name: str = "",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Trade login credentials for a token in one of the user's organizations (default: personal).

    No token is created unless every check passes. ``request`` is the HTTP
    request, which allauth's rate limits need (they count per IP).
    """
    user = authenticate_api_client(request=request, email=email, password=password, otp_code=otp_code)
    organizations = Organization.objects.for_user(user)
    if organization_id is None:
        organization = organizations.filter(is_personal=True).first()
    else:
        organization = organizations.filter(pk=organization_id).first()
    if organization is None:
        raise NotFound("You are not a member of that organization.", field="organization")
    return create_api_token(actor=user, organization=organization, name=name or "API client", expires_at=expires_at)


def touch_api_token(*, token: ApiToken) -> None:
    """Remember when a token was last used, at most once a minute (no lock needed)."""
    from accounts.selectors import token_is_fresh

    if not token_is_fresh(token):
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
