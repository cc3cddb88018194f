"""Users, organizations (the tenants), memberships, invitations and API tokens."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person. Logs in by email; acts inside organizations through memberships."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    name = models.CharField("full name", max_length=150, blank=True)
    is_moderator = models.BooleanField(
        default=False, help_text="Platform staff who work disputes, reports and suspensions."
    )
    last_organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The organization the user last switched to; the next sign-in starts there.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()  # type: ignore[misc,assignment]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


# Roles that may manage the organization: its profile, members and invitations.
MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def for_user(self, user: User | AnonymousUser) -> OrganizationQuerySet:
        """Organizations the user is a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


# Who the supplier directory lists: organizations that say they offer services and name at least one
# skill. The same predicate as SQL is LISTED_SUPPLIER_SQL; the tally's triggers (migration 0006), the
# directory's partial index and its selectors (marketplace.selectors.suppliers) all read one of the two.
LISTED_SUPPLIER = models.Q(offers_services=True) & ~models.Q(skills=[])
LISTED_SUPPLIER_SQL = "offers_services AND skills <> '{}'"


class Organization(models.Model):
    """The tenant: owns tasks, bids, contracts and money. Every user has a personal one.

    Any organization may post tasks (the client side); ``offers_services`` says it also works for
    others (the supplier side): it is listed in the directory (with a skill) and shown the
    supplier's pages first. Roles belong to the action: one firm may do both.
    """

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    is_personal = models.BooleanField(
        default=False, help_text="Created with the user at sign-up; cannot take more members."
    )
    headline = models.CharField(max_length=200, blank=True)
    about = models.TextField(blank=True)
    logo = models.ImageField(upload_to="logos/%Y/%m/", blank=True)
    country = CountryField(blank=True)
    city = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    languages = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    skills = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    offers_services = models.BooleanField(
        default=False,
        db_default=False,  # also for rows written without the ORM (COPY in generate_marketplace_data)
        help_text="Works for other organizations: listed in the supplier directory when it names a skill.",
    )
    hourly_rate = models.PositiveIntegerField(
        null=True, blank=True, help_text="Typical hourly rate in minor units of hourly_rate_currency."
    )
    hourly_rate_currency = models.CharField(max_length=3, default="EUR")
    website = models.URLField(blank=True)
    portfolio_links = ArrayField(models.URLField(), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            # The supplier directory's unrated suppliers, a page at a time by name (marketplace.selectors.suppliers).
            models.Index(fields=["name", "id"], condition=LISTED_SUPPLIER, name="org_supplier_listed_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organization-detail", kwargs={"slug": self.slug})

    @property
    def is_listed_supplier(self) -> bool:
        """In the supplier directory: :data:`LISTED_SUPPLIER` for this row."""
        return self.offers_services and bool(self.skills)


class SupplierTally(models.Model):
    """How many organizations the supplier directory lists (:data:`LISTED_SUPPLIER`), in one row kept by the database.

    Counting them (tens of thousands) on every directory page was a third of its
    time. Triggers on ``accounts_organization`` (migration 0004) add each
    statement's change to ``suppliers`` in the statement's own transaction, so
    the figure is exact for every writer: ``save()``, ``update()``, bulk
    inserts, deletes and raw SQL. Organizations' writes that change no one's
    place in the directory (sign-ups, profile edits that keep some skill)
    leave the row alone, so they never wait on its lock. A database emptied
    with ``TRUNCATE`` (test flushes) loses the row; readers then count.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    suppliers = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="supplier_tally_one_row")]

    def __str__(self) -> str:
        return f"{self.suppliers} suppliers"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_org(self, organization: Organization) -> MembershipQuerySet:
        return self.filter(organization=organization)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    signs_contracts = models.BooleanField(
        default=False,
        db_default=False,  # rows written by code that predates the column (older migrations' states) too
        help_text="A member designated to sign contracts (owners and admins always may).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_user_and_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in MANAGER_ROLES

    @property
    def can_sign(self) -> bool:
        """An authorised signatory: an owner, an admin, or a member the organization designated."""
        return self.role in MANAGER_ROLES or self.signs_contracts


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def for_org(self, organization: Organization) -> InvitationQuerySet:
        return self.filter(organization=organization)

    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An emailed link that makes its recipient a member. Works once, expires."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organization; a new one
            # replaces (revokes) the old, see services.invite_member.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def for_org(self, organization: Organization) -> ApiTokenQuerySet:
        return self.filter(organization=organization)

    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        )


class ApiToken(models.Model):
    """A personal API token, scoped to one organization. Only its SHA-256 is stored."""

    PREFIX = "mkt"
    # Tokens live at most a year, whichever way they are made (the settings page, the API, the
    # token exchange); a client that needs longer makes a new one. The service enforces it.
    LIFETIME_DAYS_DEFAULT = 90
    LIFETIME_DAYS_MAX = 365

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_prefix = models.CharField(max_length=16, help_text="First characters of the token, shown to tell tokens apart.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
