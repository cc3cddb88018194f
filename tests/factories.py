"""factory_boy factories. Build state through services where rules matter."""

from __future__ import annotations

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organization, User
from marketplace import services as marketplace_services
from marketplace.models import Category, Task
from marketplace.services import BidInput, MilestoneInput, TaskInput


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
# Terms are the services' input dataclasses, built by factories; rows that rules govern (a published
# task) are made by the services, as the product makes them.


class TaskInputFactory(factory.Factory):
    """Valid terms of a fixed-price remote task; override what a test is about."""

    class Meta:
        model = TaskInput

    title = "Monthly payroll for 40 employees"
    description = "Run payroll each month, file the returns and send payslips."
    category_id = factory.LazyFunction(lambda: Category.objects.get(slug="payroll").pk)
    budget_type = "fixed"
    currency = "EUR"
    budget_amount = 300_000
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    bidding_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    skills = factory.LazyFunction(lambda: ["Payroll", "DATEV"])
    in_house_cost_estimate = 450_000


class MilestoneInputFactory(factory.Factory):
    class Meta:
        model = MilestoneInput

    title = "First two payroll runs"
    amount = 200_000
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=45))


class BidInputFactory(factory.Factory):
    """Valid terms of a fixed-price bid of 2,800.00 in two milestones."""

    class Meta:
        model = BidInput

    amount = 280_000
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    availability_hours_per_week = 20
    delivery_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=45))
    cover_letter = "We run payroll for 120 firms like yours."
    milestones = factory.LazyFunction(
        lambda: [
            MilestoneInputFactory(
                title="Set-up and migration", amount=80_000, due_date=timezone.localdate() + timedelta(days=10)
            ),
            MilestoneInputFactory(),
        ]
    )


class OpenTaskFactory(factory.Factory):
    """A published task of ``organization``, created by its owner (or ``actor``) through the service."""

    class Meta:
        model = Task

    organization = factory.SubFactory(OrganizationFactory)
    actor = None

    @classmethod
    def _create(
        cls, model_class: type[Task], *, organization: Organization, actor: User | None, **terms: object
    ) -> Task:
        owner = actor or organization.memberships.filter(role="owner").first().user  # type: ignore[union-attr]
        return marketplace_services.create_task(
            actor=owner, organization=organization, data=TaskInputFactory(**terms), publish=True
        )


# The names most tests use.
task_input = TaskInputFactory
bid_input = BidInputFactory


def open_task(organization: Organization, *, actor: User | None = None, **terms: object) -> Task:
    return OpenTaskFactory(organization=organization, actor=actor, **terms)
