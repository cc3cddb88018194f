"""factory_boy factories. Build state through services where rules matter."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from accounts import services
from accounts.models import Membership, Organization, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Users are email-verified and have a personal organization, as after sign-up."""
        if not create:
            return
        self.save()
        if extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        services.create_personal_organization(user=self)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Firm {n}")
    slug = factory.Sequence(lambda n: f"firm-{n}")
    skills = factory.LazyFunction(list)
    # A firm named with skills offers them (as accounts.services.create_organization takes it).
    offers_services = factory.LazyAttribute(lambda organization: bool(organization.skills))


def make_member(organization: Organization, *, role: str = "member", user: User | None = None) -> User:
    user = user or UserFactory()
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


# --- marketplace ------------------------------------------------------------------------


def task_input(**overrides: object):  # type: ignore[no-untyped-def]
    """Valid terms of a fixed-price remote task; override what a test is about."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.models import Category
    from marketplace.services import TaskInput

    values: dict[str, object] = {
        "title": "Monthly payroll for 40 employees",
        "description": "Run payroll each month, file the returns and send payslips.",
        "category_id": Category.objects.get(slug="payroll").pk,
        "budget_type": "fixed",
        "currency": "EUR",
        "budget_amount": 300_000,
        "deadline": timezone.localdate() + timedelta(days=60),
        "bidding_closes_at": timezone.now() + timedelta(days=14),
        "skills": ["Payroll", "DATEV"],
        "in_house_cost_estimate": 450_000,
    }
    values.update(overrides)
    return TaskInput(**values)  # type: ignore[arg-type]


def bid_input(**overrides: object):  # type: ignore[no-untyped-def]
    """Valid terms of a fixed-price bid of 2,800.00 in two milestones."""
    from datetime import timedelta

    from django.utils import timezone

    from marketplace.services import BidInput, MilestoneInput

    today = timezone.localdate()
    values: dict[str, object] = {
        "amount": 280_000,
        "start_date": today + timedelta(days=3),
        "availability_hours_per_week": 20,
        "delivery_date": today + timedelta(days=45),
        "cover_letter": "We run payroll for 120 firms like yours.",
        "milestones": [
            MilestoneInput(title="Set-up and migration", amount=80_000, due_date=today + timedelta(days=10)),
            MilestoneInput(title="First two payroll runs", amount=200_000, due_date=today + timedelta(days=45)),
        ],
    }
    values.update(overrides)
    return BidInput(**values)  # type: ignore[arg-type]


def open_task(organization: Organization, *, actor: User | None = None, **overrides: object):  # type: ignore[no-untyped-def]
    from marketplace import services as marketplace_services

    actor = actor or organization.memberships.filter(role="owner").first().user  # type: ignore[union-attr]
    return marketplace_services.create_task(
        actor=actor, organization=organization, data=task_input(**overrides), publish=True
    )
