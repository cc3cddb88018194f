"""The accounts app's part of the demo data (:mod:`core.demo`): people, firms with a public profile, and
who belongs where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress

from accounts import services
from accounts.models import Membership, Organization, Role, User
from core.demo import Demo, Step

DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    about: str  # what the person is for, shown in the accounts table
    is_staff: bool = False
    is_moderator: bool = False


@dataclass(frozen=True)
class DemoOrganization:
    key: str
    name: str
    owner: str  # email of the owner
    profile: dict[str, Any]
    members: tuple[tuple[str, str], ...] = ()  # (email, role) besides the owner


USERS = (
    DemoUser("alice@demo.test", "Alice Archer", "owner of Northwind Trading (client: posts tasks)"),
    DemoUser("bob@demo.test", "Bob Brennan", "owner of Pixel & Pine Studio (supplier: design agency)"),
    DemoUser("carol@demo.test", "Carol Castro", "owner of Ledgerly Accounting (supplier: bookkeeping, payroll)"),
    DemoUser("dave@demo.test", "Dave Dalton", "admin at Northwind Trading and member of Pixel & Pine Studio"),
    DemoUser("mona@demo.test", "Mona Moreau", "platform moderator (staff: tasks in the admin)", True, True),
)

ORGANIZATIONS = (
    DemoOrganization(
        key="northwind",
        name="Northwind Trading",
        owner="alice@demo.test",
        profile={
            "headline": "Importer of specialty foods for independent grocers",
            "about": (
                "Northwind Trading imports olive oil, coffee and preserves from small producers and "
                "supplies 300 independent shops across the UK. We outsource what is not our trade: "
                "bookkeeping, payroll, packaging design and the odd bit of IT."
            ),
            "country": "GB",
            "city": "Manchester",
            "time_zone": "Europe/London",
            "languages": ["English", "Spanish"],
            "skills": ["Import logistics", "Wholesale", "Food safety"],
            "offers_services": False,  # a pure client: what it does is its trade, not a service to others
            "website": "https://northwind.example",
        },
        members=(("dave@demo.test", Role.ADMIN),),
    ),
    DemoOrganization(
        key="pixel-pine",
        name="Pixel & Pine Studio",
        owner="bob@demo.test",
        profile={
            "headline": "Brand identity and packaging design for food and drink",
            "about": (
                "A six-person studio in Porto. We design labels, packaging and brand systems, "
                "and build the web shops that sell them. Fixed-price proposals with two revision rounds."
            ),
            "country": "PT",
            "city": "Porto",
            "time_zone": "Europe/Lisbon",
            "languages": ["Portuguese", "English", "French"],
            "skills": ["Brand identity", "Packaging design", "Illustration", "Figma", "Shopify"],
            "offers_services": True,
            "hourly_rate": 6500,  # EUR 65.00, in cents
            "hourly_rate_currency": "EUR",
            "website": "https://pixelandpine.example",
            "portfolio_links": [
                "https://pixelandpine.example/work/olive-grove",
                "https://pixelandpine.example/work/brewline",
            ],
        },
        members=(("dave@demo.test", Role.MEMBER),),
    ),
    DemoOrganization(
        key="ledgerly",
        name="Ledgerly Accounting",
        owner="carol@demo.test",
        profile={
            "headline": "Bookkeeping, payroll and VAT returns for small firms",
            "about": (
                "Chartered accountants who take the monthly books, payroll runs and VAT returns off "
                "your hands. Fixed monthly fees, Xero and QuickBooks certified, replies within a day."
            ),
            "country": "IE",
            "city": "Dublin",
            "time_zone": "Europe/Dublin",
            "languages": ["English", "Irish"],
            "skills": ["Bookkeeping", "Payroll", "VAT returns", "Xero", "QuickBooks"],
            "offers_services": True,
            "hourly_rate": 5500,  # EUR 55.00, in cents
            "hourly_rate_currency": "EUR",
            "website": "https://ledgerly.example",
        },
    ),
)


# --- steps ---------------------------------------------------------------------------


def seed_users(demo: Demo) -> None:
    """Users with a verified primary address and a personal organization, as after sign-up."""
    for spec in USERS:
        user = User.objects.filter(email=spec.email).first()
        if user is None:
            # Sign-up in allauth is a manager call plus these two service steps; there is
            # no accounts service for it, so do what the sign-up adapter does.
            user = User.objects.create_user(
                spec.email,
                DEMO_PASSWORD,
                name=spec.name,
                is_staff=spec.is_staff,
                is_moderator=spec.is_moderator,
            )
            demo.created.append(f"user {spec.email}")
        EmailAddress.objects.update_or_create(user=user, email=spec.email, defaults={"verified": True, "primary": True})
        services.create_personal_organization(user=user)
        if spec.is_moderator:
            user = services.set_moderator(actor=None, user=user, moderator=True)
        demo.users[spec.email] = user


def _owned_firm(owner: User, name: str) -> Organization | None:
    return Organization.objects.filter(
        name=name, is_personal=False, memberships__user=owner, memberships__role=Role.OWNER
    ).first()


def seed_organizations(demo: Demo) -> None:
    """Firms with a filled public profile. Fields someone has since edited are left alone."""
    for spec in ORGANIZATIONS:
        owner = demo.user(spec.owner)
        organization = _owned_firm(owner, spec.name)
        if organization is None:
            organization = services.create_organization(actor=owner, name=spec.name, **spec.profile)
            demo.created.append(f"organization {spec.name}")
        else:
            blanks = {field: value for field, value in spec.profile.items() if not getattr(organization, field)}
            # The side a demo firm is on is the demo's to say: the migration that added the flag
            # (accounts 0006) took every firm naming skills for a supplier, Northwind too.
            if organization.offers_services != spec.profile["offers_services"]:
                blanks["offers_services"] = spec.profile["offers_services"]
            if blanks:
                organization = services.update_organization_profile(actor=owner, organization=organization, **blanks)
        demo.organizations[spec.key] = organization


def seed_memberships(demo: Demo) -> None:
    """Extra members join the way people do: invited by the owner, then accepting."""
    for spec in ORGANIZATIONS:
        organization = demo.organizations[spec.key]
        owner = demo.user(spec.owner)
        for email, role in spec.members:
            member = demo.user(email)
            if Membership.objects.filter(organization=organization, user=member).exists():
                continue
            _invitation, token = services.invite_member(actor=owner, organization=organization, email=email, role=role)
            services.accept_invitation(user=member, token=token)
            demo.created.append(f"{email} joined {organization.name} as {role}")


STEPS: list[Step] = [
    Step("users", seed_users),
    Step("organizations", seed_organizations),
    Step("memberships", seed_memberships),
]


def describe() -> str:
    """The demo accounts, for ``seed_demo``'s report."""
    width = max(len(spec.email) for spec in USERS)
    lines = [f"Demo accounts (password for all: {DEMO_PASSWORD})"]
    lines += [f"  {spec.email:<{width}}  {spec.about}" for spec in USERS]
    return "\n".join(lines)
