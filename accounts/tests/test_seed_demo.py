"""``manage.py seed_demo``: the demo accounts exist, can sign in, and a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD, ORGANIZATIONS, USERS
from accounts.models import Invitation, Membership, Organization, Role, User
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organization.objects.count(),
        Membership.objects.count(),
        Invitation.objects.count(),
        EmailAddress.objects.count(),
        AuditEvent.objects.count(),
    )


def test_every_demo_user_signs_in_with_the_demo_password_and_a_verified_address(client):
    _seed()

    for spec in USERS:
        user = User.objects.get(email=spec.email)
        assert user.check_password(DEMO_PASSWORD)
        assert EmailAddress.objects.filter(user=user, email=spec.email, verified=True, primary=True).exists()
        assert Organization.objects.filter(is_personal=True, memberships__user=user).count() == 1
    assert client.login(email="alice@demo.test", password=DEMO_PASSWORD)


def test_firms_have_their_owners_and_filled_public_profiles():
    _seed()

    for spec in ORGANIZATIONS:
        organization = Organization.objects.get(name=spec.name, is_personal=False)
        owner = Membership.objects.get(organization=organization, role=Role.OWNER).user
        assert owner.email == spec.owner
        for field in ("headline", "about", "country", "city", "languages", "skills", "website"):
            assert getattr(organization, field), f"{spec.name} has no {field}"
    supplier = Organization.objects.get(name="Pixel & Pine Studio")
    assert supplier.hourly_rate == 6500
    assert supplier.hourly_rate_currency == "EUR"


def test_dave_belongs_to_a_client_firm_and_a_supplier_firm():
    _seed()

    firms = set(
        Membership.objects.filter(user__email="dave@demo.test", organization__is_personal=False).values_list(
            "organization__name", flat=True
        )
    )
    assert firms == {"Northwind Trading", "Pixel & Pine Studio"}
    assert Invitation.objects.filter(email="dave@demo.test", accepted_at__isnull=False).count() == 2


def test_mona_is_a_staff_moderator_and_the_others_are_not():
    _seed()

    mona = User.objects.get(email="mona@demo.test")
    assert (mona.is_staff, mona.is_moderator, mona.is_superuser) == (True, True, False)
    assert not User.objects.filter(is_staff=True).exclude(email="mona@demo.test").exists()


def test_a_second_run_changes_nothing():
    _seed()
    before = _counts()

    _seed()

    assert _counts() == before


def test_a_second_run_refills_blanked_profile_fields_but_keeps_edits():
    _seed()
    Organization.objects.filter(name="Ledgerly Accounting").update(city="", headline="Edited by Carol")

    _seed()

    ledgerly = Organization.objects.get(name="Ledgerly Accounting")
    assert ledgerly.city == "Dublin"
    assert ledgerly.headline == "Edited by Carol"


def test_it_prints_the_accounts_and_the_password_once():
    output = _seed()

    assert output.count(DEMO_PASSWORD) == 1
    for spec in USERS:
        assert spec.email in output
