"""The signed-in user and their memberships arrive in one query, and nothing about them is kept stale."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.auth_backends import AuthenticationBackend, ModelBackend, take_loaded_memberships
from accounts.models import Membership
from accounts.tenancy import SESSION_KEY
from tests.factories import OrganizationFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_get_user_loads_the_memberships_in_the_same_query(backend, firm, django_assert_num_queries):
    user = firm.owner
    make_member(OrganizationFactory(name="Second Firm"), user=user)

    with django_assert_num_queries(1):
        loaded = backend().get_user(user.pk)
        memberships = take_loaded_memberships(loaded)

    assert loaded == user
    assert memberships is not None
    assert {membership.organization.name for membership in memberships} >= {firm.name, "Second Firm"}
    assert all(membership.user is loaded for membership in memberships)
    assert take_loaded_memberships(loaded) is None  # taken once: a later reader asks the database


def test_an_inactive_user_is_not_signed_in(firm):
    firm.owner.is_active = False
    firm.owner.save()

    assert ModelBackend().get_user(firm.owner.pk) is None


def test_a_user_without_memberships_is_still_signed_in(db):
    staff = UserFactory(is_staff=True)
    Membership.objects.filter(user=staff).delete()

    loaded = ModelBackend().get_user(staff.pk)

    assert loaded == staff
    assert take_loaded_memberships(loaded) == []
    assert ModelBackend().get_user(10**9) is None


def test_a_signed_in_page_asks_for_the_user_and_memberships_once(firm):
    client = Client()
    client.force_login(firm.owner)
    assert settings.AUTHENTICATION_BACKENDS[0] == "accounts.auth_backends.ModelBackend"

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("organization-list")).status_code == 200

    membership_reads = [query for query in queries if 'FROM "accounts_membership"' in query["sql"]]
    user_reads = [query for query in queries if query["sql"].startswith('SELECT "accounts_user"')]
    assert len(membership_reads) <= 2  # the middleware's (with the user), and the page's own list
    assert user_reads == []


def test_a_removed_membership_stops_working_on_the_next_request(firm):
    member = make_member(firm, role="member")
    client = Client()
    client.force_login(member)
    session = client.session
    session[SESSION_KEY] = firm.pk
    session.save()
    assert client.get(reverse("organization-list")).wsgi_request.organization == firm

    services.remove_member(actor=firm.owner, membership=Membership.objects.get(user=member, organization=firm))

    assert client.get(reverse("organization-list")).wsgi_request.organization != firm


def test_the_written_out_query_loads_what_the_orm_would(firm):
    """Same memberships, organizations and user, field by field, in the switcher's order."""
    from accounts.selectors import user_with_memberships
    from accounts.tenancy import user_memberships

    user = firm.owner
    for name in ("Zeta Works", "alpha studio", "Mid Firm"):
        make_member(OrganizationFactory(name=name), user=user, role="member")

    loaded, memberships = user_with_memberships(user_id=user.pk)
    expected = user_memberships(user=user)

    def fields(instance):
        return {key: value for key, value in vars(instance).items() if not key.startswith("_")}

    assert fields(loaded) == fields(type(user).objects.get(pk=user.pk))
    assert [m.pk for m in memberships] == [m.pk for m in expected]
    assert [fields(m) for m in memberships] == [fields(m) for m in expected]
    assert [fields(m.organization) for m in memberships] == [fields(m.organization) for m in expected]
    assert user_with_memberships(user_id=10**9) == (None, [])
