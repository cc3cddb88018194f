"""The one home of who acts, for which organization, and what is in its reach (``accounts.tenancy``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.test import RequestFactory

from accounts import services, tenancy
from accounts.models import ApiToken
from core.exceptions import AuthenticationFailed, PermissionDenied
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_with_a_firm():
    user = UserFactory()
    firm = services.create_organization(actor=user, name="Firm Ltd")
    return user, firm


def page_request(user, membership=None) -> HttpRequest:
    request = RequestFactory().get("/")
    request.user = user
    request.membership = membership  # type: ignore[attr-defined]
    request.organization = membership.organization if membership is not None else None  # type: ignore[attr-defined]
    return request


def test_a_page_request_reaches_every_organization_of_its_user(user_with_a_firm):
    user, firm = user_with_a_firm
    request = page_request(user, user.memberships.get(organization=firm))

    reached = {organization.name for organization in tenancy.organizations_in_reach(request)}

    assert reached == {firm.name, user.memberships.get(organization__is_personal=True).organization.name}
    assert tenancy.memberships_in_reach(request).count() == 2


def test_a_token_request_reaches_only_the_tokens_organization(user_with_a_firm):
    user, firm = user_with_a_firm
    token, _secret = services.create_api_token(actor=user, organization=firm, name="CI")
    request = page_request(user, user.memberships.get(organization=firm))
    request.auth = ApiToken.objects.get(pk=token.pk)  # type: ignore[attr-defined]  # as DRF's token auth sets it

    assert list(tenancy.organizations_in_reach(request)) == [firm]
    assert [membership.organization for membership in tenancy.memberships_in_reach(request)] == [firm]


def test_the_acting_organization_is_the_acting_memberships(user_with_a_firm):
    user, firm = user_with_a_firm
    membership = user.memberships.get(organization=firm)

    assert tenancy.acting_organization(page_request(user, membership)) == firm
    assert tenancy.acting_membership(page_request(user, membership)) == membership


def test_without_a_membership_there_is_no_acting_organization(user_with_a_firm):
    user, _firm = user_with_a_firm

    with pytest.raises(PermissionDenied, match="Choose an organization"):
        tenancy.acting_organization(page_request(user))


def test_an_anonymous_request_has_no_acting_user():
    with pytest.raises(AuthenticationFailed):
        tenancy.acting_user(page_request(AnonymousUser()))
