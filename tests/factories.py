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


def make_member(organization: Organization, *, role: str = "member", user: User | None = None) -> User:
    user = user or UserFactory()
    Membership.objects.create(user=user, organization=organization, role=role)
    return user
